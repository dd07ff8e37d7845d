import { parseRankerParams } from './params.js';
import { RankNet, RankNetParamsSchema, type RankNetParams } from './rankNet.js';
import type { RankerSpec } from './Ranker.js';

/**
 * PairRanker in the spirit of LLM-Blender: P(A better than B) from the prompt and both responses jointly
 * (each response, their difference and elementwise product, cheap text features of both), antisymmetric by
 * construction: P = σ(g(a, b) − g(b, a)). Trained on pairwise logs; ties are soft targets ½.
 */
export class PairwiseRanker extends RankNet {
  readonly kind = 'pairwise';
  readonly scoring = 'pairwise' as const;
  constructor(params: Partial<RankNetParams> = {}) {
    super(parseRankerParams('pairwise', RankNetParamsSchema, params));
  }
}

export const pairwiseRankerSpec: RankerSpec = {
  kind: 'pairwise',
  description: 'PairRanker-style antisymmetric pairwise comparator σ(g(a,b) − g(b,a)) over featurized prompt and both responses',
  scoring: 'pairwise',
  create: (params) => new PairwiseRanker(params as Partial<RankNetParams>),
  load: async (params, state) => new PairwiseRanker(params as Partial<RankNetParams>).restore(state),
};
