import { randomUUID } from 'node:crypto';
import { Router as expressRouter, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { LlmrError } from '../../src/errors.js';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import type { RouteRecord } from '../../src/store/RouteRecord.js';
import { StoreUnavailableError, type FeedbackRecord, type Store } from '../../src/store/Store.js';
import type { ServiceContext } from '../context.js';
import { parseBody } from '../errors.js';
import type { ServiceMount } from '../mount.js';
import { feedbackOpenApi } from './openapi.js';
import { FeedbackBatchSchema, PreferenceFeedbackSchema, ScoreFeedbackSchema, ThumbsFeedbackSchema } from './schemas.js';

/** One stored piece of feedback with the route record it is about (null for prompt-only preferences). */
export interface AcceptedFeedback {
  feedback: FeedbackRecord;
  route: RouteRecord | null;
  /** The prompt text when known (request body, or the route record under storePrompts). */
  prompt: string | null;
}

export interface FeedbackRouterOptions {
  /** The store, or a getter (null while it is not open yet → 503). */
  store: Store | (() => Store | null);
  /** The serving router (its candidates validate prompt-only preferences); null when none is loaded. */
  getRouter: () => RouterPipeline | null;
  log?: (o: Record<string, unknown>) => void;
  /** Called after commit with the newly stored feedback (online learning); errors are logged, never returned. */
  onAccepted?: (items: AcceptedFeedback[]) => void | Promise<void>;
  /** Seconds in the Retry-After header of a 503. */
  retryAfterS?: number;
}

/** Parse with a schema; in a batch the field is prefixed with `items[i].`. */
function parseItem<S extends z.ZodType>(schema: S, body: unknown, prefix: string): z.infer<S> {
  try {
    return parseBody(schema, body);
  } catch (e) {
    if (!(e instanceof LlmrError) || !prefix) throw e;
    const field = `${prefix}${e.field && e.field !== 'body' ? `.${e.field}` : ''}`;
    throw new LlmrError(e.message.replace(/^invalid request: [^:]*:/, `invalid request: ${field}:`), { field, fix: e.fix, code: e.code });
  }
}

const bad = (message: string, field: string, fix: string) => new LlmrError(message, { field, fix });

/**
 * `POST /feedback` (mount the router at `/feedback`: {@link feedbackMount}): rate a routing decision (`{routeId, score}` in [0,1] or `{routeId, thumbs}`), or state a
 * preference (`{routeId | prompt, winner, loser?, tie?}`); `{items: [...]}` for batches (all validated before
 * any is stored). Answers only after the store committed; 400 names the field; 503 + Retry-After when the store
 * is unavailable (routing is unaffected).
 */
export function createFeedbackRouter(o: FeedbackRouterOptions): Router {
  const router = expressRouter();
  const getStore = typeof o.store === 'function' ? o.store : () => o.store as Store;
  const retryAfter = String(o.retryAfterS ?? 5);

  router.post('/', async (req: Request, res: Response, next) => {
    try {
      const store = getStore();
      if (!store) throw new StoreUnavailableError('the feedback store is not open');
      const body = req.body as unknown;
      const batch = body !== null && typeof body === 'object' && !Array.isArray(body) && 'items' in body;
      const raw = batch ? parseBody(FeedbackBatchSchema, body).items : [body];
      const routes = new Map<string, RouteRecord | null>();
      const route = async (id: string) => {
        if (!routes.has(id)) routes.set(id, await store.getRoute(id));
        return routes.get(id)!;
      };
      const now = new Date().toISOString();
      const accepted: AcceptedFeedback[] = [];
      for (const [i, item] of raw.entries()) accepted.push(await toRecord(item, batch ? `items[${i}]` : '', route, o.getRouter(), now));
      const written = await store.writeFeedback(accepted.map((a) => a.feedback));
      const fresh = new Set(written.inserted);
      const results = accepted.map((a) => ({ feedbackId: a.feedback.feedbackId, duplicate: !fresh.has(a.feedback.feedbackId) }));
      if (o.onAccepted) {
        const news = accepted.filter((_a, i) => !results[i]!.duplicate);
        if (news.length)
          Promise.resolve()
            .then(() => o.onAccepted!(news))
            .catch((e: unknown) => o.log?.({ level: 'error', msg: 'online update from feedback failed', error: (e as Error).message }));
      }
      if (batch) res.json({ accepted: results.length, inserted: written.inserted.length, duplicates: results.filter((r) => r.duplicate).length, results });
      else res.json(results[0]);
    } catch (e) {
      const requestId = String(res.getHeader('x-request-id') ?? '');
      if (e instanceof StoreUnavailableError) {
        o.log?.({ level: 'warn', msg: 'feedback refused: store unavailable', requestId, error: e.message });
        res.status(503).setHeader('Retry-After', retryAfter);
        res.json({
          error: 'store_unavailable',
          message: 'the feedback store is unavailable; routing is unaffected',
          fix: `retry after ${retryAfter} s with the same feedbackId (idempotent)`,
          requestId,
        });
        return;
      }
      if (e instanceof LlmrError) {
        res.status(400).json({ ...e.toJSON(), requestId });
        return;
      }
      next(e);
    }
  });
  return router;
}

async function toRecord(
  item: unknown,
  prefix: string,
  route: (id: string) => Promise<RouteRecord | null>,
  router: RouterPipeline | null,
  now: string,
): Promise<AcceptedFeedback> {
  const at = (f: string) => (prefix ? `${prefix}.${f}` : f);
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    throw bad(
      `invalid request: ${prefix || 'body'}: feedback must be a JSON object`,
      prefix || 'body',
      'send {routeId, score} | {routeId, thumbs} | {routeId|prompt, winner, loser}',
    );
  const base = { time: now, promptHash: null, prompt: null, tie: false, winner: null, loser: null };
  const known = async (routeId: string) => {
    const r = await route(routeId);
    if (!r) throw bad(`unknown routeId "${routeId}"`, at('routeId'), 'use the routeId returned by POST /route (records are kept for the retention period)');
    return r;
  };
  const inCandidates = (m: string, cands: readonly string[], field: string) => {
    if (!cands.includes(m))
      throw new LlmrError(`model "${m}" is not among the candidates: ${cands.join(', ')}`, {
        field: at(field),
        fix: `use one of: ${cands.join(', ')}`,
        code: 'unknown_option',
      });
  };
  if ('score' in item || 'thumbs' in item) {
    const thumbs = 'thumbs' in item;
    const f = thumbs ? parseItem(ThumbsFeedbackSchema, item, prefix) : parseItem(ScoreFeedbackSchema, item, prefix);
    const r = await known(f.routeId);
    const model = f.model ?? r.answeredModel ?? r.chosenModel;
    inCandidates(model, r.candidates, 'model');
    const score = 'thumbs' in f ? (f.thumbs === 'up' ? 1 : 0) : f.score;
    return {
      feedback: {
        ...base,
        feedbackId: f.feedbackId ?? randomUUID(),
        routeId: f.routeId,
        kind: thumbs ? 'thumbs' : 'score',
        model,
        score,
        promptHash: r.promptHash,
        userId: f.userId ?? r.userId,
      },
      route: r,
      prompt: r.prompt,
    };
  }
  if ('winner' in item || 'loser' in item || 'tie' in item) {
    const f = parseItem(PreferenceFeedbackSchema, item, prefix);
    let r: RouteRecord | null = null;
    let cands: readonly string[];
    if (f.routeId !== undefined) {
      r = await known(f.routeId);
      cands = r.candidates;
    } else if (f.prompt !== undefined) cands = router?.models ?? [];
    else throw bad('a preference needs the routeId it is about, or the prompt', at('routeId'), 'send {routeId, winner, loser} or {prompt, winner, loser}');
    const loser = f.loser ?? (r ? (r.answeredModel ?? r.chosenModel) : undefined);
    if (loser === undefined)
      throw bad('a preference about a prompt needs the loser', at('loser'), 'send {prompt, winner, loser} (or tie: true with both models)');
    if (cands.length) {
      inCandidates(f.winner, cands, 'winner');
      inCandidates(loser, cands, 'loser');
    }
    if (loser === f.winner)
      throw bad(
        `winner and loser are the same model "${loser}"`,
        at(f.loser === undefined ? 'winner' : 'loser'),
        'name two different models (tie: true when they were equally good)',
      );
    return {
      feedback: {
        ...base,
        feedbackId: f.feedbackId ?? randomUUID(),
        routeId: f.routeId ?? null,
        kind: 'preference',
        model: null,
        score: null,
        winner: f.winner,
        loser,
        tie: f.tie ?? false,
        prompt: f.prompt ?? null,
        promptHash: r?.promptHash ?? null,
        userId: f.userId ?? r?.userId ?? null,
      },
      route: r,
      prompt: f.prompt ?? r?.prompt ?? null,
    };
  }
  throw bad(
    `invalid request: ${prefix || 'body'}: feedback needs score, thumbs, or winner`,
    at('score'),
    'send {routeId, score: 0..1} | {routeId, thumbs: "up"|"down"} | {routeId|prompt, winner, loser}',
  );
}

/** The feedback router as a service mount (behind auth, rate limit and the light lane), reading the router per request. */
export function feedbackMount(ctx: ServiceContext, o: Omit<FeedbackRouterOptions, 'getRouter' | 'log'>): ServiceMount {
  return {
    name: 'feedback',
    path: '/feedback',
    router: createFeedbackRouter({ ...o, getRouter: () => ctx.holder.router, log: ctx.log }),
    access: 'user',
    lane: 'light',
    openapi: feedbackOpenApi(),
  };
}
