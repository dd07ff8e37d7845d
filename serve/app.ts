import { monitorEventLoopDelay } from 'node:perf_hooks';
import express, { type Express } from 'express';
import type { RouterPipeline } from '../src/routers/RouterPipeline.js';
import type { RouteRecordSink } from '../src/store/RouteRecord.js';
import type { LogFn, ServiceContext } from './context.js';
import { errorHandler } from './errors.js';
import { Metrics } from './metrics.js';
import { type Authenticate, countRejection, guard, type RateLimit } from './middleware/guard.js';
import { Lane, type LaneOptions } from './middleware/lanes.js';
import { observe } from './middleware/observe.js';
import { ModelHolder } from './ModelHolder.js';
import type { ServiceMount } from './mount.js';
import type { RankService } from './rankService.js';
import { RouteRecorder } from './routeRecorder.js';
import { healthMounts } from './routes/health.js';
import { infoMounts } from './routes/info.js';
import { rankMounts } from './routes/rank.js';
import { type RouteRecordOptions, routeMounts } from './routes/route.js';

export type { RankService } from './rankService.js';
export type { ServiceMount, Access, LaneName } from './mount.js';
export { openApi } from './openapi.js';
export { requestContext, type RequestContext, type ServiceContext, type Principal } from './context.js';
export { ModelHolder, type ModelSet } from './ModelHolder.js';
export { HttpError } from './httpError.js';

export interface AppOptions {
  /** The models to serve. Pass `holder` to swap them later (hot reload); `router` / `ranker` build one. */
  holder?: ModelHolder;
  router?: RouterPipeline | null;
  ranker?: RankService | null;
  /** Largest accepted JSON body; larger → 413. */
  bodyLimit?: string;
  backend?: string | null;
  /** Structured log sink (JSON lines); default: none. */
  log?: LogFn;
  /** Extra endpoint groups (gateway, feedback, dashboard …) mounted behind the shared middleware, after the built-ins. */
  mounts?: readonly ServiceMount[] | ((ctx: ServiceContext) => readonly ServiceMount[]);
  /** Where /route and /route/batch write one record per decision (fire-and-forget); default none. */
  routeSink?: RouteRecordSink | null;
  routeRecords?: RouteRecordOptions & { maxInFlight?: number };
  /** Authentication (default: everyone allowed, principal null — only safe on loopback). */
  authenticate?: Authenticate;
  /** Per-key rate limit (default none). */
  rateLimit?: RateLimit | null;
  /** Lane sizes: light (single /route, small /rank) and heavy (/route/batch, large /rank). */
  lanes?: { light?: Partial<LaneOptions>; heavy?: Partial<LaneOptions> };
  /** Longest a request may take before a 503 (0: none). Default 30 s. */
  requestTimeoutMs?: number;
  metrics?: Metrics;
  /** Extra built-in-style mounts from the server (admin endpoints); mounted before `mounts`. */
  adminMounts?: (ctx: ServiceContext) => readonly ServiceMount[];
}

/** The app plus what the server needs to drive it (drain flag, lanes, context). */
export interface Service {
  readonly app: Express;
  readonly ctx: ServiceContext;
  readonly lanes: { light: Lane; heavy: Lane };
  /** Mark the service as draining: /readyz → 503 and every response gets `Connection: close`. */
  drain(): void;
  readonly draining: boolean;
  /** Stop background timers (event-loop monitor). */
  stop(): void;
}

const LIGHT: LaneOptions = { concurrency: 32, maxQueue: 512, queueTimeoutMs: 5_000 };
const HEAVY: LaneOptions = { concurrency: 2, maxQueue: 32, queueTimeoutMs: 10_000 };

/** The express app: no listening, no process side effects — entry points (serve/main.ts, `llmr serve`) start it. */
export function createApp(opts: AppOptions): Express {
  return createService(opts).app;
}

