import { Registry } from '../estimator/Registry.js';
import { bradleyTerrySpec } from './bradleyTerryRanker.js';
import { pairwiseRankerSpec } from './pairwiseRanker.js';
import type { Ranker, RankerSpec, RankerState } from './Ranker.js';

/** Every ranker kind, by name (same style as ROUTERS); no state at import beyond this table. */
export const RANKERS = {
  pairwise: pairwiseRankerSpec,
  'bradley-terry': bradleyTerrySpec,
} as const satisfies Record<string, RankerSpec>;

/** The ranker kinds, as a union. */
export type RankerKind = keyof typeof RANKERS;

/** The ranker registry: `rankers.spec(kind)`, `rankers.create(kind, params)`, `rankers.kinds`. */
export const rankers = new Registry<RankerKind, RankerSpec>('ranker', RANKERS);

export function rankerSpec(kind: string): RankerSpec {
  return rankers.spec(kind);
}

export function createRanker(kind: string, params: Record<string, unknown> = {}): Ranker {
  return rankers.create(kind, params);
}

export function loadRanker(kind: string, params: Record<string, unknown>, state: RankerState): Promise<Ranker> {
  return rankers.load(kind, params, state);
}
