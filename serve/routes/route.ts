import { createHash, randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { LlmrError } from '../../src/errors.js';
import { decisionBody, type RouteResult, type RouterPipeline } from '../../src/routers/RouterPipeline.js';
import type { RouteRecord } from '../../src/store/RouteRecord.js';
import { requestContext, type ServiceContext } from '../context.js';
import { parseBody } from '../errors.js';
import type { ServiceMount } from '../mount.js';
import { RouteBatchRequestSchema, RouteRequestSchema } from '../schemas.js';

export interface RouteRecordOptions {
  /** Keep the prompt text in route records (default: only its salted hash). */
  storePrompts?: boolean;
  /** Salt of `promptHash`; default a random per-process salt. */
  promptSalt?: string;
}

export function requireRouter(r: RouterPipeline | null | undefined): RouterPipeline {
  if (!r) throw new LlmrError('this server has no router loaded', { code: 'not_ready', fix: 'start it with --router <artifact> (npm run demo trains one)' });
  return r;
}

/** Requests per featurizer pass in a batch: between chunks the event loop turns, so /healthz and single /route stay responsive. */
export const BATCH_CHUNK = 16;

async function routeInChunks(r: RouterPipeline, reqs: Parameters<RouterPipeline['routeMany']>[0]): Promise<RouteResult[]> {
  const out: RouteResult[] = [];
  for (let i = 0; i < reqs.length; i += BATCH_CHUNK) {
    if (i > 0) await new Promise((res) => setImmediate(res));
    try {
      out.push(...(await r.routeMany(reqs.slice(i, i + BATCH_CHUNK), { field: 'requests' })));
    } catch (e) {
      // field names index the chunk: shift them to the batch (requests[3] of chunk 2 → requests[19])
      if (i > 0 && e instanceof LlmrError && e.field?.startsWith('requests[')) {
        const shift = (t: string) => t.replace(/requests\[(\d+)\]/g, (_m, k: string) => `requests[${Number(k) + i}]`);
        throw new LlmrError(shift(e.message), { field: shift(e.field), fix: e.fix, code: e.code });
      }
      throw e;
    }
  }
  return out;
}

/** POST /route and POST /route/batch (the heavy lane); one route record per decision, its `routeId` in the body. */
export function routeMounts(ctx: ServiceContext, o: RouteRecordOptions = {}): ServiceMount[] {
  const salt = o.promptSalt ?? randomUUID();
  const record = (req: Request, res: Response, r: RouterPipeline, prompt: string, d: RouteResult, source: 'route' | 'batch', latencyMs: number): string => {
    const routeId = randomUUID();
    if (!ctx.recorder.enabled) return routeId;
    const chosen = d.scores[d.model];
    const rec: RouteRecord = {
      routeId,
      time: new Date().toISOString(),
      source,
      routerName: r.meta.name,
      routerVersion: r.meta.version,
      policy: d.policy as unknown as Record<string, unknown>,
      candidates: Object.keys(d.scores),
      chosenModel: d.model,
      answeredModel: d.model,
      predicted: Object.fromEntries(Object.entries(d.scores).map(([m, s]) => [m, s.quality])),
      propensity: d.propensity ?? 1,
      attempts: [],
      inputTokens: null,
      outputTokens: null,
      tokensEstimated: false,
      estimatedCostUsd: chosen && Number.isFinite(chosen.cost) && chosen.cost >= 0 ? chosen.cost : null,
      costUsd: null,
      latencyMs,
      status: 'ok',
      promptHash: createHash('sha256').update(salt).update('\0').update(prompt).digest('hex'),
      prompt: o.storePrompts ? prompt : null,
      userId: requestContext(res).principal?.id ?? null,
      sessionId: typeof req.headers['x-session-id'] === 'string' ? req.headers['x-session-id'].slice(0, 128) : null,
    };
    ctx.recorder.record(rec);
    return routeId;
  };
  const decided = (r: RouterPipeline, d: RouteResult) => {
    ctx.metrics.inc('llmr_decisions_total', 'routing decisions by router version and chosen model', {
      router: `${r.meta.name}/${r.meta.version}`,
      model: d.model,
    });
    const c = d.scores[d.model]?.cost;
    if (typeof c === 'number' && Number.isFinite(c) && c >= 0)
      ctx.metrics.inc('llmr_estimated_cost_usd_total', 'expected cost of the chosen models (price table), USD', { model: d.model }, c);
  };

  const router = Router();
  router.post('/', async (req, res, next) => {
    try {
      const t0 = performance.now();
      const r = requireRouter(requestContext(res).models().router);
      const body = parseBody(RouteRequestSchema, req.body);
      const [d] = await r.routeMany([body]);
      if (res.headersSent) return;
      const timeMs = Number((performance.now() - t0).toFixed(3));
      decided(r, d!);
      const routeId = record(req, res, r, body.prompt, d!, 'route', timeMs);
      res.json({ ...decisionBody(r, d!), routeId, timeMs });
    } catch (e) {
      next(e);
    }
  });
  router.post('/batch', async (req, res, next) => {
    try {
      const t0 = performance.now();
      const r = requireRouter(requestContext(res).models().router);
      const body = parseBody(RouteBatchRequestSchema, req.body);
      const ds = await routeInChunks(r, body.requests);
      if (res.headersSent) return;
      const timeMs = Number((performance.now() - t0).toFixed(3));
      const per = timeMs / ds.length;
      const decisions = ds.map((d, i) => {
        decided(r, d);
        return { ...decisionBody(r, d), routeId: record(req, res, r, body.requests[i]!.prompt, d, 'batch', per) };
      });
      res.json({ decisions, timeMs });
    } catch (e) {
      next(e);
    }
  });
  return [{ name: 'route', path: '/route', router, access: 'user', lane: (req) => (req.path.startsWith('/batch') ? 'heavy' : 'light') }];
}
