import type { BasePolicy, CandidateScore, Decision, ExplorePolicy, Policy } from './policy.js';

type Decide = (candidates: readonly CandidateScore[], policy: Policy, random?: () => number) => Decision;

/** Standard normal from two uniforms (Box–Muller). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** The candidates exploration may pick: expected cost within the cap (all when no cap). */
function explorable(candidates: readonly CandidateScore[], maxCost: number | undefined): CandidateScore[] {
  return maxCost === undefined ? [...candidates] : candidates.filter((c) => c.cost <= maxCost);
}

/** The base decision with `model` moved to the front of the ranking. */
function withChoice(base: Decision, model: string, policy: ExplorePolicy, propensity: number, reason: string): Decision {
  const first = base.ranked.find((c) => c.model === model)!;
  return { model, policy, reason, ranked: [first, ...base.ranked.filter((c) => c !== first)], propensity, explored: model !== base.model };
}

/**
 * Probability that each candidate is chosen by an exploring policy (the logging policy's action distribution):
 * exact for ε-greedy, Monte Carlo (`policy.samples` draws) for Thompson sampling.
 */
export function actionProbabilities(
  candidates: readonly CandidateScore[],
  policy: ExplorePolicy,
  decide: Decide,
  random: () => number = Math.random,
): Map<string, number> {
  const base = decide(candidates, policy.base);
  const pool = explorable(candidates, policy.maxCost);
  const p = new Map<string, number>(candidates.map((c) => [c.model, 0]));
  if (pool.length === 0) {
    p.set(base.model, 1);
    return p;
  }
  if (policy.strategy === 'epsilon-greedy') {
    p.set(base.model, 1 - policy.epsilon);
    for (const c of pool) p.set(c.model, p.get(c.model)! + policy.epsilon / pool.length);
    return p;
  }
  for (let s = 0; s < policy.samples; s++) {
    const m = thompsonDraw(pool, policy.base, policy.sigma, decide, random);
    p.set(m, p.get(m)! + 1 / policy.samples);
  }
  return p;
}

function thompsonDraw(pool: readonly CandidateScore[], base: BasePolicy, sigma: number, decide: Decide, random: () => number): string {
  return decide(
    pool.map((c) => ({ ...c, quality: c.quality + sigma * gaussian(random) })),
    base,
  ).model;
}

/**
 * An exploring decision and its propensity. ε-greedy: with probability 1 − ε the base policy's model, else a
 * uniform draw among the explorable candidates (so the propensity is exact). Thompson: the base policy applied
 * to qualities perturbed by N(0, σ²) over the explorable candidates; its propensity is estimated from
 * `samples` further draws (floored at 1/samples so inverse weights stay finite).
 */
export function explore(candidates: readonly CandidateScore[], policy: ExplorePolicy, decide: Decide, random: () => number): Decision {
  const base = decide(candidates, policy.base);
  const pool = explorable(candidates, policy.maxCost);
  if (pool.length === 0)
    return { ...withChoice(base, base.model, policy, 1, `${base.reason}; no candidate within the exploration cap $${policy.maxCost}`), explored: false };
  if (policy.strategy === 'epsilon-greedy') {
    const probs = actionProbabilities(candidates, policy, decide);
    const model = random() < policy.epsilon ? pool[Math.min(pool.length - 1, Math.floor(random() * pool.length))]!.model : base.model;
    const why = model === base.model ? base.reason : `explored (ε = ${policy.epsilon}) instead of ${base.model}`;
    return withChoice(base, model, policy, probs.get(model)!, why);
  }
  const model = thompsonDraw(pool, policy.base, policy.sigma, decide, random);
  let hits = 0;
  for (let s = 0; s < policy.samples; s++) if (thompsonDraw(pool, policy.base, policy.sigma, decide, random) === model) hits++;
  const propensity = Math.max(hits, 1) / policy.samples;
  return withChoice(
    base,
    model,
    policy,
    propensity,
    model === base.model ? `${base.reason} (Thompson draw, σ = ${policy.sigma})` : `Thompson draw (σ = ${policy.sigma}) chose ${model} over ${base.model}`,
  );
}
