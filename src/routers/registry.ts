import { UnknownOptionError } from '../errors.js';
import { knnSpec } from './knn.js';
import type { Router, RouterSpec, RouterState } from './Router.js';

/** One registry of router kinds (RouteLLM style), no state at import beyond this constant table. */
export const ROUTERS: Readonly<Record<string, RouterSpec>> = {
  knn: knnSpec,
};

export function routerSpec(kind: string): RouterSpec {
  const spec = ROUTERS[kind];
  if (!spec) throw new UnknownOptionError('router kind', kind, Object.keys(ROUTERS), 'router');
  return spec;
}

export function createRouter(kind: string, params: Record<string, unknown> = {}): Router {
  return routerSpec(kind).create(params);
}

export function loadRouter(kind: string, params: Record<string, unknown>, state: RouterState, models: string[]): Promise<Router> {
  return routerSpec(kind).load(params, state, models);
}
