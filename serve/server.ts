import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initBackend } from '../src/backend/backend.js';
import { resolveArtifactDir } from '../src/artifacts/artifact.js';
import { RouterPipeline } from '../src/routers/RouterPipeline.js';
import { openStore, storeConfigFromEnv } from '../src/store/openStore.js';
import { createApp, type RankService } from './app.js';
import { createFeedbackRouter } from './feedback/feedbackRouter.js';
import { StoreConnection } from './feedback/storeConnection.js';

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
  /** Feedback store URL (default LLMR_STORE_URL, else duckdb:data/store/llmr.duckdb); false: no store, no /feedback. */
  store?: string | false;
  /** Keep prompt text in the store (default LLMR_STORE_PROMPTS). */
  storePrompts?: boolean;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** The feedback store handle (null with store: false). */
  store: StoreConnection | null;
  close(): Promise<void>;
}

/** Load artifacts, build the app, listen. Used by serve/main.ts and `llmr serve`. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const backend = await initBackend(o.backend ?? '');
  const router = o.router ? await RouterPipeline.load(resolveArtifactDir(o.router, o.modelsDir)) : null;
  const ranker = o.ranker && o.loadRanker ? await o.loadRanker(resolveArtifactDir(o.ranker, o.modelsDir)) : null;
  const log = o.log ?? (() => {});
  let store: StoreConnection | null = null;
  if (o.store !== false) {
    const cfg = storeConfigFromEnv();
    const url = o.store ?? cfg.url;
    store = new StoreConnection(() => openStore(url, { storePrompts: o.storePrompts ?? cfg.storePrompts, salt: cfg.salt, log }), { log });
    await store.start();
  }
  const routers = store ? [createFeedbackRouter({ store: () => store!.get(), getRouter: () => router, log })] : [];
  const app = createApp({ router, ranker, backend: backend.name, log: o.log, routeSink: store ?? undefined, routers });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(o.port ?? 8080, o.host ?? '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const addr = server.address() as AddressInfo;
  return {
    server,
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    store,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store?.close();
    },
  };
}
