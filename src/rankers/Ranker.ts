import type { Estimator, FitProgress, ModelState, Spec } from '../estimator/Estimator.js';

/**
 * Ranking responses after inference ("ensemble after inference", LLM-Blender style): given one prompt and
 * several candidate responses, a ranker says which response is better. Two families share one contract:
 * - pairwise rankers estimate P(A better than B) from both responses at once (PairRanker);
 * - reward models give each response a scalar reward r(prompt, response) (Bradley–Terry); P(A > B) = σ(r_A − r_B).
 *
 * The estimator contract (src/estimator/Estimator.ts, as routers), checked by test/rankers/contract.test.ts for
 * every registry entry; `compare`/`reward` before `fit` throw NotFittedError; `save()` → the spec's `load()`
 * gives identical outputs.
 *
 * Rankers work on featurized text: the RankerPipeline (src/rankers/RankerPipeline.ts) turns prompt and
 * response strings into a RankFeatures table with the featurizer and the cheap text features.
 */

/** A sparse feature vector: sorted bucket indices and their values (hashing features are mostly zero). */
export interface SparseVec {
  idx: Int32Array;
  val: Float32Array;
}

/** One candidate response to one prompt, featurized. */
export interface RankItem {
  /** Index into RankFeatures.prompts. */
  prompt: number;
  /** Featurized response text. */
  x: SparseVec;
  /** Cheap hand-made features of (prompt, response) in TEXT_FEATURE_NAMES order (raw, not standardised). */
  extra: Float32Array;
  /** The model that wrote the response, when known. */
  model?: string;
}

/** Featurized prompts and the responses to them. */
export interface RankFeatures {
  /** Featurizer output dimension. */
  dim: number;
  prompts: SparseVec[];
  items: RankItem[];
}

/** One preference between two items of the same prompt: y = 1 (a better), 0 (b better), 0.5 (tie). */
export interface RankPair {
  a: number;
  b: number;
  y: number;
}

export interface RankTrainingSet extends RankFeatures {
  pairs: RankPair[];
}

/** Per-epoch progress of a ranker fit, the routers' shape; `metric` is validation pairwise accuracy on non-tie pairs. */
export type RankFitProgress = FitProgress;

export interface RankFitOptions {
  /** Held-out pairs for early stopping (same featurizer); otherwise the harness holds out whole prompts. */
  validation?: RankTrainingSet;
  onProgress?: (p: RankFitProgress) => void;
}

/** A ranker's saved state (the estimators' one ModelState). */
export type RankerState = ModelState;

/** How a ranker scores: both responses jointly, or one scalar reward per response. */
export type RankerScoring = 'pairwise' | 'reward';

export interface Ranker extends Estimator<RankTrainingSet, RankFitOptions> {
  readonly scoring: RankerScoring;
  /**
   * P(item a better than item b) for each pair (both items of the same prompt). Antisymmetric by
   * construction: compare([[b, a]]) is exactly 1 − compare([[a, b]]).
   */
  compare(data: RankFeatures, pairs: readonly (readonly [number, number])[]): Promise<Float64Array>;
  /** Scalar reward per item; reward models only (pairwise rankers throw an LlmrError). */
  reward(data: RankFeatures, items: readonly number[]): Promise<Float64Array>;
  /** Release tensors. */
  dispose(): void;
}

export interface RankerSpec extends Spec<Ranker> {
  scoring: RankerScoring;
}

/**
 * σ(d) computed so that sigmoidSym(−d) === 1 − sigmoidSym(d) holds exactly in floating point: the
 * negative half is defined as 1 − σ(|d|). The rankers' antisymmetry rests on this and on d(b,a) = −d(a,b).
 */
export function sigmoidSym(d: number): number {
  if (d >= 0) return 1 / (1 + Math.exp(-d));
  return 1 - 1 / (1 + Math.exp(d));
}
