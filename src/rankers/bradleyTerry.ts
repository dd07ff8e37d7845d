import { parseRankerParams } from './params.js';
import { RankNet, RankNetParamsSchema, type RankNetParams } from './rankNet.js';
import type { RankerSpec } from './Ranker.js';

/**
 * Bradley–Terry reward model: a scalar reward r(prompt, response), P(A better than B) = σ(r_A − r_B),
 * trained with −log σ(r_chosen − r_rejected) = softplus(−(r_chosen − r_rejected)) (ties: soft target ½).
 * Costs one evaluation per response (n for n responses), and gives cascades their acceptance score.
 */
export class BradleyTerryRanker extends RankNet {
  readonly kind = 'bradley-terry';
  readonly scoring = 'reward' as const;
  constructor(params: Partial<RankNetParams> = {}) {
    super(parseRankerParams('bradley-terry', RankNetParamsSchema, params));
  }
}

export const bradleyTerrySpec: RankerSpec = {
  kind: 'bradley-terry',
  description: 'Bradley–Terry reward model r(prompt, response) trained with softplus(−(r_chosen − r_rejected))',
  scoring: 'reward',
  create: (params) => new BradleyTerryRanker(params as Partial<RankNetParams>),
  load: async (params, state) => new BradleyTerryRanker(params as Partial<RankNetParams>).restore(state),
};
