import type { AdapterInfo } from '../../src/backend/webgpuAdapter.js';

/**
 * What the wasm ↔ WebGPU parity test compares, and how closely.
 *
 * Both sides start from identical weights (our seeded Rng, not tf's), see the same batches in the same order
 * and draw the same dropout masks (tf.randomUniform runs in JS on every backend). What differs is float32
 * arithmetic: GPU kernels reduce in a tree, XNNPACK in sequence; SwiftShader's exp/log are polynomial
 * approximations. Those last-bit differences grow over a few dozen Adam steps but stay small on a
 * well-conditioned problem, so:
 *  - validation loss: relative difference ≤ VAL_LOSS_TOLERANCE (3 %: an order of magnitude above what last-bit
 *    noise gives on these runs, an order below what a wrong kernel or a wrong read gives);
 *  - decisions (argmax model per test prompt; winner per non-tie test pair): agree on ≥ DECISION_AGREEMENT;
 *  - outputs: mean absolute difference of predicted qualities ≤ OUTPUT_TOLERANCE.
 */
export const VAL_LOSS_TOLERANCE = 0.03;
export const DECISION_AGREEMENT = 0.99;
export const OUTPUT_TOLERANCE = 0.02;

/** Small, fixed settings per router kind: SwiftShader runs GPU kernels at CPU speed. */
export const PARITY_ROUTERS: Record<string, Record<string, unknown>> = {
  knn: { k: 7 },
  mlp: { epochs: 3, batchSize: 64, lr: 2e-2, hidden: [16], patience: 0, dropout: 0.1 },
  mf: { epochs: 3, batchSize: 64, lr: 2e-2, dim: 8, patience: 0 },
  contrastive: { epochs: 3, batchSize: 64, lr: 2e-2, dim: 8, patience: 0, dropout: 0, sampleWeight: 1 },
  elo: { k: 10 },
};
export const PARITY_RANKERS = { epochs: 3, batchSize: 64, lr: 0.02, embed: 8, hidden: [8], dropout: 0.1, patience: 0, seed: 7 };

export interface KindResult {
  valLoss: number | null;
  /** Router: predicted quality per model per test prompt. Ranker: [P(a wins), P(b wins)] per test pair. */
  outputs: number[][];
  /** Indices of rows whose decision counts (rankers: non-tie pairs); all rows when absent. */
  decisive?: number[];
  roundTrip: boolean;
  leaked: number;
  seconds: number;
  /** Seconds per training epoch (gradient-trained kinds). */
  epochSeconds: number[];
}

export interface ProbeResult {
  backend: string;
  label: string;
  adapter?: AdapterInfo;
  /** Why the backend did not start (the probe then trains nothing). */
  unavailable?: string;
  kinds: Record<string, KindResult>;
}

function argmax(r: readonly number[]): number {
  let best = 0;
  for (let j = 1; j < r.length; j++) if (r[j]! > r[best]!) best = j;
  return best;
}

export interface Agreement {
  valLossRel: number | null;
  decisions: number;
  meanAbsDiff: number;
}

/** How two backends' results for one kind compare. */
export function agreement(a: KindResult, b: KindResult): Agreement {
  const rows = a.decisive ?? a.outputs.map((_, i) => i);
  const same = rows.filter((i) => argmax(a.outputs[i]!) === argmax(b.outputs[i]!)).length;
  let diff = 0;
  let n = 0;
  a.outputs.forEach((r, i) =>
    r.forEach((v, j) => {
      diff += Math.abs(v - b.outputs[i]![j]!);
      n++;
    }),
  );
  const valLossRel = a.valLoss === null || b.valLoss === null ? null : Math.abs(a.valLoss - b.valLoss) / Math.max(Math.abs(a.valLoss), 1e-9);
  return { valLossRel, decisions: rows.length ? same / rows.length : 1, meanAbsDiff: n ? diff / n : 0 };
}
