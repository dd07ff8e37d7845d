import { z } from 'zod';
import { LlmrError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import type { EvalTable } from './evalTable.js';
import type { RouterPredictions } from './evaluate.js';
import { logspace, quantile, quantileSorted } from './numeric.js';
import { chosenOutcomes, meanOutcome, routeRows, shareOf, wtpGrid } from './sweep.js';

/**
 * Calibration: turn a user's goal into the router's knob on a calibration split, then report what that
 * setting achieves on a held-out test split. Goals:
 * - `share`: a target share of calls to the strong model (RouteLLM's calibrate_threshold: the threshold is
 *   the (1 − share) quantile of the router's scores on the calibration prompts);
 * - `budget`: mean USD per 1,000 queries — the best calibration quality whose cost fits the budget;
 * - `quality`: minimum mean quality — the cheapest setting that reaches it.
 * Knob: the strong/weak threshold for a pair, else willingness to pay.
 */

export const CalibrationGoalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('share'), share: z.number().min(0).max(1) }).strict(),
  z.object({ kind: z.literal('budget'), usdPer1k: z.number().nonnegative() }).strict(),
  z.object({ kind: z.literal('quality'), min: z.number() }).strict(),
]);
export type CalibrationGoal = z.infer<typeof CalibrationGoalSchema>;

/** `share=0.3` | `budget=0.5` (USD per 1,000 queries) | `quality=0.8` → a goal; errors name the flag. */
export function parseGoal(text: string, flag = '--goal'): CalibrationGoal {
  const m = /^\s*(share|budget|quality)\s*=\s*([^\s]+)\s*$/.exec(text);
  const fix = `${flag} share=<0..1 of calls to the strong model> | budget=<USD per 1,000 queries> | quality=<minimum mean quality>`;
  if (!m) throw new LlmrError(`${flag} must be share=…, budget=… or quality=…, got "${text}"`, { field: flag, fix });
  const v = Number(m[2]!.replace(/%$/, ''));
  if (!Number.isFinite(v)) throw new LlmrError(`${flag} ${m[1]}: "${m[2]}" is not a number`, { field: flag, fix });
  const raw =
    m[1] === 'share'
      ? { kind: 'share', share: m[2]!.endsWith('%') ? v / 100 : v }
      : m[1] === 'budget'
        ? { kind: 'budget', usdPer1k: v }
        : { kind: 'quality', min: v };
  const r = CalibrationGoalSchema.safeParse(raw);
  if (!r.success) throw new LlmrError(`${flag} ${m[1]}: ${r.error.issues[0]!.message}`, { field: flag, fix });
  return r.data;
}

export function describeGoal(g: CalibrationGoal, strong?: string): string {
  if (g.kind === 'share') return `${(g.share * 100).toFixed(1)}% of calls to ${strong ?? 'the strong model'}`;
  if (g.kind === 'budget') return `at most $${g.usdPer1k} per 1,000 queries`;
  return `mean quality ≥ ${g.min}`;
}

export interface Achieved {
  rows: number;
  digest: string;
  /** Mean USD per query. */
  cost: number;
  quality: number;
  share: Record<string, number>;
}

/** What `llmr calibrate` stores in manifest.calibrations[name]. */
export interface CalibrationEntry {
  goal: CalibrationGoal;
  knob: 'threshold' | 'willingness-to-pay';
  strong?: string;
  weak?: string;
  policy: Policy;
  /** Whether the goal was met on the calibration split (else the closest setting was taken). */
  feasible: boolean;
  calibration: Achieved;
  test?: Achieved;
  createdAt: string;
}

interface Candidate {
  policy: Policy;
  cost: number;
  quality: number;
  share: Record<string, number>;
  strongShare: number;
}

function achieved(t: EvalTable, r: RouterPredictions, policy: Policy): Achieved {
  const choice = routeRows(t.models, r.pred, r.expectedCost, policy);
  const o = meanOutcome(chosenOutcomes(t, choice));
  return { rows: t.ids.length, digest: t.digest, cost: o.cost, quality: o.quality, share: shareOf(t.models, choice) };
}

/** The strong model of a calibration: given, else the costliest by the router's expected cost. */
function strongOf(t: EvalTable, r: RouterPredictions, strong?: string): number {
  if (strong !== undefined) {
    const j = t.models.indexOf(strong);
    if (j < 0)
      throw new LlmrError(`strong model "${strong}" is not in the data; models: ${t.models.join(', ')}`, {
        field: 'strong',
        fix: `use one of: ${t.models.join(', ')}`,
      });
    return j;
  }
  const mean = t.models.map((_, j) => r.expectedCost.reduce((s, c) => s + c[j]!, 0));
  return mean.indexOf(Math.max(...mean));
}

