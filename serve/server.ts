import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initBackend } from '../src/backend/backend.js';
import { resolveArtifactDir } from '../src/artifacts/artifact.js';
import { RouterPipeline } from '../src/routers/RouterPipeline.js';
import { openStore, storeConfigFromEnv } from '../src/store/openStore.js';
import { createService } from './app.js';
import { feedbackMount, type AcceptedFeedback } from './feedback/feedbackRouter.js';
import { StoreConnection } from './feedback/storeConnection.js';
import { dashboardMount } from './ui/dashboardMount.js';
import { ModelHolder } from './ModelHolder.js';
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
  /** Feedback store URL (default LLMR_STORE_URL, else duckdb:data/store/llmr.duckdb); false: no store, no /feedback. */
  store?: string | false;
  /** Keep prompt text in the store (default LLMR_STORE_PROMPTS). */
  storePrompts?: boolean;
  /** Online learning from feedback (kNN memory, Elo ratings); called after each commit. */
  onFeedback?: (holder: ModelHolder, items: AcceptedFeedback[]) => void | Promise<void>;
}

export interface RunningServer {
  server: Server;
  url: string;
  holder: ModelHolder;
  /** The feedback store handle (null with store: false). */
  store: StoreConnection | null;
  close(): Promise<void>;
}

/** Load artifacts, build the app, listen. Used by serve/main.ts and `llmr serve`. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const backend = await initBackend(o.backend ?? '');
  const routerDir = o.router ? resolveArtifactDir(o.router, o.modelsDir) : null;
  const router = routerDir ? await RouterPipeline.load(routerDir) : null;
  const rankerDir = o.ranker && o.loadRanker ? resolveArtifactDir(o.ranker, o.modelsDir) : null;
  const ranker = rankerDir ? await o.loadRanker!(rankerDir) : null;
  const holder = new ModelHolder({ router, ranker, routerDir, rankerDir });
  const log = o.log ?? (() => {});
  let store: StoreConnection | null = null;
  if (o.store !== false) {
    const cfg = storeConfigFromEnv();
    const url = o.store ?? cfg.url;
    store = new StoreConnection(() => openStore(url, { storePrompts: o.storePrompts ?? cfg.storePrompts, salt: cfg.salt, log }), { log });
    await store.start();
  }
  const conn = store;
  const service = createService({
    holder,
    backend: backend.name,
    log: o.log,
    routeSink: conn,
    // The store is the privacy boundary: it keeps the prompt only with storePrompts, else its salted hash.
    routeRecords: { storePrompts: true },
    mounts: (ctx) => [...(conn ? [feedbackMount(ctx, { store: () => conn.get(), onAccepted: o.onFeedback ? (items) => o.onFeedback!(holder, items) : undefined })] : []), dashboardMount(ctx, { source: () => conn?.get() ?? null })],
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = service.app.listen(o.port ?? 8080, o.host ?? '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const addr = server.address() as AddressInfo;
  return {
    server,
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    holder,
    store,
    close: async () => {
      service.drain();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.ctx.recorder.flush();
      service.stop();
      await store?.close();
    },
  };
}
