import { LlmrError } from '../errors.js';
import { Rng } from '../util/rng.js';

export interface KMeansResult {
  /** Cluster per row. */
  assignments: Int32Array;
  /** k unit-norm centroids, row-major [k × dim]. */
  centroids: Float32Array;
  k: number;
  iterations: number;
}

function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[aOff + i]! * b[bOff + i]!;
  return s;
}

/**
 * Seeded spherical k-means (cosine similarity, unit-norm centroids) with k-means++ initialisation. For the
 * L2-normalised feature vectors of the featurizers. Deterministic for a given seed.
 */
export function kmeans(vectors: readonly Float32Array[], k: number, opts: { seed?: number; maxIter?: number } = {}): KMeansResult {
  const n = vectors.length;
  if (n === 0) throw new LlmrError('k-means needs at least one vector', { field: 'data' });
  const kk = Math.max(1, Math.min(k, n));
  const d = vectors[0]!.length;
  const rng = new Rng(opts.seed ?? 0);
  const maxIter = opts.maxIter ?? 50;
  const x = new Float32Array(n * d);
  vectors.forEach((v, i) => x.set(v, i * d));
  const c = new Float32Array(kk * d);
  // k-means++: next centre drawn with probability ∝ squared distance (2 − 2cos for unit vectors).
  const first = rng.int(n);
  c.set(x.subarray(first * d, (first + 1) * d), 0);
  const dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  for (let j = 1; j < kk; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const di = Math.max(0, 2 - 2 * dot(x, i * d, c, (j - 1) * d, d));
      if (di < dist[i]!) dist[i] = di;
      total += dist[i]!;
    }
    let pick = rng.next() * total;
    let chosen = n - 1;
    for (let i = 0; i < n; i++) {
      pick -= dist[i]!;
      if (pick <= 0) {
        chosen = i;
        break;
      }
    }
    c.set(x.subarray(chosen * d, (chosen + 1) * d), j * d);
  }
  const assign = new Int32Array(n).fill(-1);
  let it = 0;
  for (; it < maxIter; it++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestSim = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < kk; j++) {
        const s = dot(x, i * d, c, j * d, d);
        if (s > bestSim) {
          bestSim = s;
          best = j;
        }
      }
      if (assign[i] !== best) {
        assign[i] = best;
        changed++;
      }
    }
    if (changed === 0) break;
    c.fill(0);
    const counts = new Int32Array(kk);
    for (let i = 0; i < n; i++) {
      const j = assign[i]!;
      counts[j]!++;
      for (let t = 0; t < d; t++) c[j * d + t]! += x[i * d + t]!;
    }
    for (let j = 0; j < kk; j++) {
      if (counts[j] === 0) {
        // Empty cluster: re-seed it with a random row.
        const r = rng.int(n);
        c.set(x.subarray(r * d, (r + 1) * d), j * d);
        continue;
      }
      let norm = 0;
      for (let t = 0; t < d; t++) norm += c[j * d + t]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let t = 0; t < d; t++) c[j * d + t]! /= norm;
    }
  }
  return { assignments: assign, centroids: c, k: kk, iterations: it };
}
