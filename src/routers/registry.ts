import { Registry } from '../estimator/Registry.js';
import { contrastiveSpec } from './contrastive.js';
import { eloSpec } from './elo.js';
import { knnSpec } from './knn.js';
import { mfSpec } from './mf.js';
import { mlpSpec } from './mlp.js';
import type { Router, RouterSpec, RouterState } from './Router.js';

/**
 * Every router kind (RouteLLM style), no state at import beyond this constant table. Adding a kind is one
 * file exporting its RouterSpec plus one line here: the CLI, `eval shared`, the benchmarks and the contract
 * suite (test/routers/contract.test.ts) pick it up from this table.
 */
export const ROUTERS = {
  knn: knnSpec,
  mlp: mlpSpec,
  mf: mfSpec,
  contrastive: contrastiveSpec,
  elo: eloSpec,
} as const satisfies Record<string, RouterSpec>;

/** The router kinds, as a union. */
export type RouterKind = keyof typeof ROUTERS;

/** The router registry: `routers.spec(kind)`, `routers.create(kind, params)`, `routers.kinds`. */
export const routers = new Registry<RouterKind, RouterSpec>('router', ROUTERS);

export function routerSpec(kind: string): RouterSpec {
  return routers.spec(kind);
}

export function createRouter(kind: string, params: Record<string, unknown> = {}): Router {
  return routers.create(kind, params);
}

export function loadRouter(kind: string, params: Record<string, unknown>, state: RouterState, models: readonly string[]): Promise<Router> {
  return routers.load(kind, params, state, models);
}
