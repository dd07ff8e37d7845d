import type { Estimator, FitProgress, ModelState, Spec } from '../estimator/Estimator.js';
import type { TrainResult } from '../train/harness.js';

export type { FitProgress } from '../estimator/Estimator.js';

/**
 * Scoring half of routing: a router predicts a quality score per candidate model for each prompt's
 * features. Turning scores and prices into a decision is the policy layer's job (src/policy).
 *
 * The estimator contract (src/estimator/Estimator.ts), checked by test/routers/contract.test.ts for every
 * registry entry; `predict` before `fit` throws NotFittedError; `save()` → the spec's `load()` gives identical
 * predictions; predict on feature vectors of another dimension than fit's is an LlmrError.
 */

/** One pairwise observation over rows of a TrainingSet: y = 1 (a won), 0 (b won), 0.5 (tie). */
export interface PairObservation {
  row: number;
  a: number;
  b: number;
  y: number;
}

export interface TrainingSet {
  ids: string[];
  /** One feature vector per row (L2-normalised by the featurizers). */
  features: Float32Array[];
  /** Candidate models: the columns of `scores`. */
  models: string[];
  /** Row-major quality scores, NaN where missing. */
  scores: Float64Array[];
  /** Pairwise preferences (derived from scores or logged directly); routers trained on pairs read these. */
  pairs?: PairObservation[];
  /** Task / benchmark label per row where known. */
  tasks?: (string | undefined)[];
}

export interface FitOptions {
  seed?: number;
  validation?: TrainingSet;
  onProgress?: (p: FitProgress) => void;
}

export interface Neighbour {
  id: string;
  similarity: number;
  scores: Record<string, number | null>;
}

export interface Explanation {
  kind: string;
  neighbours?: Neighbour[];
  notes?: string[];
  [k: string]: unknown;
}

/** A router's saved state (the estimators' one ModelState). */
export type RouterState = ModelState;

export interface Router extends Estimator<TrainingSet, FitOptions> {
  /** Candidate models, in the order predict() returns them; empty before fit. */
  readonly models: readonly string[];
  /** Predicted quality per model for each feature row: result[row][modelIndex]. */
  predict(features: readonly Float32Array[]): Promise<Float64Array[]>;
  explain?(feature: Float32Array): Promise<Explanation>;
  /** Training history of the last fit (gradient-trained routers; null after load). */
  readonly lastTrain?: TrainResult | null;
  /** HNSW search breadth in use (neighbour-based routers with a graph index; null for exact search). */
  readonly ef?: number | null;
}

/** What a router kind can do; code outside the spec reads these instead of asking for a kind. */
export interface RouterCapabilities {
  /**
   * Trained by gradient descent in epochs (the TF.js harness): accepts `epochs`, `patience` and
   * `valFraction`, and reports `lastTrain` with per-epoch seconds.
   */
  gradient: boolean;
  /** Searches a vector index of the training rows at predict time (`exactBelow` picks exact vs HNSW). */
  neighbours: boolean;
  /** Has `explain(feature)`. */
  explains: boolean;
}

/** Sizes that data-size-dependent defaults are chosen from. */
export interface DataSize {
  trainRows: number;
  /** Prompts that will be scored in one batch (an evaluation's test rows); unknown for a served router. */
  queryRows?: number;
}

export interface RouterSpec extends Spec<Router> {
  /** How the router learns: from score tables, pairwise preferences (derived from scores when absent), or either. */
  trainsOn: 'scores' | 'pairs' | 'either';
  capabilities: RouterCapabilities;
  /** Defaults chosen from the data size; a user's params override them (fitRouter merges them under). */
  sizeDefaults?(size: DataSize): Record<string, unknown>;
}
