/**
 * The one estimator contract under routers and rankers (scikit-learn style), checked for every registry entry
 * by test/routers/contract.test.ts and test/rankers/contract.test.ts:
 * - hyper-parameters go to the constructor (the spec's `create(params)`), validated there with zod
 *   (`parseParams`); `params` is never changed by `fit`;
 * - `fit(data)` learns from data and returns `this`; fitting again on the same data with the same seed gives
 *   the same model;
 * - using a model before `fit` throws NotFittedError;
 * - `save()` → the spec's `load()` gives identical outputs; a malformed state is an LlmrError naming the field.
 *
 * Everything kind-specific lives on the kind's `Spec` (see Registry): what it trains on, its capabilities, the
 * settings that make a tiny fit learn, data-size-dependent defaults. Nothing outside a spec asks `kind === …`.
 */

/** Per-epoch (or per-stage) progress of a fit. */
export interface FitProgress {
  epoch: number;
  epochs: number;
  loss?: number;
  valLoss?: number;
  metric?: number;
  message?: string;
}

/** A fitted model's learned state: JSON plus binary files stored next to manifest.json with a sha256 each. */
export interface ModelState {
  /** JSON-serialisable learned state. */
  state: Record<string, unknown>;
  /** Binary files (weights, index). */
  files: Record<string, Uint8Array>;
}

export interface Estimator<TData, TFitOptions = undefined> {
  readonly kind: string;
  /** Validated hyper-parameters (defaults filled in); unchanged by fit. */
  readonly params: Record<string, unknown>;
  fit(data: TData, opts?: TFitOptions): Promise<this>;
  save(): Promise<ModelState>;
  /** Release tensors / native memory. */
  dispose?(): void;
}

/** One registry entry: how to make, restore and describe one estimator kind. */
export interface Spec<T> {
  readonly kind: string;
  readonly description: string;
  /**
   * Hyper-parameters that make a fit on a tiny data set (a hundred rows) learn in well under a second: the
   * contract suites use them, so a new kind is tested with no edit to the tests.
   */
  readonly fastParams: Readonly<Record<string, unknown>>;
  create(params?: Record<string, unknown>): T;
  /** Restore from saved params and state; `models` are the candidate models of the artifact (routers). */
  load(params: Record<string, unknown>, state: ModelState, models: readonly string[]): Promise<T>;
}
