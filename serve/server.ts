import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIPv4, Server as NetServer, type Socket } from 'node:net';
import { resolveArtifactDir } from '../src/artifacts/artifact.js';
import { initBackend } from '../src/backend/backend.js';
import { LlmrError } from '../src/errors.js';
import { loadGatewayConfig } from '../src/gateway/GatewayConfig.js';
import { RouterPipeline } from '../src/routers/RouterPipeline.js';
import type { RouteRecordSink } from '../src/store/RouteRecord.js';
import { type AppOptions, createService, type Service } from './app.js';
import { ApiKeys, keyAuthenticator } from './auth.js';
import { clientErrorHandler } from './clientError.js';
import { gatewayMount } from './gateway/gatewayMount.js';
import type { ServiceContext } from './context.js';
import { Metrics } from './metrics.js';
import { dashboardMount } from './ui/dashboardMount.js';
import { ModelHolder } from './ModelHolder.js';
import type { ServiceMount } from './mount.js';
import type { RankService } from './rankService.js';
import { type BucketOptions, MemoryBuckets, rateLimiter, redisBuckets, type TokenBuckets } from './rateLimit.js';
import { Reloader } from './reloader.js';
import { adminMounts } from './routes/admin.js';
import { openStore, storeConfigFromEnv } from '../src/store/openStore.js';
import { OnlineLearner } from '../src/store/onlineLearner.js';
import type { Store } from '../src/store/Store.js';
import { feedbackMount } from './feedback/feedbackRouter.js';
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
  /** Accepted keys; without any the server only binds to loopback (unless `insecure`). */
  apiKeys?: ApiKeys;
  /** Allow a non-loopback bind without keys. */
  insecure?: boolean;
  /** Per-key token bucket; null/undefined: no limit. */
  rateLimit?: BucketOptions | null;
  /** Share the buckets through Redis (LLMR_REDIS_URL). */
  redisUrl?: string;
  redisPrefix?: string;
  lanes?: AppOptions['lanes'];
  requestTimeoutMs?: number;
  bodyLimit?: string;
  /** Longest a SIGTERM drain waits for requests in flight (default 20 s). */
  drainTimeoutMs?: number;
  /** After SIGTERM, keep reading requests already sent for this long (answered with Connection: close) before closing the listener. */
  drainGraceMs?: number;
  /** During the drain, close keep-alive sockets that have had no request for this long (default 1 s). */
  drainIdleMs?: number;
  /** Reload when a new version folder appears beside the serving one. */
  watch?: boolean;
  mounts?: AppOptions['mounts'];
  routeSink?: RouteRecordSink | null;
  routeRecords?: AppOptions['routeRecords'];
  /** Largest request line + headers (default 16 KiB). */
  maxHeaderBytes?: number;
  /** Feedback store URL (duckdb:<file> | postgres://…): route records + POST /feedback; false/undefined: none. */
  store?: string | false;
  /** Keep prompt text in the store (else a salted hash). */
  storePrompts?: boolean;
  /** Online learning from feedback (kNN memory, Elo ratings), replayed from the store at start and after each swap. */
  online?: boolean;
  /** Gateway config file (JSON/YAML): mounts the OpenAI-compatible /v1/chat/completions and /v1/models. */
  gateway?: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  service: Service;
  reloader: Reloader;
  /** The feedback store handle (null without a store). */
  store: StoreConnection | null;
  /** Stop accepting, finish requests in flight (Connection: close), close; resolves with the number of requests cut at the deadline. */
  drain(): Promise<{ cut: number }>;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIPv4(h) && h.startsWith('127.'));
}

const listenError = (e: NodeJS.ErrnoException, host: string, port: number): LlmrError => {
  if (e.code === 'EADDRINUSE')
    return new LlmrError(`port ${port} on ${host} is already in use`, {
      field: '--port',
      code: 'port_in_use',
      fix: `stop the other server (lsof -i :${port}) or pick another port: --port <n> (0 = any free port)`,
    });
  if (e.code === 'EACCES')
    return new LlmrError(`no permission to listen on ${host}:${port}`, {
      field: '--port',
      code: 'port_denied',
      fix: 'use a port above 1023, e.g. --port 8080',
    });
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
    return new LlmrError(`cannot bind to ${host}: no such local address`, {
      field: '--host',
      code: 'bad_host',
      fix: 'use 127.0.0.1 (this machine only) or an address of this machine',
    });
  return new LlmrError(`cannot listen on ${host}:${port}: ${e.message}`, { field: '--port', fix: 'check --host and --port' });
};

