import type { SearchHit } from './VectorIndex.js';

/** Partial selection of the k largest similarities (k ≪ n), ties broken by lower index, best first. */
export function topK(sims: ArrayLike<number>, k: number, offset = 0, length = sims.length - offset): SearchHit[] {
  const hits: SearchHit[] = [];
  if (k <= 0) return hits;
  let minPos = -1;
  for (let i = 0; i < length; i++) {
    const s = sims[offset + i]!;
    if (hits.length < k) {
      hits.push({ index: i, similarity: s });
      if (hits.length === k) minPos = argMin(hits);
    } else if (s > hits[minPos]!.similarity) {
      hits[minPos] = { index: i, similarity: s };
      minPos = argMin(hits);
    }
  }
  return sortHits(hits);
}

/** Best first; equal similarities: lower index first (the order every index in this folder returns). */
export function sortHits(hits: SearchHit[]): SearchHit[] {
  return hits.sort((a, b) => b.similarity - a.similarity || a.index - b.index);
}

function argMin(h: SearchHit[]): number {
  let p = 0;
  for (let i = 1; i < h.length; i++) if (h[i]!.similarity < h[p]!.similarity || (h[i]!.similarity === h[p]!.similarity && h[i]!.index > h[p]!.index)) p = i;
  return p;
}

/** Share of non-zero entries over a batch of vectors. */
export function density(vs: readonly Float32Array[]): number {
  let nz = 0;
  let total = 0;
  for (const v of vs) {
    total += v.length;
    for (let j = 0; j < v.length; j++) if (v[j] !== 0) nz++;
  }
  return total === 0 ? 0 : nz / total;
}
