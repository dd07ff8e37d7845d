import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import hnswlib from 'hnswlib-node';
import { range, rowsTensor } from '../tf/batch.js';

/** Nearest neighbours by cosine similarity over L2-normalised vectors. */
export interface SearchHit {
  index: number;
  similarity: number;
}

export interface VectorIndex {
  readonly kind: 'exact' | 'hnsw';
  readonly size: number;
  /** Search breadth of an approximate index (HNSW ef); undefined for exact search. */
  readonly ef?: number;
  search(query: Float32Array, k: number): SearchHit[];
  /** search() for many queries; same hits, possibly computed in one batched pass. */
  searchMany(queries: readonly Float32Array[], k: number): SearchHit[][];
  /** Serialised form for the artifact. */
  serialize(): Uint8Array;
}

/**
 * Exact search over a dimension-major matrix (row j holds feature j of every item), so a query touches only
 * its non-zero features: O(nnz(q) · n). Hashing features are sparse (a few hundred non-zeros in thousands of
 * dims), dense embeddings cost the same as a plain scan.
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
   * queries against the dimension-major matrix on the TF.js backend (XNNPACK on wasm: tens of times faster
   * than a scalar JS loop). Both paths sum in float32; similarities may differ in the last bits.
   */
  searchMany(queries: readonly Float32Array[], k: number, chunk = 256): SearchHit[][] {
    const n = this.size;
    if (queries.length < DENSE_MIN_QUERIES || n === 0 || density(queries) < DENSE_MIN_DENSITY) return queries.map((q) => this.search(q, k));
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
  static deserialize(bytes: Uint8Array, dim: number): ExactIndex {
    const copy = new Uint8Array(bytes);
    return new ExactIndex(dim, new Float32Array(copy.buffer, 0, copy.byteLength / 4));
  }
}

/** Batches smaller than this, or sparser than DENSE_MIN_DENSITY, use the per-query scan. */
const DENSE_MIN_QUERIES = 16;
const DENSE_MIN_DENSITY = 0.25;

/** Share of non-zero entries over a batch of vectors. */
function density(vs: readonly Float32Array[]): number {
  let nz = 0;
  let total = 0;
  for (const v of vs) {
    total += v.length;
    for (let j = 0; j < v.length; j++) if (v[j] !== 0) nz++;
  }
  return total === 0 ? 0 : nz / total;
}

/** Partial selection of the k largest similarities (k ≪ n), ties broken by lower index. */
function topK(sims: Float32Array, k: number): SearchHit[] {
  const hits: SearchHit[] = [];
  let minPos = -1;
  for (let i = 0; i < sims.length; i++) {
    const s = sims[i]!;
    if (hits.length < k) {
      hits.push({ index: i, similarity: s });
      if (hits.length === k) minPos = argMin(hits);
    } else if (s > hits[minPos]!.similarity) {
      hits[minPos] = { index: i, similarity: s };
      minPos = argMin(hits);
    }
  }
  return hits.sort((a, b) => b.similarity - a.similarity || a.index - b.index);
}

function argMin(h: SearchHit[]): number {
  let p = 0;
  for (let i = 1; i < h.length; i++) if (h[i]!.similarity < h[p]!.similarity || (h[i]!.similarity === h[p]!.similarity && h[i]!.index > h[p]!.index)) p = i;
  return p;
}

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
}

/** Approximate search with hnswlib-node (HNSW graph, cosine space). */
export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw';
  private constructor(
    private readonly index: InstanceType<typeof hnswlib.HierarchicalNSW>,
    readonly dim: number,
    private readonly count: number,
    private efSearch: number,
  ) {}
  static build(vectors: readonly Float32Array[], dim: number, p: HnswParams, onProgress?: (done: number) => void): HnswIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    index.initIndex({ maxElements: Math.max(1, vectors.length), m: p.m, efConstruction: p.efConstruction, randomSeed: p.seed });
    vectors.forEach((v, i) => {
      index.addPoint(Array.from(v), i);
      if (onProgress && i % 1000 === 999) onProgress(i + 1);
    });
    index.setEf(p.efSearch);
    return new HnswIndex(index, dim, vectors.length, p.efSearch);
  }
  get size(): number {
    return this.count;
  }
  /** Search breadth in use (set at build, restored at deserialize, changed by setEf). */
  get ef(): number {
    return this.efSearch;
  }
  setEf(ef: number): void {
    this.index.setEf(ef);
    this.efSearch = ef;
  }
  search(q: Float32Array, k: number): SearchHit[] {
    const kk = Math.min(k, this.count);
    if (kk === 0) return [];
    const r = this.index.searchKnn(Array.from(q), kk);
    return r.neighbors.map((index, i) => ({ index, similarity: 1 - r.distances[i]! })).sort((a, b) => b.similarity - a.similarity || a.index - b.index);
  }
  searchMany(queries: readonly Float32Array[], k: number): SearchHit[][] {
    return queries.map((q) => this.search(q, k));
  }
  serialize(): Uint8Array {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-hnsw-'));
    try {
      const f = join(dir, 'index.bin');
      this.index.writeIndexSync(f);
      return readFileSync(f);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  static deserialize(bytes: Uint8Array, dim: number, count: number, efSearch: number): HnswIndex {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-hnsw-'));
    try {
      const f = join(dir, 'index.bin');
      writeFileSync(f, bytes);
      const index = new hnswlib.HierarchicalNSW('cosine', dim);
      index.readIndexSync(f);
      index.setEf(efSearch);
      return new HnswIndex(index, dim, count, efSearch);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
