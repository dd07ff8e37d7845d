import type { z } from 'zod';
import { LlmrError } from '../errors.js';

/**
 * A featurizer turns prompts into fixed-length vectors. Contract:
 * - hyper-parameters go to the constructor (via the registry's `create(config)`);
 * - `fit(texts)` learns corpus state (e.g. IDF) and returns `this`; featurizers without state fit trivially;
 * - `transform` before a required `fit` throws NotFittedError;
 * - `save()` returns JSON config + binary files; the registry's `load(state)` restores an identical featurizer.
 * Output vectors are L2-normalised unless the featurizer says otherwise.
 */
export interface FeaturizerState {
  kind: string;
  config: Record<string, unknown>;
  files: Record<string, Uint8Array>;
}

export interface Featurizer {
  readonly kind: string;
  /** Output dimension (known after construction or after fit/load for model-backed featurizers). */
  readonly dim: number;
  /** Hyper-parameters, JSON-serialisable. */
  readonly config: Record<string, unknown>;
  /**
   * Stable identity of the configuration and fitted state: equal ids produce equal vectors. Used as the
   * embedding-cache key prefix.
   */
  id(): string;
  fit(texts: readonly string[]): Promise<this>;
  transform(texts: readonly string[]): Promise<Float32Array[]>;
  save(): Promise<FeaturizerState>;
}

export interface FeaturizerAvailability {
  ok: boolean;
  /** Why not, and what to do, when ok is false. */
  reason?: string;
  /** Usable, but only after a download (a model from the hub): not ready offline. */
  needsDownload?: boolean;
}

export interface FeaturizerSpec {
  kind: string;
  description: string;
  create(config?: Record<string, unknown>): Featurizer;
  load(state: FeaturizerState): Promise<Featurizer>;
  available(): Promise<FeaturizerAvailability>;
  /** Runs a model per prompt (word vectors, a transformer): worth the persistent embedding cache. */
  modelBacked?: boolean;
}

/** L2-normalise in place; a zero vector stays zero. */
export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

/**
 * Validate a featurizer's config (or its runtime part) with a zod schema; the first problem becomes an
 * LlmrError naming `featurizer.<path>` and the fix.
 */
export function parseFeaturizerConfig<S extends z.ZodType>(kind: string, schema: S, raw: unknown, fix: string): z.infer<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new LlmrError(`invalid ${kind} featurizer config: ${issue.message}`, { field: `featurizer.${issue.path.join('.')}`, fix });
}
