/**
 * Scoring half of routing: a router predicts a quality score per candidate model for each prompt's
 * features. Turning scores and prices into a decision is the policy layer's job (src/policy).
 *
 * Estimator contract (scikit-learn style), checked by test/routers/contract.test.ts for every registry entry:
 * - hyper-parameters go to the constructor (the registry's `create(params)`), validated there;
 * - `fit(data)` learns from a TrainingSet and returns `this`;
 * - `predict` before `fit` throws NotFittedError;
 * - `save()` → registry `load()` gives identical predictions.
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
  /** The training prompts (routers that can keep them for explanations read these). */
  prompts?: string[];
}

export interface FitProgress {
  epoch: number;
  epochs: number;
  loss?: number;
  valLoss?: number;
  metric?: number;
  message?: string;
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
  /** The neighbour's training prompt (truncated), where the artifact keeps prompts. */
  prompt?: string;
}

export interface Explanation {
  kind: string;
  neighbours?: Neighbour[];
  notes?: string[];
  [k: string]: unknown;
}

export interface RouterState {
  /** JSON-serialisable learned state. */
  state: Record<string, unknown>;
  /** Binary files (weights, index), stored next to manifest.json with a sha256 each. */
  files: Record<string, Uint8Array>;
}

export interface Router {
  readonly kind: string;
  readonly params: Record<string, unknown>;
  /** Candidate models, in the order predict() returns them; empty before fit. */
  readonly models: readonly string[];
  fit(data: TrainingSet, opts?: FitOptions): Promise<this>;
  /** Predicted quality per model for each feature row: result[row][modelIndex]. */
  predict(features: readonly Float32Array[]): Promise<Float64Array[]>;
  explain?(feature: Float32Array): Promise<Explanation>;
  save(): Promise<RouterState>;
  /** Release tensors / native memory. */
  dispose?(): void;
}

export interface RouterSpec {
  kind: string;
  description: string;
  /** How the router learns: from score tables, pairwise preferences, or either. */
  trainsOn: 'scores' | 'pairs' | 'either';
  create(params?: Record<string, unknown>): Router;
  load(params: Record<string, unknown>, state: RouterState, models: string[]): Promise<Router>;
}
