import { LlmrError } from '../errors.js';
import { bootstrap, type BootstrapInterval } from './bootstrap.js';

/**
 * Off-policy evaluation of routing policies from logged traffic: each logged decision carries the model the
 * logging policy chose, the probability it had of choosing it (propensity) and the observed reward (feedback
 * score). For a target policy π (probabilities over the candidates) and a reward model q̂(x, a):
 * - IPS: mean of π(a|x)/μ(a|x) · r (unbiased when μ > 0 wherever π > 0);
 * - SNIPS: IPS divided by the mean weight (self-normalised: lower variance, slightly biased);
 * - DR (doubly robust): mean of Σ_a π(a|x) q̂(x,a) + π(a_logged|x)/μ · (r − q̂(x, a_logged)) (unbiased if either
 *   the propensities or the reward model are right).
 * Intervals: percentile bootstrap over logged decisions (seeded).
 */
export interface LoggedDecision {
  chosen: string;
  /** Logging policy's probability of `chosen` (1 for deterministic policies). */
  propensity: number;
  /** Observed reward of `chosen` (a feedback score in [0, 1]). */
  reward: number;
  /** Target policy's probability of each candidate (missing = 0). */
  target: Record<string, number>;
  /** Reward model's predicted reward of each candidate (DR); missing = 0. */
  predicted: Record<string, number>;
}

export interface Estimate {
  value: number;
  ci: BootstrapInterval;
}

export interface OffPolicyResult {
  n: number;
  /** Mean observed reward of the logging policy (on-policy). */
  logged: Estimate;
  ips: Estimate;
  snips: Estimate;
  dr: Estimate;
  /** Direct method: the reward model's value of the target policy (biased by the model). */
  direct: Estimate;
  /** Share of logged decisions where the target agrees with the logged choice (π(a_logged) > 0). */
  support: number;
  /** Effective sample size of the importance weights, (Σw)² / Σw². */
  effectiveSampleSize: number;
}

export function offPolicyEstimate(rows: readonly LoggedDecision[], opts: { replicates?: number; seed?: number; alpha?: number } = {}): OffPolicyResult {
  if (rows.length === 0)
    throw new LlmrError('no logged decisions with feedback to evaluate on', {
      field: 'rows',
      fix: 'collect score feedback on routed requests (POST /feedback) first',
    });
  rows.forEach((r, i) => {
    if (!(r.propensity > 0 && r.propensity <= 1))
      throw new LlmrError(`logged decision ${i} has propensity ${r.propensity}`, { field: `rows[${i}].propensity`, fix: 'propensities must be in (0, 1]' });
  });
  const w = rows.map((r) => (r.target[r.chosen] ?? 0) / r.propensity);
  const dm = rows.map((r) => Object.entries(r.target).reduce((s, [m, p]) => s + p * (r.predicted[m] ?? 0), 0));
  const dr = rows.map((r, i) => dm[i]! + w[i]! * (r.reward - (r.predicted[r.chosen] ?? 0)));
  const at = (v: readonly number[], idx?: Int32Array) => {
    let s = 0;
    const n = idx ? idx.length : v.length;
    for (let k = 0; k < n; k++) s += v[idx ? idx[k]! : k]!;
    return s / n;
  };
  const ipsTerms = rows.map((r, i) => w[i]! * r.reward);
  const rewards = rows.map((r) => r.reward);
  const metrics = (idx?: Int32Array) => {
    const mw = at(w, idx);
    return { logged: at(rewards, idx), ips: at(ipsTerms, idx), snips: mw > 0 ? at(ipsTerms, idx) / mw : Number.NaN, dr: at(dr, idx), direct: at(dm, idx) };
  };
  const point = metrics();
  const ci = bootstrap(rows.length, (idx) => metrics(idx), { replicates: opts.replicates ?? 500, seed: opts.seed ?? 0, alpha: opts.alpha });
  const est = (k: keyof typeof point): Estimate => ({ value: point[k], ci: ci[k]! });
  const sw = w.reduce((s, x) => s + x, 0);
  const sw2 = w.reduce((s, x) => s + x * x, 0);
  return {
    n: rows.length,
    logged: est('logged'),
    ips: est('ips'),
    snips: est('snips'),
    dr: est('dr'),
    direct: est('direct'),
    support: rows.filter((r) => (r.target[r.chosen] ?? 0) > 0).length / rows.length,
    effectiveSampleSize: sw2 > 0 ? (sw * sw) / sw2 : 0,
  };
}
