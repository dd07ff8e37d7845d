import { LlmrError } from '../src/errors.js';
import { isLoopback, startServer, type RunningServer, type ServeOptions } from './server.js';

/**
 * Start the service for an entry point: JSON-line logs on stdout; SIGTERM/SIGINT drain (stop accepting, answer
 * with Connection: close, finish requests in flight, exit 0 — 1 only when requests had to be cut at the drain
 * deadline); SIGHUP reloads the newest artifact versions. Only entry points call this.
 */
export async function runServer(o: ServeOptions & { quiet?: boolean }): Promise<RunningServer> {
  const log = o.log ?? ((r: Record<string, unknown>) => process.stdout.write(JSON.stringify({ t: new Date().toISOString(), ...r }) + '\n'));
  const running = await startServer({ ...o, log: o.quiet ? () => {} : log });
  const keys = o.apiKeys?.size ?? 0;
  const host = o.host ?? '127.0.0.1';
  process.stderr.write(
    `llmr serving on ${running.url}  (POST /route, POST /route/batch, POST /rank, POST /feedback, GET /ui, GET /healthz, GET /openapi.json)\n`,
  );
  process.stderr.write(
    keys
      ? `auth: ${keys} API key${keys === 1 ? '' : 's'}\n`
      : isLoopback(host)
        ? 'auth: none (no API keys configured) — listening on loopback only; set LLMR_API_KEYS or --api-keys-file to serve a network\n'
        : 'auth: NONE on a non-loopback address (--insecure)\n',
  );
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      process.stderr.write(`${sig} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${sig}: draining (no new connections; requests in flight finish)\n`);
    running.drain().then(
      ({ cut }) => {
        process.stderr.write(cut ? `drain deadline: ${cut} request(s) cut\n` : 'drained: every request answered\n');
        process.exit(cut ? 1 : 0);
      },
      (e: unknown) => {
        process.stderr.write(`drain failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    running.reloader.reload({}, 'SIGHUP').then(
      (r) =>
        process.stderr.write(
          r.changed ? `SIGHUP: now serving ${r.version} (generation ${r.generation})\n` : `SIGHUP: already serving the newest version (${r.version})\n`,
        ),
      (e: unknown) =>
        process.stderr.write(
          `SIGHUP: reload refused, still serving ${running.service.ctx.holder.version}: ${e instanceof LlmrError ? e.message : String(e)}\n`,
        ),
    );
  });
  return running;
}
