import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { newRequestContext, type ServiceContext } from '../context.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The route template label of a finished request: a template or a fixed name, never raw client bytes. */
export function routeLabel(req: Request, res: Response): string {
  const mount = res.locals.llmrMount as string | undefined;
  if (!mount) return 'unmatched';
  const p = req.route?.path;
  if (typeof p === 'string') return mount + (p === '/' ? '' : p) || '/';
  return `${mount}/*`;
}

/**
 * First middleware: request id (a client's `x-request-id` if it is short and plain, else a fresh UUID), the
 * per-request context with an AbortSignal (client gone or deadline passed), a JSON access log line and the
 * request metrics, labelled by route template.
 */
export function observe(ctx: ServiceContext, o: { deadlineMs: number; onDeadline: (req: Request, res: Response, ms: number) => void }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    const ac = new AbortController();
    let deadline: NodeJS.Timeout | null = null;
    const setDeadline = (ms: number) => {
      if (deadline) clearTimeout(deadline);
      deadline =
        ms > 0
          ? setTimeout(() => {
              ac.abort(new Error('deadline'));
              if (!res.headersSent) o.onDeadline(req, res, ms);
            }, ms)
          : null;
      deadline?.unref();
    };
    newRequestContext(req, res, id, ctx.holder, ac.signal, setDeadline);
    const t0 = process.hrtime.bigint();
    setDeadline(o.deadlineMs);
    res.on('close', () => {
      if (deadline) clearTimeout(deadline);
      if (!res.writableFinished) {
        ac.abort(new Error('client disconnected'));
        ctx.metrics.inc('llmr_client_aborts_total', 'requests whose client went away before the response was sent', { route: routeLabel(req, res) });
      }
    });
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      ctx.metrics.observe(method, routeLabel(req, res), res.statusCode, ms);
      ctx.log({
        level: res.statusCode >= 500 ? 'error' : 'info',
        msg: 'request',
        requestId: id,
        method,
        path: req.originalUrl.slice(0, 200),
        route: routeLabel(req, res),
        status: res.statusCode,
        ms: Number(ms.toFixed(3)),
        version: res.getHeader('x-llmr-version') ?? null,
      });
    });
    next();
  };
}
