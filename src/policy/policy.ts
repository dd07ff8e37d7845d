import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { explore } from './exploration.js';

/**
 * Policy half of routing: turn predicted quality and expected cost per candidate into one decision.
 * Scores come from any router; the same policies apply to all of them.
 */
/** Bounds of the numeric policy fields (quality is a score in [0, 1]; money in USD). */
export const POLICY_LIMITS = { maxWtp: 1e9, maxCost: 1e6 } as const;
const num = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .refine(Number.isFinite, `${what} must be a finite number`)
    .refine((v) => v >= min && v <= max, `${what} must be between ${min} and ${max}`);

const BASE_POLICIES = [
  z.object({ kind: z.literal('max-quality') }).strict(),
  /** RouterBench willingness to pay: argmax over models of wtp · quality − cost (USD). */
  z.object({ kind: z.literal('willingness-to-pay'), wtp: num('wtp (USD per unit of quality)', 0, POLICY_LIMITS.maxWtp) }).strict(),
  /**
   * RouteLLM strong/weak threshold: the strong model when its predicted advantage
   * quality(strong) − quality(weak) ≥ threshold, else the weak model.
   */
  z
    .object({ kind: z.literal('threshold'), strong: z.string().min(1), weak: z.string().min(1), threshold: num('threshold (a quality difference)', -1, 1) })
    .strict(),
  /** The cheapest model whose predicted quality ≥ target; if none reaches it, the best one. */
  z.object({ kind: z.literal('cheapest-above'), target: num('target (a quality score)', 0, 1) }).strict(),
  /** Best predicted quality among models whose expected cost ≤ maxCost (USD per request); if none fits, the cheapest. */
  z.object({ kind: z.literal('budget'), maxCost: num('maxCost (USD per request)', 0, POLICY_LIMITS.maxCost) }).strict(),
] as const;
/** The deterministic policies: what an exploring policy explores around. */
export const BasePolicySchema = z.discriminatedUnion('kind', [...BASE_POLICIES]);
export type BasePolicy = z.infer<typeof BasePolicySchema>;

/**
 * Exploration around a base policy (src/policy/exploration.ts): `epsilon-greedy` picks the base policy's model
 * with probability 1 − ε, else a uniform candidate; `thompson` perturbs each predicted quality with N(0, σ²)
 * and applies the base policy to the draw. `maxCost` caps exploration: models whose expected cost exceeds it
 * are never explored into. Every decision reports the probability (propensity) of the model it chose.
 */
export const ExplorePolicySchema = z
  .object({
    kind: z.literal('explore'),
    strategy: z.enum(['epsilon-greedy', 'thompson']),
    epsilon: z.number().min(0).max(1).default(0.1),
    sigma: z.number().positive().default(0.1),
    maxCost: z.number().nonnegative().optional(),
    /** Monte-Carlo draws that estimate a Thompson decision's propensity. */
    samples: z.number().int().min(16).max(10_000).default(400),
    base: BasePolicySchema.default({ kind: 'max-quality' }),
  })
  .strict();
export type ExplorePolicy = z.infer<typeof ExplorePolicySchema>;

export const PolicySchema = z.discriminatedUnion('kind', [
  ...BASE_POLICIES,
  /** A setting stored in the router artifact by `llmr calibrate` (manifest.calibrations[name]); RouterPipeline resolves it. */
  z.object({ kind: z.literal('calibrated'), name: z.string().min(1) }).strict(),
  ExplorePolicySchema,
]);
export type Policy = z.infer<typeof PolicySchema>;
export const POLICY_KINDS = ['max-quality', 'willingness-to-pay', 'threshold', 'cheapest-above', 'budget', 'calibrated', 'explore'] as const;

export interface CandidateScore {
  model: string;
  quality: number;
  cost: number;
}

export interface RankedCandidate extends CandidateScore {
  /** The policy's objective for this candidate (higher is better); ranks the alternatives. */
  utility: number;
  /** Whether the policy's constraint admits this model (budget / target). */
  eligible: boolean;
}

export interface Decision {
  model: string;
  policy: Policy;
  reason: string;
  /** All candidates, best first by the policy's order. */
  ranked: RankedCandidate[];
  /** Probability with which the policy picks `model` (exploring policies; deterministic ones: absent = 1). */
  propensity?: number;
  /** True when an exploring policy chose something else than its base policy would. */
  explored?: boolean;
}

