import { LlmrError } from '../errors.js';
import type { TrainingSet } from './Router.js';

/** Validate the shape of a training set for router `kind`; returns the feature dimension. */
export function checkTrainingSet(kind: string, data: TrainingSet, dim?: number): number {
  const n = data.features.length;
  if (n === 0) throw new LlmrError(`${kind} router needs at least one training row`, { field: 'data', fix: 'pass a non-empty training set' });
  if (data.models.length === 0) throw new LlmrError(`${kind} router needs at least one candidate model`, { field: 'data.models' });
  if (data.scores.length !== n) throw new LlmrError(`${data.scores.length} score rows for ${n} feature rows`, { field: 'data.scores' });
  const d = dim ?? data.features[0]!.length;
  data.features.forEach((x, i) => {
    if (x.length !== d)
      throw new LlmrError(`feature row ${i} has ${x.length} dims, expected ${d}`, {
        field: `data.features[${i}]`,
        fix: 'featurize every row with the same featurizer',
      });
  });
  data.scores.forEach((r, i) => {
    if (r.length !== data.models.length)
      throw new LlmrError(`score row ${i} has ${r.length} values for ${data.models.length} models`, { field: `data.scores[${i}]` });
  });
  return d;
}

/** A validation set must list the same models in the same order as the training set. */
export function checkValidationSet(kind: string, train: TrainingSet, validation: TrainingSet | undefined): void {
  if (!validation) return;
  checkTrainingSet(kind, validation, train.features[0]!.length);
  if (validation.models.join('\u0000') !== train.models.join('\u0000'))
    throw new LlmrError(`the validation set's models (${validation.models.join(', ')}) differ from the training set's (${train.models.join(', ')})`, {
      field: 'validation.models',
      fix: 'build both sets with the same model list',
    });
}

/** A router that learns from scores only needs at least one observed score (pairs-only data cannot train it). */
export function requireScores(kind: string, data: TrainingSet): void {
  if (!data.scores.some((r) => r.some((v) => !Number.isNaN(v))))
    throw new LlmrError(`the ${kind} router learns from scores, and the training data has none (pairs only?)`, {
      field: 'data.scores',
      fix: 'train it on a score table, or use a router that learns from pairs (mf, elo)',
    });
}
