import { startServer, type RunningServer, type ServeOptions } from './server.js';

/**
 * Start the service for an entry point: JSON-line logs on stdout, graceful shutdown on SIGINT/SIGTERM
 * (stop accepting, finish in-flight requests, exit). Only entry points call this.
 */
export async function runServer(o: ServeOptions & { quiet?: boolean }): Promise<RunningServer> {
  const log = o.log ?? ((r: Record<string, unknown>) => process.stdout.write(JSON.stringify({ t: new Date().toISOString(), ...r }) + '\n'));
  const running = await startServer({ ...o, log: o.quiet ? () => {} : log });
  process.stderr.write(`llmr serving on ${running.url}  (POST /route, POST /rank, POST /feedback, GET /ui, GET /healthz, GET /openapi.json)\n`);
  const stop = (sig: string) => {
    process.stderr.write(`${sig}: shutting down\n`);
    running.close().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return running;
}
