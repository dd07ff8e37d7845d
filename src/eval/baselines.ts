import { Rng } from '../util/rng.js';
import type { EvalTable } from './evalTable.js';

/**
 * Reference points every evaluation shows next to the trained routers.
 */

export interface OracleResult {
  /** Chosen model index per row; −1 where no model scores above 0 (no call is counted). */
  choice: Int32Array;
  quality: number;
  cost: number;
  share: Record<string, number>;
}

/**
 * The oracle: per prompt, the cheapest model among those with the best score (for 0/1 scores: the
 * cheapest correct model). Where no model scores above 0 the oracle makes no call and costs 0 — RouterBench's
 * `no_model_correct` convention (evaluate_routers.py sets oracle|total_cost to 0.0 there).
 */
export function oracle(t: EvalTable, rows?: ArrayLike<number>): OracleResult {
  const n = t.ids.length;
  const m = t.models.length;
  const choice = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const q = t.quality[i]!;
    const c = t.cost[i]!;
    let best = -1;
    for (let j = 0; j < m; j++) {
      if (best < 0 || q[j]! > q[best]! + 1e-12 || (Math.abs(q[j]! - q[best]!) <= 1e-12 && c[j]! < c[best]!)) best = j;
    }
    choice[i] = q[best]! > 0 ? best : -1;
  }
  const r = rows ?? Int32Array.from({ length: n }, (_, i) => i);
  let qs = 0;
  let cs = 0;
  const counts = new Float64Array(m);
  for (let k = 0; k < r.length; k++) {
    const i = r[k]!;
    const j = choice[i]!;
    if (j < 0) continue;
    qs += t.quality[i]![j]!;
    cs += t.cost[i]![j]!;
    counts[j]!++;
  }
  return { choice, quality: qs / r.length, cost: cs / r.length, share: Object.fromEntries(t.models.map((mm, j) => [mm, counts[j]! / r.length])) };
}

/**
 * A random router's predicted scores: independent uniform [0, 1) per prompt and model, seeded. Swept with
 * the same knobs as a trained router (for a strong/weak pair it is RouteLLM's random router, APGR ≈ 0.5).
 */
export function randomPredictions(rows: number, models: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => Float64Array.from({ length: models }, () => rng.next()));
}
