import * as tf from '@tensorflow/tfjs';
import type { SearchHit } from '../vectorIndex/VectorIndex.js';
import { rowsTensor } from './batch.js';
import { readTidy } from './read.js';

/**
 * Exact top-k cosine neighbours of many stored rows among all stored rows (each row's own index left out),
 * as one plain matMul per chunk of queries on the TF.js backend: for fit-time passes such as leave-one-out
 * calibration, where a per-query scan in JS would cost rows × n × dim scalar operations. Vectors are
 * L2-normalised, so the dot product is the cosine. Ties break towards the lower index (as ExactIndex).
 */
export async function leaveOneOutNeighbours(vectors: readonly Float32Array[], queryRows: readonly number[], k: number, chunk = 128): Promise<SearchHit[][]> {
  const n = vectors.length;
  if (n === 0 || queryRows.length === 0) return queryRows.map(() => []);
  const dim = vectors[0]!.length;
  const dbT = tf.tidy(() => tf.transpose(rowsTensor(vectors, [...Array(n).keys()], dim)) as tf.Tensor2D);
  const out: SearchHit[][] = [];
  try {
    for (let i = 0; i < queryRows.length; i += chunk) {
      const rows = queryRows.slice(i, i + chunk);
      const sims = await readTidy(() => tf.matMul(rowsTensor(vectors, rows, dim), dbT));
      rows.forEach((self, q) => out.push(topKExcept(sims.subarray(q * n, (q + 1) * n), k, self)));
    }
  } finally {
    dbT.dispose();
  }
  return out;
}

/** The k largest entries except index `skip`, best first (ties: lower index first). */
export function topKExcept(sims: ArrayLike<number>, k: number, skip: number): SearchHit[] {
  const best: SearchHit[] = [];
  for (let i = 0; i < sims.length; i++) {
    if (i === skip) continue;
    const s = sims[i]!;
    if (best.length === k && !(s > best[k - 1]!.similarity)) continue;
    let pos = best.length;
    while (pos > 0 && best[pos - 1]!.similarity < s) pos--;
    best.splice(pos, 0, { index: i, similarity: s });
    if (best.length > k) best.pop();
  }
  return best;
}
