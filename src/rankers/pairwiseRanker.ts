import { rankNetSpec } from './rankNet.js';

/**
 * PairRanker in the spirit of LLM-Blender: P(A better than B) from the prompt and both responses jointly
 * (each response, their difference and elementwise product, cheap text features of both), antisymmetric by
 * construction: P = σ(g(a, b) − g(b, a)). Trained on pairwise logs; ties are soft targets ½.
 */
export const pairwiseRankerSpec = rankNetSpec(
  'pairwise',
  'pairwise',
  'PairRanker-style antisymmetric pairwise comparator σ(g(a,b) − g(b,a)) over featurized prompt and both responses',
);
