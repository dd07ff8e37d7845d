import { l2normalize } from '../../src/featurizers/Featurizer.js';
import type { TrainingSet } from '../../src/routers/Router.js';
import { Rng } from '../../src/util/rng.js';

/**
 * A tiny routing problem with known structure: prompts come from `clusters` topics (noisy unit vectors
 * around a centre), each model has a per-topic success rate; scores are 0/1 draws (or the rate itself when
 * graded), with a fraction of cells missing (NaN).
 */
export function syntheticRouting(
  opts: { rows?: number; dim?: number; models?: number; clusters?: number; missing?: number; graded?: boolean; seed?: number } = {},
): TrainingSet & { rates: number[][]; cluster: number[] } {
  const { rows = 120, dim = 24, models = 3, clusters = 3, missing = 0.05, graded = false, seed = 1 } = opts;
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => l2normalize(Float32Array.from({ length: dim }, () => rng.normal())));
  // Model m is good on topic m % clusters, weak elsewhere; the last model is uniformly mediocre.
  const rates = Array.from({ length: clusters }, (_, c) =>
    Array.from({ length: models }, (_, m) => (m === models - 1 ? 0.6 : m % clusters === c ? 0.95 : 0.15)),
  );
  const features: Float32Array[] = [];
  const scores: Float64Array[] = [];
  const cluster: number[] = [];
  const tasks: string[] = [];
  for (let i = 0; i < rows; i++) {
    const c = i % clusters;
    cluster.push(c);
    tasks.push(`topic${c}`);
    features.push(l2normalize(Float32Array.from(centres[c]!, (v) => v + ((0.35 * rng.normal()) / Math.sqrt(dim)) * 3)));
    scores.push(Float64Array.from(rates[c]!, (p) => (rng.next() < missing ? Number.NaN : graded ? Math.round(p * 10) / 10 : rng.next() < p ? 1 : 0)));
  }
  return { ids: features.map((_, i) => `q${i}`), features, models: Array.from({ length: models }, (_, m) => `model-${m}`), scores, tasks, rates, cluster };
}
