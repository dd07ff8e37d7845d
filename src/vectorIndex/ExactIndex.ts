import * as tf from '@tensorflow/tfjs';
import { range, rowsTensor } from '../tf/batch.js';
import { canReadSync } from '../tf/read.js';
import { density, topK } from './topK.js';
import type { IndexDescriptor, SearchHit, VectorIndex } from './VectorIndex.js';

/**
 * Exact search over a dimension-major matrix (row j holds feature j of every item), so a query touches only
 * its non-zero features: O(nnz(q) · n). The format of artifacts written before the sparse and flat indexes
 * existed (`index.f32`); new routers use `SparseIndex` (sparse features) or `FlatIndex` (dense ones), which
 * store a fraction of the bytes. Kept so that those artifacts load and as the reference in `bench:index`.
 */
export class ExactIndex implements VectorIndex {
  readonly kind = 'exact';
  constructor(
    readonly dim: number,
    /** dim × n, dimension-major. */
    private readonly matrix: Float32Array,
  ) {}
  static build(vectors: readonly Float32Array[], dim: number): ExactIndex {
    const n = vectors.length;
    const m = new Float32Array(n * dim);
    vectors.forEach((v, i) => {
      for (let j = 0; j < dim; j++) {
        const x = v[j]!;
        if (x !== 0) m[j * n + i] = x;
      }
    });
    return new ExactIndex(dim, m);
  }
  get size(): number {
    return this.matrix.length / this.dim;
  }
  get bytes(): number {
    return this.matrix.byteLength;
  }
  search(q: Float32Array, k: number): SearchHit[] {
    const n = this.size;
    const sims = new Float32Array(n);
    const m = this.matrix;
    for (let j = 0; j < this.dim; j++) {
      const qj = q[j]!;
      if (qj === 0) continue;
      const off = j * n;
      for (let i = 0; i < n; i++) sims[i]! += qj * m[off + i]!;
    }
    return topK(sims, Math.min(k, n));
  }
  /**
   * Many queries at once. Sparse queries (hashing n-grams: a few % non-zero) keep the per-query scan over
   * their non-zero features; dense ones (word or sentence embeddings) become one plain matMul per chunk of
   * queries against the dimension-major matrix on the TF.js backend. Both paths sum in float32; similarities
   * may differ in the last bits.
   */
  searchMany(queries: readonly Float32Array[], k: number, chunk = 256): SearchHit[][] {
    const n = this.size;
    // searchMany is synchronous: on a backend without synchronous reads (WebGPU under Node) it scans in JS.
    if (queries.length < DENSE_MIN_QUERIES || n === 0 || !canReadSync() || density(queries) < DENSE_MIN_DENSITY) return queries.map((q) => this.search(q, k));
    const kk = Math.min(k, n);
    const db = tf.tensor2d(this.matrix, [this.dim, n]);
    const out: SearchHit[][] = [];
    try {
      for (let i = 0; i < queries.length; i += chunk) {
        const rows = range(Math.min(chunk, queries.length - i)).map((r) => r + i);
        const sims = tf.tidy(() => tf.matMul(rowsTensor(queries, rows, this.dim), db).dataSync() as Float32Array);
        rows.forEach((_, q) => out.push(topK(sims.subarray(q * n, (q + 1) * n), kk)));
      }
    } finally {
      db.dispose();
    }
    return out;
  }
  serialize(): Uint8Array {
    return new Uint8Array(this.matrix.buffer, this.matrix.byteOffset, this.matrix.byteLength);
  }
  descriptor(): IndexDescriptor {
    return { kind: 'exact', dim: this.dim, rows: this.size };
  }
  static deserialize(bytes: Uint8Array, dim: number): ExactIndex {
    const copy = new Uint8Array(bytes);
    return new ExactIndex(dim, new Float32Array(copy.buffer, 0, copy.byteLength / 4));
  }
}

/** Batches smaller than this, or sparser than DENSE_MIN_DENSITY, use the per-query scan. */
const DENSE_MIN_QUERIES = 16;
const DENSE_MIN_DENSITY = 0.25;
