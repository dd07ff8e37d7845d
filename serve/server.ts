import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initBackend } from '../src/backend/backend.js';
import { resolveArtifactDir } from '../src/artifacts/artifact.js';
import { RouterPipeline } from '../src/routers/RouterPipeline.js';
import { createApp } from './app.js';
import type { RankService } from './rankService.js';

export interface ServeOptions {
  router?: string;
  ranker?: string;
  port?: number;
  host?: string;
  modelsDir?: string;
  backend?: string;
  /** Loads a ranker artifact into a RankService (injected so the server does not depend on ranker internals). */
  loadRanker?: (dir: string) => Promise<RankService>;
  log?: (o: Record<string, unknown>) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Load artifacts, build the app, listen. Used by serve/main.ts and `llmr serve`. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const backend = await initBackend(o.backend ?? '');
  const router = o.router ? await RouterPipeline.load(resolveArtifactDir(o.router, o.modelsDir)) : null;
  const ranker = o.ranker && o.loadRanker ? await o.loadRanker(resolveArtifactDir(o.ranker, o.modelsDir)) : null;
  const app = createApp({ router, ranker, backend: backend.name, log: o.log });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(o.port ?? 8080, o.host ?? '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const addr = server.address() as AddressInfo;
  return {
    server,
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
