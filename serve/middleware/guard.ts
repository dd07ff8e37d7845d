import express, { type Request, type RequestHandler } from 'express';
import { requestContext, type Principal, type ServiceContext } from '../context.js';
import type { Access, LaneName, ServiceMount } from '../mount.js';
import { checkBodyEncoding } from './body.js';
import type { Lane } from './lanes.js';

/** Authentication: returns the caller (or null when the server runs without keys) or throws a 401/403 HttpError. */
export type Authenticate = (req: Request, access: Access) => Principal | null;
/** Rate limit: resolves when the caller may proceed, throws a 429 HttpError otherwise. */
export type RateLimit = (key: string, cost: number) => Promise<void>;

export interface GuardDeps {
  ctx: ServiceContext;
  authenticate: Authenticate;
  rateLimit: RateLimit | null;
  lanes: Record<Exclude<LaneName, 'none'>, Lane>;
  bodyLimit: string;
}

/** Count a rejection by a fixed reason (the error code). */
export function countRejection(ctx: ServiceContext, reason: string): void {
  ctx.metrics.inc('llmr_rejections_total', 'requests rejected before or instead of work, by reason', { reason });
}

/** The middleware chain in front of one mount: tag → auth → rate limit → lane → body. */
export function guard(m: ServiceMount, d: GuardDeps): RequestHandler[] {
  const tag: RequestHandler = (_req, res, next) => {
    res.locals.llmrMount = m.path;
    if (m.timeoutMs !== undefined) requestContext(res).setDeadline(m.timeoutMs);
    next();
  };
  const auth: RequestHandler = (req, res, next) => {
    try {
      requestContext(res).principal = d.authenticate(req, m.access);
      next();
    } catch (e) {
      next(e);
    }
  };
  const limit: RequestHandler = (req, res, next) => {
    if (!d.rateLimit || m.access === 'public') return next();
    const p = requestContext(res).principal;
    const key = p?.id ?? `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    const cost = typeof m.cost === 'function' ? m.cost(req) : (m.cost ?? 1);
    d.rateLimit(key, cost).then(() => next(), next);
  };
  const lane: RequestHandler = (req, res, next) => {
    const name = typeof m.lane === 'function' ? m.lane(req) : (m.lane ?? 'light');
    if (name === 'none') return next();
    const l = d.lanes[name];
    const rc = requestContext(res);
    l.acquire(rc.signal).then(
      (release) => {
        res.on('close', release);
        if (rc.signal.aborted) return release();
        next();
      },
      (e: Error) => {
        if (e.name === 'AbortError') return; // the client is gone (or the deadline answered): nothing to send, no work done
        next(e);
      },
    );
  };
  const chain: RequestHandler[] = [tag, auth, limit, lane];
  if (m.bodyLimit !== false)
    chain.push(checkBodyEncoding, express.json({ limit: m.bodyLimit ?? d.bodyLimit, strict: false, type: () => true }) as RequestHandler);
  return chain;
}
