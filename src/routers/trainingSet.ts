import { LlmrError } from '../errors.js';
import type { ScoreRecord } from '../data/schemas.js';
import { modelsOf } from '../data/schemas.js';
import type { PairObservation, TrainingSet } from './Router.js';

/** Build a TrainingSet from score-table records and their feature vectors (same order). */
export function buildTrainingSet(
  records: readonly ScoreRecord[],
  features: readonly Float32Array[],
  models: readonly string[] = modelsOf(records),
): TrainingSet {
  if (records.length !== features.length) throw new LlmrError(`${records.length} records but ${features.length} feature vectors`, { field: 'features' });
  if (models.length === 0) throw new LlmrError('the training data names no models', { field: 'scores', fix: 'each record needs scores: {"<model>": number}' });
  const scores = records.map((r) =>
    Float64Array.from(models, (m) => {
      const v = r.scores[m];
      return typeof v === 'number' ? v : Number.NaN;
    }),
  );
  return {
    ids: records.map((r) => r.id),
    features: [...features],
    models: [...models],
    scores,
    tasks: records.map((r) => r.task),
    prompts: records.map((r) => r.prompt),
  };
}

/**
 * Pairwise observations derived from score rows: for every pair of models both scored on a row, y = 1 if a
 * scored higher, 0 if lower, 0.5 on a tie (ties can be dropped).
 */
export function pairsFromScores(scores: readonly Float64Array[], opts: { ties?: boolean } = {}): PairObservation[] {
  const out: PairObservation[] = [];
  const ties = opts.ties ?? true;
  scores.forEach((row, r) => {
    for (let a = 0; a < row.length; a++)
      for (let b = a + 1; b < row.length; b++) {
        const sa = row[a]!;
        const sb = row[b]!;
        if (Number.isNaN(sa) || Number.isNaN(sb)) continue;
        if (sa === sb && !ties) continue;
        out.push({ row: r, a, b, y: sa > sb ? 1 : sa < sb ? 0 : 0.5 });
      }
  });
  return out;
}

/** Take a subset of rows (pairs re-indexed). */
export function subsetTrainingSet(data: TrainingSet, rows: readonly number[]): TrainingSet {
  const map = new Map(rows.map((r, i) => [r, i]));
  return {
    ids: rows.map((r) => data.ids[r]!),
    features: rows.map((r) => data.features[r]!),
    models: data.models,
    scores: rows.map((r) => data.scores[r]!),
    tasks: data.tasks ? rows.map((r) => data.tasks![r]) : undefined,
    pairs: data.pairs?.filter((p) => map.has(p.row)).map((p) => ({ ...p, row: map.get(p.row)! })),
  };
}
