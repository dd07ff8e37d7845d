import type { Request, Response } from 'express';
import type { ModelHolder, ModelSet } from './ModelHolder.js';
import type { Metrics } from './metrics.js';
import type { RouteRecorder } from './routeRecorder.js';

export type LogFn = (o: Record<string, unknown>) => void;

/** What every endpoint group (built-in or mounted) can use: the models, metrics, log and route-record writer. */
export interface ServiceContext {
  readonly holder: ModelHolder;
  readonly metrics: Metrics;
  readonly log: LogFn;
  readonly recorder: RouteRecorder;
  readonly backend: string | null;
  readonly startedAt: number;
}

/** The caller, as authentication established it. `id` is a stable non-secret key id (hash prefix), never the key. */
export interface Principal {
  readonly id: string;
  readonly admin: boolean;
}

/** Per-request state set by the shared middleware, read by handlers through {@link requestContext}. */
export interface RequestContext {
  readonly requestId: string;
  /** null when the server runs without keys (loopback only). */
  principal: Principal | null;
  /** Aborted when the client disconnects or the request deadline passes: pass it to long work / upstream calls. */
  readonly signal: AbortSignal;
  /** The model set taken for this request (first use pins it, so one request never sees two versions). */
  models(): ModelSet;
  /** Replace the request deadline (ms from now; 0 = none). Mounts set it through `ServiceMount.timeoutMs`. */
  setDeadline(ms: number): void;
}

export function requestContext(res: Response): RequestContext {
  const c = res.locals.llmr as RequestContext | undefined;
  if (!c) throw new Error('requestContext() used outside createApp middleware');
  return c;
}

export function newRequestContext(
  req: Request,
  res: Response,
  requestId: string,
  holder: ModelHolder,
  signal: AbortSignal,
  setDeadline: (ms: number) => void,
): RequestContext {
  let pinned: ModelSet | null = null;
  const ctx: RequestContext = {
    requestId,
    principal: null,
    signal,
    setDeadline,
    models: () => {
      if (!pinned) {
        pinned = holder.current;
        res.setHeader('x-llmr-version', pinned.version ?? 'none');
      }
      return pinned;
    },
  };
  res.locals.llmr = ctx;
  void req;
  return ctx;
}
