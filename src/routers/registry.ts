import { UnknownOptionError } from '../errors.js';
import { contrastiveSpec } from './contrastive.js';
import { eloSpec } from './elo.js';
import { knnSpec } from './knn.js';
import { mfSpec } from './mf.js';
import { mlpSpec } from './mlp.js';
import type { Router, RouterSpec, RouterState } from './Router.js';

/** One registry of router kinds (RouteLLM style), no state at import beyond this constant table. */
export const ROUTERS: Readonly<Record<string, RouterSpec>> = {
  knn: knnSpec,
  mlp: mlpSpec,
  mf: mfSpec,
  contrastive: contrastiveSpec,
  elo: eloSpec,
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