/** Load artifacts, build the app, listen. Used by serve/main.ts and `llmr serve`. Throws LlmrError with a fix on bad settings. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const log = o.log ?? (() => {});
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 8080;
  const keys = o.apiKeys ?? ApiKeys.empty();
  if (!keys.enabled && !isLoopback(host) && !o.insecure) {
    throw new LlmrError(`refusing to listen on ${host} without API keys`, {
      field: '--host',
      code: 'insecure_bind',
      fix: 'set LLMR_API_KEYS (or --api-keys-file), bind to 127.0.0.1, or pass --insecure to serve an open network on purpose',
    });
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new LlmrError(`--port must be an integer 0..65535, got ${port}`, { field: '--port', fix: 'e.g. --port 8080' });
  const modelsDir = o.modelsDir ?? 'models';
  const backend = await initBackend(o.backend ?? '');
  const routerDir = o.router ? resolveArtifactDir(o.router, modelsDir) : null;
  const rankerDir = o.ranker && o.loadRanker ? resolveArtifactDir(o.ranker, modelsDir) : null;
  const router = routerDir ? await RouterPipeline.load(routerDir) : null;
  const ranker = rankerDir ? await o.loadRanker!(rankerDir) : null;
  const holder = new ModelHolder({ router, ranker, routerDir, rankerDir });
  const metrics = new Metrics();

  let buckets: TokenBuckets | null = null;
  if (o.rateLimit) {
    if (o.redisUrl) {
      try {
        buckets = await redisBuckets(o.redisUrl, o.rateLimit, o.redisPrefix);
      } catch (e) {
        throw new LlmrError(`cannot reach Redis at ${o.redisUrl.replace(/\/\/[^@]*@/, '//***@')} (${(e as Error).message})`, {
          field: 'LLMR_REDIS_URL',
          code: 'redis_unreachable',
          fix: 'start Redis / fix the URL, or unset LLMR_REDIS_URL to keep rate limits in this process',
        });
      }
    } else buckets = new MemoryBuckets(o.rateLimit);
  }

  // The feedback store: opened (and retried in the background) before serving; a store that is down never stops routing.
  let store: StoreConnection | null = null;
  const learner = o.online ? new OnlineLearner({ getRouter: () => holder.router, log }) : null;
  if (o.store) {
    const url = o.store;
    const cfg = storeConfigFromEnv();
    const replay = (s: Store) => {
      if (learner && holder.router)
        learner.replay(s, holder.router).catch((e: unknown) => log({ level: 'error', msg: 'online replay failed', error: (e as Error).message }));
    };
    store = new StoreConnection(() => openStore(url, { storePrompts: o.storePrompts ?? cfg.storePrompts, salt: cfg.salt, log }), { log, onOpen: replay });
    await store.start();
    const conn0 = store;
    holder.onSwap((next) => {
      const s = conn0.get();
      if (learner && s && next.router)
        learner.replay(s, next.router).catch((e: unknown) => log({ level: 'error', msg: 'online replay failed', error: (e as Error).message }));
    });
  }
  const conn = store;
  const gatewayConfig = o.gateway ? loadGatewayConfig(o.gateway) : null;
  const gateways: { close(): void }[] = [];
  const mounts: AppOptions['mounts'] = (ctx: ServiceContext) => {
    const out: ServiceMount[] = [...(typeof o.mounts === 'function' ? o.mounts(ctx) : (o.mounts ?? []))];
    if (gatewayConfig) {
      const m = gatewayMount(ctx, gatewayConfig);
      gateways.push(m.gateway);
      out.push(m);
    }
    if (conn) out.push(feedbackMount(ctx, { store: () => conn.get(), onAccepted: learner ? (items) => learner.enqueue(items) : undefined }));
    // The live dashboard (GET /ui): behind the same auth as /metrics; without a store it shows the service's own counters.
    out.push(dashboardMount(ctx, { source: () => conn?.get() ?? null }));
    return out;
  };

  const reloader = new Reloader({ holder, modelsDir, routerRef: o.router, rankerRef: o.ranker, loadRanker: o.loadRanker, metrics, log });
  const service = createService({
    holder,
    metrics,
    backend: backend.name,
    log,
    bodyLimit: o.bodyLimit,
    authenticate: keyAuthenticator(keys),
    rateLimit: buckets ? rateLimiter(buckets, metrics, log) : null,
    lanes: o.lanes,
    requestTimeoutMs: o.requestTimeoutMs,
    adminMounts: (ctx: ServiceContext): ServiceMount[] => adminMounts(ctx, reloader),
    mounts,
    routeSink: o.routeSink ?? conn,
    // With a store, the store is the privacy boundary: it keeps the prompt only with storePrompts, else its salted hash.
    routeRecords: conn ? { ...o.routeRecords, storePrompts: true } : o.routeRecords,
  });

  // Connection bookkeeping for the drain: requests in flight per socket and since when a socket is idle.
  let active = 0;
  const sockets = new Map<Socket, { busy: number; idleSince: number; idleTurns: number }>();
  const server = createServer(
    { maxHeaderSize: o.maxHeaderBytes ?? 16 * 1024, requestTimeout: Math.max(60_000, (o.requestTimeoutMs ?? 15_000) * 2), headersTimeout: 20_000 },
    (req: IncomingMessage, res: ServerResponse) => {
      active++;
      const st = sockets.get(req.socket);
      if (st) {
        st.busy++;
        st.idleTurns = 0;
      }
      res.on('close', () => {
        active--;
        if (st) {
          st.busy--;
          st.idleSince = Date.now();
        }
      });
      service.app(req, res);
    },
  );
  server.on('connection', (sock: Socket) => {
    sockets.set(sock, { busy: 0, idleSince: Date.now(), idleTurns: 0 });
    sock.on('close', () => sockets.delete(sock));
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', clientErrorHandler(metrics));
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(listenError(e, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (e) => log({ level: 'error', msg: 'server error', error: e.message }));
  if (o.watch) reloader.watch();
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;

  let drained: Promise<{ cut: number }> | null = null;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // setImmediate runs in the check phase, right after an I/O poll: bytes that had arrived are parsed by then
  const afterPoll = () => new Promise((r) => setImmediate(r));
  /**
   * Drain: mark draining (every response gets Connection: close, /readyz 503), keep accepting for a short grace
   * so that connections and bytes already sent are read, then stop listening (without Node's close() of "idle"
   * sockets, which may hold a request not parsed yet), end sockets once they have been idle for a while after
   * the signal, and wait for requests in flight up to the deadline.
   */
  const drain = () =>
    (drained ??= (async () => {
      const t0 = Date.now();
      service.drain();
      reloader.close();
      await sleep(o.drainGraceMs ?? 500);
      await afterPoll(); // accept what waits in the backlog (connections made before the signal)
      await afterPoll();
      const closed = new Promise<void>((r) => server.once('close', () => r()));
      NetServer.prototype.close.call(server); // stop accepting; the timers of node:http's connection checks are unref'd
      const deadline = t0 + (o.drainTimeoutMs ?? 20_000);
      const idleMs = o.drainIdleMs ?? 1000;
      while ((active > 0 || sockets.size > 0) && Date.now() < deadline) {
        await sleep(20);
        await afterPoll();
        const now = Date.now();
        for (const [sock, st] of sockets) {
          if (st.busy > 0) continue;
          st.idleTurns++;
          // idle across several polls (so no request already sent is waiting to be parsed) and for idleMs
          if (st.idleTurns >= 3 && now - Math.max(st.idleSince, t0) >= idleMs && !sock.writableEnded) sock.end();
        }
      }
      const cut = active;
      for (const sock of sockets.keys()) sock.destroy();
      for (const g of gateways) g.close();
      await closed;
      await service.ctx.recorder.flush();
      await buckets?.close?.();
      await store?.close();
      service.stop();
      log({ level: cut ? 'warn' : 'info', msg: 'drained', cut, ms: Date.now() - t0 });
      return { cut };
    })());
  return {
    server,
    url,
    service,
    reloader,
    store,
    drain,
    close: async () => {
      await drain();
    },
  };
}
