import { z } from 'zod';

/**
 * The score scale of a training set: the range of observed scores (shared by all models, so predictions
 * stay comparable across models) and whether they are binary (0/1 correctness) or graded. Learned routers
 * work on scores mapped to [0,1] and map their outputs back, so predictions are on the data's own scale.
 */
export const ScoreScaleSchema = z.object({ lo: z.number(), hi: z.number(), binary: z.boolean(), observed: z.number().int().nonnegative() });
export type ScoreScale = z.infer<typeof ScoreScaleSchema>;

export function fitScoreScale(scores: readonly Float64Array[]): ScoreScale {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let binary = true;
  let observed = 0;
  for (const row of scores)
    for (const v of row) {
      if (Number.isNaN(v)) continue;
      observed++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (v !== 0 && v !== 1) binary = false;
    }
  if (observed === 0) return { lo: 0, hi: 1, binary: false, observed };
  // Scores already in [0,1] keep that range (a set where every model scored ≥ 0.2 is still on a 0–1 scale).
  if (lo >= 0 && hi <= 1) return { lo: 0, hi: 1, binary, observed };
  if (hi === lo) hi = lo + 1;
  return { lo, hi, binary: false, observed };
}

export function toUnit(s: ScoreScale, v: number): number {
  return (v - s.lo) / (s.hi - s.lo);
}

export function fromUnit(s: ScoreScale, u: number): number {
  return s.lo + u * (s.hi - s.lo);
}

/** Scores of rows as [0,1] targets, row-major Float32 with NaN kept for missing cells. */
export function unitTargets(s: ScoreScale, scores: readonly Float64Array[], rows: readonly number[], nModels: number): Float32Array {
  const out = new Float32Array(rows.length * nModels);
  rows.forEach((r, i) => {
    const row = scores[r]!;
    for (let j = 0; j < nModels; j++) out[i * nModels + j] = Number.isNaN(row[j]!) ? Number.NaN : toUnit(s, row[j]!);
  });
  return out;
}
