import { LlmrError } from '../errors.js';
import { decide, type Policy } from '../policy/policy.js';
import type { EvalTable } from './evalTable.js';
import { logspace } from './numeric.js';

/**
 * Replaying a router's predicted scores through a policy on a test table: which model each prompt goes to,
 * and what that achieves (mean cost per query, mean quality, share of calls per model).
 */

export interface OperatingPoint {
  /** The knob value (willingness to pay in USD per unit quality, a threshold, or a cascade's τ). */
  knob: number;
  /** The routing policy at this knob; absent for a series that is not a router under a policy (a cascade). */
  policy?: Policy;
  /** Mean USD per query (the logged cost of the chosen call, else the price table's). */
  cost: number;
  quality: number;
  /** Fraction of calls per model (a cascade: of accepted responses). */
  share: Record<string, number>;
  /** Mean models called per query, where a series calls more than one (a cascade). */
  calls?: number;
}

/**
 * The model each row is routed to under `policy`, as the policy layer decides it (src/policy decide()) from
 * the router's predictions `pred[row][model]` and the expected costs `expectedCost[row][model]` (what the
 * router knows before the call: the price table, not the logged cost). Willingness-to-pay, max-quality and
 * threshold — the policies swept over thousands of rows — take a batch path with decide()'s exact order (utility
 * descending, then cost ascending, then name); test/eval checks that both agree on random inputs with ties.
 */
export function routeRows(models: readonly string[], pred: readonly Float64Array[], expectedCost: readonly Float64Array[], policy: Policy): Int32Array {
  const out = new Int32Array(pred.length);
  if (policy.kind === 'willingness-to-pay' || policy.kind === 'max-quality') {
    const wtp = policy.kind === 'willingness-to-pay' ? policy.wtp : 1;
    const byName = models
      .map((m, j) => ({ m, j }))
      .sort((a, b) => (a.m < b.m ? -1 : a.m > b.m ? 1 : 0))
      .map((x) => x.j);
    for (let i = 0; i < pred.length; i++) {
      const p = pred[i]!;
      const c = expectedCost[i]!;
      let best = -1;
      let bu = 0;
      let bc = 0;
      for (const j of byName) {
        const u = policy.kind === 'max-quality' ? p[j]! : wtp * p[j]! - c[j]!;
        if (best < 0 || u > bu || (u === bu && c[j]! < bc)) {
          best = j;
          bu = u;
          bc = c[j]!;
        }
      }
      out[i] = best;
    }
    return out;
  }
  const idx = new Map(models.map((m, j) => [m, j]));
  if (policy.kind === 'threshold' && idx.has(policy.strong) && idx.has(policy.weak)) {
    const s = idx.get(policy.strong)!;
    const w = idx.get(policy.weak)!;
    for (let i = 0; i < pred.length; i++) out[i] = pred[i]![s]! - pred[i]![w]! >= policy.threshold ? s : w;
    return out;
  }
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i]!;
    const c = expectedCost[i]!;
    out[i] = idx.get(
      decide(
        models.map((m, j) => ({ model: m, quality: p[j]!, cost: c[j]! })),
        policy,
      ).model,
    )!;
  }
  return out;
}

/** Per-row quality and cost of the chosen calls. */
export interface ChosenOutcomes {
  choice: Int32Array;
  quality: Float64Array;
  /** USD per row: the chosen call's cost (a cascade: every call it made). */
  cost: Float64Array;
  /** Models called per row, where more than one can be (a cascade's replay). */
  calls?: Int32Array;
}

export function chosenOutcomes(t: EvalTable, choice: Int32Array): ChosenOutcomes {
  if (choice.length !== t.ids.length) throw new LlmrError(`${choice.length} routing decisions for ${t.ids.length} rows`, { field: 'choice' });
  return {
    choice,
    quality: Float64Array.from(choice, (j, i) => t.quality[i]![j]!),
    cost: Float64Array.from(choice, (j, i) => t.cost[i]![j]!),
  };
}

/** Mean cost and quality of chosen outcomes over rows (all when omitted; repeats allowed). */
export function meanOutcome(o: ChosenOutcomes, rows?: ArrayLike<number>): { cost: number; quality: number } {
  const n = rows ? rows.length : o.choice.length;
  let q = 0;
  let c = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    q += o.quality[i]!;
    c += o.cost[i]!;
  }
  return { cost: c / n, quality: q / n };
}

export function shareOf(models: readonly string[], choice: Int32Array, rows?: ArrayLike<number>): Record<string, number> {
  const counts = new Float64Array(models.length);
  const n = rows ? rows.length : choice.length;
  for (let k = 0; k < n; k++) counts[choice[rows ? rows[k]! : k]!]!++;
  return Object.fromEntries(models.map((m, j) => [m, counts[j]! / n]));
}

/**
 * Willingness-to-pay values to sweep (RouterBench's knob: argmax wtp·quality − cost). RouterBench uses a
 * fixed list spanning 1e-10…1e9 for costs in USD per token; here the grid is fitted to the data: 0 (always
 * the cheapest), then `n` log-spaced values from a tenth of the smallest gap between two models' mean
 * expected costs (per unit of quality range) up to 10^4 × the largest mean cost per unit — past which every
 * choice is by quality alone. Several cost tables (each router's own prices) give one grid spanning all of
 * them. When every model costs the same there is no gap: the grid still holds positive values (from 10⁻³ ×
 * that cost), so the sweep reaches the quality-only choice instead of collapsing to [0] (the cheapest-name
 * tie-break); when nothing costs anything, [0, 1].
 */
export function wtpGrid(expectedCost: readonly Float64Array[] | readonly (readonly Float64Array[])[], qualityRange: number, n = 64): number[] {
  const tables = (
    expectedCost.length > 0 && !(expectedCost[0] instanceof Float64Array) ? expectedCost : [expectedCost]
  ) as readonly (readonly Float64Array[])[];
  let gap = Infinity;
  let top = -Infinity;
  for (const table of tables) {
    const m = table[0]?.length ?? 0;
    if (m === 0) throw new LlmrError('wtp grid over no models', { field: 'models' });
    const means = new Float64Array(m);
    for (const row of table) for (let j = 0; j < m; j++) means[j]! += row[j]! / table.length;
    const sorted = [...means].sort((a, b) => a - b);
    for (let j = 1; j < m; j++) if (sorted[j]! - sorted[j - 1]! > 1e-12 * sorted[m - 1]!) gap = Math.min(gap, sorted[j]! - sorted[j - 1]!);
    top = Math.max(top, sorted[m - 1]!);
  }
  if (tables.length === 0) throw new LlmrError('wtp grid over no models', { field: 'models' });
  const r = qualityRange > 0 ? qualityRange : 1;
  if (!(top > 0)) return [0, 1];
  if (!Number.isFinite(gap)) gap = 1e-2 * top;
  return [0, ...logspace((0.1 * gap) / r, (1e4 * top) / r, n)];
}