/** Deterministic tie-break: higher utility, then cheaper, then name. */
function order(a: RankedCandidate, b: RankedCandidate): number {
  return Number(b.eligible) - Number(a.eligible) || b.utility - a.utility || a.cost - b.cost || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0);
}

/**
 * One decision. `random` (uniform [0,1)) drives exploring policies only; pass a seeded one for determinism.
 */
export function decide(candidates: readonly CandidateScore[], policy: Policy, random: () => number = Math.random): Decision {
  if (policy.kind === 'explore') return explore(candidates, policy, decide, random);
  if (candidates.length === 0)
    throw new LlmrError('no candidate models to route between', { field: 'candidates', fix: 'pass at least one model the router knows' });
  let ranked: RankedCandidate[];
  let reason: string;
  switch (policy.kind) {
    case 'max-quality':
      ranked = candidates.map((c) => ({ ...c, utility: c.quality, eligible: true }));
      reason = 'highest predicted quality';
      break;
    case 'willingness-to-pay':
      ranked = candidates.map((c) => ({ ...c, utility: policy.wtp * c.quality - c.cost, eligible: true }));
      reason = `max ${policy.wtp} × quality − cost`;
      break;
    case 'threshold': {
      const strong = candidates.find((c) => c.model === policy.strong);
      const weak = candidates.find((c) => c.model === policy.weak);
      const names = candidates.map((c) => c.model);
      if (!strong)
        throw new LlmrError(`threshold policy: strong model "${policy.strong}" is not a candidate; candidates: ${names.join(', ')}`, {
          field: 'policy.strong',
          fix: `use one of: ${names.join(', ')}`,
        });
      if (!weak)
        throw new LlmrError(`threshold policy: weak model "${policy.weak}" is not a candidate; candidates: ${names.join(', ')}`, {
          field: 'policy.weak',
          fix: `use one of: ${names.join(', ')}`,
        });
      const advantage = strong.quality - weak.quality;
      const pick = advantage >= policy.threshold ? strong.model : weak.model;
      ranked = candidates.map((c) => ({
        ...c,
        utility: c.model === pick ? 1 : c.model === strong.model || c.model === weak.model ? 0 : -1,
        eligible: c.model === strong.model || c.model === weak.model,
      }));
      reason = `strong advantage ${advantage.toFixed(4)} ${advantage >= policy.threshold ? '≥' : '<'} threshold ${policy.threshold}`;
      break;
    }
    case 'cheapest-above': {
      ranked = candidates.map((c) => ({ ...c, utility: -c.cost, eligible: c.quality >= policy.target }));
      if (!ranked.some((c) => c.eligible)) {
        ranked = candidates.map((c) => ({ ...c, utility: c.quality, eligible: false }));
        reason = `no model predicted ≥ ${policy.target}; highest predicted quality`;
      } else reason = `cheapest model predicted ≥ ${policy.target}`;
      break;
    }
    case 'budget': {
      ranked = candidates.map((c) => ({ ...c, utility: c.quality, eligible: c.cost <= policy.maxCost }));
      if (!ranked.some((c) => c.eligible)) {
        ranked = candidates.map((c) => ({ ...c, utility: -c.cost, eligible: false }));
        reason = `no model within budget $${policy.maxCost}; cheapest`;
      } else reason = `best predicted quality within $${policy.maxCost} per request`;
      break;
    }
    case 'calibrated':
      throw new LlmrError(`policy "calibrated" (${policy.name}) names a setting stored in a router artifact; decide() needs the resolved policy`, {
        field: 'policy',
        fix: 'route through RouterPipeline.route, which resolves calibrated policies from manifest.calibrations',
      });
  }
  ranked.sort(order);
  return { model: ranked[0]!.model, policy, reason, ranked };
}

/** Parse a policy from untrusted input (HTTP body, CLI flag) with an error naming the field. */
export function parsePolicy(input: unknown, field = 'policy'): Policy {
  const r = PolicySchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = [field, ...issue.path.map(String)].join('.');
    const isKind = issue.path.length === 0 || issue.path[0] === 'kind';
    throw new LlmrError(`invalid ${path}: ${issue.message}`, {
      field: path,
      fix: isKind ? `policy.kind must be one of: ${POLICY_KINDS.join(', ')}` : 'see the policy schema in GET /openapi.json',
      code: isKind ? 'unknown_option' : 'invalid_input',
    });
  }
  return r.data;
}
