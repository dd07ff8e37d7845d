import { describe, expect, it } from 'vitest';
import { offPolicyEstimate, type LoggedDecision } from '../../src/eval/offPolicy.js';
import { actionProbabilities } from '../../src/policy/exploration.js';
import { decide, type ExplorePolicy, type Policy } from '../../src/policy/policy.js';
import { Rng } from '../../src/util/rng.js';

/**
 * Simulated traffic with a known answer: 4 prompt types × 3 models with true success rates; the logging policy
 * explores (ε-greedy or Thompson) around a router whose predictions are wrong on two types; the target policy
 * routes with the true qualities. Its true value is known exactly; IPS and DR must find it from the logs.
 */
const MODELS = ['a', 'b', 'c'];
const TRUE = [
  [0.9, 0.3, 0.2],
  [0.2, 0.8, 0.3],
  [0.1, 0.2, 0.7],
  [0.6, 0.5, 0.4],
];
const WRONG = [
  [0.9, 0.3, 0.2],
  [0.7, 0.3, 0.3],
  [0.6, 0.2, 0.3],
  [0.6, 0.5, 0.4],
];
const cands = (q: number[]) => MODELS.map((model, j) => ({ model, quality: q[j]!, cost: 0.001 * (j + 1) }));

function simulate(logging: ExplorePolicy, n: number, seed: number): { rows: LoggedDecision[]; trueTarget: number; trueLogging: number } {
  const rng = new Rng(seed);
  const target: Policy = { kind: 'max-quality' };
  const rows: LoggedDecision[] = [];
  let trueTarget = 0;
  let trueLogging = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.int(TRUE.length);
    const d = decide(cands(WRONG[x]!), logging, () => rng.next());
    const j = MODELS.indexOf(d.model);
    const reward = rng.next() < TRUE[x]![j]! ? 1 : 0;
    const t = decide(cands(TRUE[x]!), target).model;
    trueTarget += TRUE[x]![MODELS.indexOf(t)]!;
    const probs = actionProbabilities(cands(WRONG[x]!), logging, decide, () => rng.next());
    trueLogging += MODELS.reduce((s, m, k) => s + (probs.get(m) ?? 0) * TRUE[x]![k]!, 0);
    // Reward model for DR: the (wrong) router's predictions.
    rows.push({
      chosen: d.model,
      propensity: d.propensity!,
      reward,
      target: { [t]: 1 },
      predicted: Object.fromEntries(MODELS.map((m, k) => [m, WRONG[x]![k]!])),
    });
  }
  return { rows, trueTarget: trueTarget / n, trueLogging: trueLogging / n };
}

describe('off-policy evaluation on simulated traffic', () => {
  it('ε-greedy logs: IPS and DR intervals cover the true value of a better policy; the logged mean does not', () => {
    const { rows, trueTarget, trueLogging } = simulate(
      { kind: 'explore', strategy: 'epsilon-greedy', epsilon: 0.3, sigma: 0.1, samples: 400, base: { kind: 'max-quality' } },
      4000,
      7,
    );
    const r = offPolicyEstimate(rows, { replicates: 300, seed: 1 });
    expect(trueTarget).toBeGreaterThan(trueLogging + 0.1);
    for (const e of [r.ips, r.dr, r.snips]) {
      expect(e.ci.lo).toBeLessThanOrEqual(trueTarget);
      expect(e.ci.hi).toBeGreaterThanOrEqual(trueTarget);
    }
    expect(r.logged.ci.hi).toBeLessThan(trueTarget);
    expect(Math.abs(r.logged.value - trueLogging)).toBeLessThan(0.03);
    // The reward model is wrong, so the direct method is biased; DR corrects it.
    expect(Math.abs(r.direct.value - trueTarget)).toBeGreaterThan(0.05);
    expect(Math.abs(r.dr.value - trueTarget)).toBeLessThan(0.04);
    expect(r.dr.ci.hi - r.dr.ci.lo).toBeLessThanOrEqual((r.ips.ci.hi - r.ips.ci.lo) * 1.05);
  });

  it('Thompson-sampling logs (Monte-Carlo propensities) with a budget cap give the same answer', () => {
    const logging: ExplorePolicy = { kind: 'explore', strategy: 'thompson', epsilon: 0.1, sigma: 0.3, samples: 64, base: { kind: 'max-quality' } };
    const { rows, trueTarget } = simulate(logging, 800, 11);
    const r = offPolicyEstimate(rows, { replicates: 300, seed: 2 });
    expect(r.dr.ci.lo).toBeLessThanOrEqual(trueTarget + 0.02);
    expect(r.dr.ci.hi).toBeGreaterThanOrEqual(trueTarget - 0.02);
    // Budget cap: exploration never picks a model above maxCost, and propensities still sum to 1.
    const capped: ExplorePolicy = { ...logging, maxCost: 0.0025 };
    const p = actionProbabilities(cands(WRONG[1]!), capped, decide, () => Math.random());
    expect(p.get('c')).toBe(0);
    expect([...p.values()].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    const eg = actionProbabilities(cands(WRONG[1]!), { ...capped, strategy: 'epsilon-greedy', epsilon: 0.2 }, decide);
    expect([eg.get('a'), eg.get('b'), eg.get('c')]).toEqual([0.9, 0.1, 0]);
  });
});
