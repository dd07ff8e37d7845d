import { UnknownOptionError } from '../errors.js';
import { bradleyTerrySpec } from './bradleyTerryRanker.js';
import { pairwiseRankerSpec } from './pairwiseRanker.js';
import type { Ranker, RankerSpec, RankerState } from './Ranker.js';

/** Every ranker kind, by name (same style as ROUTERS); no state at import beyond this table. */
export const RANKERS: Readonly<Record<string, RankerSpec>> = {
  pairwise: pairwiseRankerSpec,
  'bradley-terry': bradleyTerrySpec,
};

export function rankerSpec(kind: string): RankerSpec {
  const spec = Object.hasOwn(RANKERS, kind) ? RANKERS[kind] : undefined;
  if (!spec) throw new UnknownOptionError('ranker kind', kind, Object.keys(RANKERS), 'ranker');
  return spec;
}

export function createRanker(kind: string, params: Record<string, unknown> = {}): Ranker {
  return rankerSpec(kind).create(params);
}

export function loadRanker(kind: string, params: Record<string, unknown>, state: RankerState): Promise<Ranker> {
  return rankerSpec(kind).load(params, state);
}
