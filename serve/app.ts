import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { LlmrError } from '../src/errors.js';
import type { RouteResult, RouterPipeline } from '../src/routers/RouterPipeline.js';
import { errorHandler, parseBody } from './errors.js';
import { Metrics } from './metrics.js';
import { ErrorResponseSchema, HealthSchema, MAX_BATCH, RouteBatchRequestSchema, RouteBatchResponseSchema, RouteRequestSchema, RouteResponseSchema } from './schemas.js';

/** A ranker as the service sees it: validates its own body (zod) and ranks. */
export interface RankService {
  readonly name: string;
  readonly version: string;
  readonly kind: string;
  readonly requestSchema: z.ZodType;
  readonly responseSchema?: z.ZodType;
  rank(body: unknown): Promise<unknown>;
}

export interface AppOptions {
  router?: RouterPipeline | null;
  ranker?: RankService | null;
  /** Largest accepted JSON body; larger → 413. */
  bodyLimit?: string;
  backend?: string | null;
  /** Structured log sink (JSON lines); default: none. */
  log?: (o: Record<string, unknown>) => void;
}

/** The express app: no listening, no process side effects — entry points (serve/main.ts, `llmr serve`) start it. */
export function createApp(opts: AppOptions): Express {
  const log = opts.log ?? (() => {});
  const metrics = new Metrics();
  const started = Date.now();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const id = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 128)) || randomUUID();
    res.setHeader('x-request-id', id);
    const t0 = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const route = req.route?.path ?? (res.statusCode === 404 ? 'unmatched' : req.path);
      metrics.observe(`${req.method} ${route}`, res.statusCode, ms);
      log({ level: res.statusCode >= 500 ? 'error' : 'info', msg: 'request', requestId: id, method: req.method, path: req.path, status: res.statusCode, ms: Number(ms.toFixed(3)) });
    });
    next();
  });
  app.use(express.json({ limit: opts.bodyLimit ?? '1mb', strict: false }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', router: opts.router ? `${opts.router.meta.name}/${opts.router.meta.version}` : null, ranker: opts.ranker ? `${opts.ranker.name}/${opts.ranker.version}` : null, backend: opts.backend ?? null, uptimeS: Math.round((Date.now() - started) / 1000) });
  });
  app.get('/readyz', (_req, res) => {
    const ready = Boolean(opts.router || opts.ranker);
    res.status(ready ? 200 : 503).json({ ready });
  });
  app.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4').send(metrics.render());
  });
  app.get('/v1/router', (_req, res) => {
    const r = requireRouter(opts.router);
    res.json({
      name: r.meta.name,
      version: r.meta.version,
      kind: r.router.kind,
      featurizer: r.featurizer.kind,
      candidates: r.models,
      prices: r.prices.toJSON(),
      defaultPolicy: r.defaultPolicy,
      calibrations: r.meta.calibrations ?? {},
      trainingData: r.meta.trainingData ?? null,
      metrics: r.meta.metrics ?? {},
    });
  });

  app.post('/route', async (req, res, next) => {
    try {
      const t0 = performance.now();
      const r = requireRouter(opts.router);
      const body = parseBody(RouteRequestSchema, req.body);
      const [d] = await r.routeMany([body]);
      res.json({ ...decisionBody(r, d!), timeMs: Number((performance.now() - t0).toFixed(3)) });
    } catch (e) {
      next(e);
    }
  });

  app.post('/route/batch', async (req, res, next) => {
    try {
      const t0 = performance.now();
      const r = requireRouter(opts.router);
      const body = parseBody(RouteBatchRequestSchema, req.body);
      const ds = await r.routeMany(body.requests, { field: 'requests' });
      res.json({ decisions: ds.map((d) => decisionBody(r, d)), timeMs: Number((performance.now() - t0).toFixed(3)) });
    } catch (e) {
      next(e);
    }
  });

  app.post('/rank', async (req, res, next) => {
    try {
      const t0 = performance.now();
      if (!opts.ranker) throw new LlmrError('this server has no ranker loaded', { code: 'not_ready', fix: 'start it with --ranker <artifact> (npm run demo trains one)' });
      const out = (await opts.ranker.rank(req.body)) as Record<string, unknown>;
      res.json({ ...out, ranker: { name: opts.ranker.name, version: opts.ranker.version, kind: opts.ranker.kind }, timeMs: Number((performance.now() - t0).toFixed(3)) });
    } catch (e) {
      next(e);
    }
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(openApi(opts.ranker ?? null));
  });

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route ${req.method} ${req.path}`, fix: 'endpoints: POST /route, POST /route/batch, POST /rank, GET /healthz, GET /readyz, GET /metrics, GET /v1/router, GET /openapi.json' });
  });
  app.use(errorHandler(log));
  return app;
}

function requireRouter(r: RouterPipeline | null | undefined): RouterPipeline {
  if (!r) throw new LlmrError('this server has no router loaded', { code: 'not_ready', fix: 'start it with --router <artifact> (npm run demo trains one)' });
  return r;
}

function schema(s: z.ZodType): unknown {
  const j = z.toJSONSchema(s, { unrepresentable: 'any' }) as Record<string, unknown>;
  delete j.$schema;
  return j;
}

/** The response body of one routing decision (without timing). */
function decisionBody(r: RouterPipeline, d: RouteResult): Record<string, unknown> {
  return {
    model: d.model,
    reason: d.reason,
    policy: d.policy,
    scores: d.scores,
    alternatives: d.ranked,
    explanation: d.explanation,
    ...(d.guard ? { guard: d.guard } : {}),
    router: { name: r.meta.name, version: r.meta.version, kind: r.router.kind, featurizer: r.featurizer.kind },
  };
}

/** OpenAPI 3.1 document generated from the same zod schemas that validate requests. */
export function openApi(ranker: RankService | null): Record<string, unknown> {
  const json = (s: z.ZodType) => ({ content: { 'application/json': { schema: schema(s) } } });
  const errors = { '400': { description: 'invalid request (names the field)', ...json(ErrorResponseSchema) }, '413': { description: 'body too large', ...json(ErrorResponseSchema) }, '503': { description: 'no model loaded', ...json(ErrorResponseSchema) } };
  return {
    openapi: '3.1.0',
    info: { title: 'llm-router-tfjs', version: '0.1.0', description: 'Route prompts to LLMs by predicted quality and price; rank candidate responses.' },
    paths: {
      '/route': { post: { summary: 'choose a model for a prompt', requestBody: { required: true, ...json(RouteRequestSchema) }, responses: { '200': { description: 'decision', ...json(RouteResponseSchema) }, ...errors } } },
      '/route/batch': { post: { summary: `choose a model for each of up to ${MAX_BATCH} prompts in one featurizer pass and one batched prediction`, requestBody: { required: true, ...json(RouteBatchRequestSchema) }, responses: { '200': { description: 'one decision per request, in order', ...json(RouteBatchResponseSchema) }, ...errors } } },
      '/rank': { post: { summary: 'rank candidate responses to a prompt', requestBody: { required: true, ...(ranker ? json(ranker.requestSchema) : {}) }, responses: { '200': { description: 'ranking', ...(ranker?.responseSchema ? json(ranker.responseSchema) : {}) }, ...errors } } },
      '/healthz': { get: { summary: 'liveness', responses: { '200': { description: 'ok', ...json(HealthSchema) } } } },
      '/readyz': { get: { summary: 'readiness: a model is loaded', responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
      '/v1/router': { get: { summary: 'the loaded router: candidates, prices, policies, calibrations', responses: { '200': { description: 'router description' } } } },
    },
  };
}