export interface CalibrateOptions {
  /** Strong/weak pair: calibrate the threshold knob; without `weak`, willingness to pay. */
  strong?: string;
  weak?: string;
  /** Log-spaced willingness-to-pay values tried (N-model knob). */
  wtpPoints?: number;
  now?: Date;
}

/**
 * Calibrate on `cal` (the router's predictions on it in `calPred`) and, when given, report the achieved
 * cost/quality/share on `test`.
 */
export function calibrate(
  goal: CalibrationGoal,
  cal: EvalTable,
  calPred: RouterPredictions,
  opts: CalibrateOptions = {},
  test?: { table: EvalTable; pred: RouterPredictions },
): CalibrationEntry {
  const pairMode = opts.weak !== undefined || cal.models.length === 2;
  const s = strongOf(cal, calPred, opts.strong);
  const strong = cal.models[s]!;
  let candidates: Candidate[];
  let knob: CalibrationEntry['knob'];
  let weak: string | undefined;
  let sharePolicy: Policy | undefined;
  const evalPolicy = (policy: Policy): Candidate => {
    const a = achieved(cal, calPred, policy);
    return { policy, cost: a.cost, quality: a.quality, share: a.share, strongShare: a.share[strong]! };
  };
  if (pairMode) {
    knob = 'threshold';
    const w = opts.weak !== undefined ? cal.models.indexOf(opts.weak) : 1 - s;
    if (w < 0)
      throw new LlmrError(`weak model "${opts.weak}" is not in the data; models: ${cal.models.join(', ')}`, {
        field: 'weak',
        fix: `use one of: ${cal.models.join(', ')}`,
      });
    if (w === s) throw new LlmrError('strong and weak models must differ', { field: 'weak' });
    weak = cal.models[w]!;
    const score = calPred.pred.map((p) => p[s]! - p[w]!);
    // candidate thresholds: the score quantiles at every 0.1 % (each a share of strong calls on this split)
    const sorted = Float64Array.from(score).sort();
    const distinct = [...new Set(Array.from({ length: 1001 }, (_, k) => quantileSorted(sorted, k / 1000)))];
    const top = distinct[distinct.length - 1]!;
    const never = top + 1e-6 * (1 + Math.abs(top));
    const pol = (threshold: number): Policy => ({ kind: 'threshold', strong, weak: weak!, threshold });
    candidates = [...distinct, never].map((t) => evalPolicy(pol(t)));
    if (goal.kind === 'share') sharePolicy = pol(goal.share >= 1 ? distinct[0]! : goal.share <= 0 ? never : quantile(score, 1 - goal.share));
  } else {
    knob = 'willingness-to-pay';
    let qmin = Infinity;
    let qmax = -Infinity;
    for (const q of cal.quality) for (const v of q) (qmin = Math.min(qmin, v)), (qmax = Math.max(qmax, v));
    const coarse = wtpGrid(calPred.expectedCost, qmax - qmin, 8);
    const grid = coarse.length > 1 ? [0, ...logspace(coarse[1]!, coarse[coarse.length - 1]!, opts.wtpPoints ?? 240)] : [0];
    candidates = grid.map((wtp) => evalPolicy({ kind: 'willingness-to-pay', wtp }));
  }
  let pick: Candidate;
  let feasible = true;
  if (goal.kind === 'share') {
    if (sharePolicy) pick = evalPolicy(sharePolicy);
    else {
      pick = candidates.reduce((b, c) => (Math.abs(c.strongShare - goal.share) < Math.abs(b.strongShare - goal.share) - 1e-12 ? c : b));
    }
    feasible = Math.abs(pick.strongShare - goal.share) <= Math.max(0.02, 1 / cal.ids.length);
  } else if (goal.kind === 'budget') {
    const cap = goal.usdPer1k / 1000;
    const ok = candidates.filter((c) => c.cost <= cap * (1 + 1e-9));
    if (ok.length) pick = ok.reduce((b, c) => (c.quality > b.quality || (c.quality === b.quality && c.cost < b.cost) ? c : b));
    else {
      feasible = false;
      pick = candidates.reduce((b, c) => (c.cost < b.cost ? c : b));
    }
  } else {
    const ok = candidates.filter((c) => c.quality >= goal.min - 1e-12);
    if (ok.length) pick = ok.reduce((b, c) => (c.cost < b.cost || (c.cost === b.cost && c.quality > b.quality) ? c : b));
    else {
      feasible = false;
      pick = candidates.reduce((b, c) => (c.quality > b.quality || (c.quality === b.quality && c.cost < b.cost) ? c : b));
    }
  }
  const entry: CalibrationEntry = {
    goal,
    knob,
    strong,
    weak,
    policy: pick.policy,
    feasible,
    calibration: { rows: cal.ids.length, digest: cal.digest, cost: pick.cost, quality: pick.quality, share: pick.share },
    createdAt: (opts.now ?? new Date()).toISOString(),
  };
  if (test) entry.test = achieved(test.table, test.pred, pick.policy);
  return entry;
}