export function createService(opts: AppOptions): Service {
  const log = opts.log ?? (() => {});
  const metrics = opts.metrics ?? new Metrics();
  const holder = opts.holder ?? new ModelHolder({ router: opts.router ?? null, ranker: opts.ranker ?? null });
  const recorder = new RouteRecorder(opts.routeSink ?? null, metrics, log, opts.routeRecords?.maxInFlight ?? 256);
  const ctx: ServiceContext = { holder, metrics, log, recorder, backend: opts.backend ?? null, startedAt: Date.now() };
  const lanes = { light: new Lane('light', { ...LIGHT, ...opts.lanes?.light }), heavy: new Lane('heavy', { ...HEAVY, ...opts.lanes?.heavy }) };
  let draining = false;

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  metrics.gauge('llmr_event_loop_delay_ms', 'event-loop delay since start (p50, p99, max), ms', () => [
    [{ quantile: '0.5' }, Number((loop.percentile(50) / 1e6).toFixed(3))],
    [{ quantile: '0.99' }, Number((loop.percentile(99) / 1e6).toFixed(3))],
    [{ quantile: '1' }, Number((loop.max / 1e6).toFixed(3))],
  ]);
  metrics.gauge('llmr_queue_depth', 'requests waiting per lane', () => Object.values(lanes).map((l) => [{ lane: l.name }, l.queued]));
  metrics.gauge('llmr_lane_running', 'requests running per lane', () => Object.values(lanes).map((l) => [{ lane: l.name }, l.running]));
  metrics.gauge('llmr_route_records_pending', 'route record writes in flight', () => recorder.pendingWrites);
  metrics.gauge('llmr_router_info', 'the model set answering now (value: generation)', () => [[{ version: holder.version ?? 'none' }, holder.generation]]);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  const reject = (reason: string) => countRejection(ctx, reason);

  app.use(
    observe(ctx, {
      deadlineMs: opts.requestTimeoutMs ?? 30_000,
      onDeadline: (_req, res, ms) => {
        reject('deadline');
        res.setHeader('retry-after', '1');
        res.status(503).json({
          error: 'deadline_exceeded',
          message: `request took longer than ${ms} ms`,
          fix: 'retry later, or send a smaller request',
          requestId: String(res.getHeader('x-request-id') ?? ''),
        });
      },
    }),
  );
  app.use((req, res, next) => {
    if (draining) res.setHeader('connection', 'close');
    // no CORS preflight support: answer OPTIONS with the methods, no body (instead of express's text/plain one)
    if (req.method === 'OPTIONS') {
      res.setHeader('allow', 'GET, POST');
      res.status(204).end();
      return;
    }
    next();
  });

  const all: ServiceMount[] = [];
  const guardDeps = { ctx, authenticate: opts.authenticate ?? (() => null), rateLimit: opts.rateLimit ?? null, lanes, bodyLimit: opts.bodyLimit ?? '1mb' };
  const mountAll = (ms: readonly ServiceMount[]) => {
    for (const m of ms) {
      if (!m.path.startsWith('/') || m.path === '/' || m.path.endsWith('/'))
        throw new Error(`mount "${m.name}": path must be a prefix like "/feedback" (not "/", no trailing slash)`);
      all.push(m);
      app.use(m.path, ...guard(m, guardDeps), m.router);
    }
  };
  mountAll(healthMounts(ctx, () => draining));
  mountAll(infoMounts(ctx, () => all));
  mountAll(routeMounts(ctx, opts.routeRecords));
  mountAll(rankMounts(ctx));
  if (opts.adminMounts) mountAll(opts.adminMounts(ctx));
  if (opts.mounts) mountAll(typeof opts.mounts === 'function' ? opts.mounts(ctx) : opts.mounts);

  app.use((req, res) => {
    res.locals.llmrMount = undefined;
    reject('not_found');
    res.status(404).json({
      error: 'not_found',
      message: `no route ${req.method} ${req.path.slice(0, 200)}`,
      fix: `endpoints: ${all.map((m) => m.path).join(', ')} (GET /openapi.json describes them)`,
    });
  });
  app.use(errorHandler(log, reject));

  return {
    app,
    ctx,
    lanes,
    drain: () => {
      draining = true;
    },
    get draining() {
      return draining;
    },
    stop: () => loop.disable(),
  };
}
