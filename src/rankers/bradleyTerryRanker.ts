import { rankNetSpec } from './rankNet.js';

/**
 * Bradley–Terry reward model: a scalar reward r(prompt, response), P(A better than B) = σ(r_A − r_B),
 * trained with −log σ(r_chosen − r_rejected) = softplus(−(r_chosen − r_rejected)) (ties: soft target ½).
 * Costs one evaluation per response (n for n responses), and gives cascades their acceptance score.
 */
export const bradleyTerrySpec = rankNetSpec(
  'bradley-terry',
  'reward',
  'Bradley–Terry reward model r(prompt, response) trained with softplus(−(r_chosen − r_rejected))',
);
