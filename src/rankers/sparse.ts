import type { SparseVec } from './Ranker.js';

/** Non-zero entries of a dense vector (indices ascending). */
export function toSparse(x: Float32Array): SparseVec {
  let nnz = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) nnz++;
  const idx = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  let k = 0;
  for (let i = 0; i < x.length; i++)
    if (x[i] !== 0) {
      idx[k] = i;
      val[k++] = x[i]!;
    }
  return { idx, val };
}

/** Dot product of two sparse vectors with ascending indices. */
export function sparseDot(a: SparseVec, b: SparseVec): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.idx.length && j < b.idx.length) {
    const ia = a.idx[i]!;
    const ib = b.idx[j]!;
    if (ia === ib) s += a.val[i++]! * b.val[j++]!;
    else if (ia < ib) i++;
    else j++;
  }
  return s;
}

/** Rows of sparse vectors as one dense row-major [rows, dim] buffer. */
export function densifyRows(vecs: readonly SparseVec[], dim: number): Float32Array {
  const buf = new Float32Array(vecs.length * dim);
  vecs.forEach((v, r) => {
    const off = r * dim;
    for (let k = 0; k < v.idx.length; k++) buf[off + v.idx[k]!] = v.val[k]!;
  });
  return buf;
}

/** Lexicographic order of two sparse vectors (indices, then values): a total order used to canonicalise pairs. */
export function compareSparse(a: SparseVec, b: SparseVec): number {
  const n = Math.min(a.idx.length, b.idx.length);
  for (let k = 0; k < n; k++) {
    if (a.idx[k] !== b.idx[k]) return a.idx[k]! - b.idx[k]!;
    if (a.val[k] !== b.val[k]) return a.val[k]! - b.val[k]!;
  }
  return a.idx.length - b.idx.length;
}
