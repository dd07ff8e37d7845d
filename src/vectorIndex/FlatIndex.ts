import { LlmrError } from '../errors.js';
import { sortHits, topK } from './topK.js';
import { defaultThreads, ownBuffer, usearchModule } from './usearchModule.js';
import type { IndexDescriptor, SearchHit, VectorIndex } from './VectorIndex.js';

export interface FlatSearchOptions {
  /** Native threads for batched search (default: every core); single queries run on the calling thread. */
  threads?: number;
  /** Force the pure-JS scan (also used when the usearch native module cannot load). */
  js?: boolean;
}

/**
 * Exact cosine search over dense L2-normalised vectors stored row-major in float32: a brute-force scan with
 * usearch's SIMD inner product (AVX2/AVX-512 picked at run time, multi-threaded for batches), falling back
 * to a 4-way unrolled JS dot product when the native module is unavailable. For word and sentence
 * embeddings; sparse hashing features belong in `SparseIndex`.
 */
export class FlatIndex implements VectorIndex {
  readonly kind = 'flat';
  private constructor(
    readonly dim: number,
    readonly size: number,
    /** n × dim, row-major. */
    private readonly matrix: Float32Array,
    private readonly opts: FlatSearchOptions = {},
  ) {}

  get bytes(): number {
    return this.matrix.byteLength;
  }

  static build(vectors: readonly Float32Array[], dim: number, opts: FlatSearchOptions = {}): FlatIndex {
    const m = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => {
      if (v.length !== dim)
        throw new LlmrError(`vector ${i} has ${v.length} dims, expected ${dim}`, { field: `vectors[${i}]`, fix: 'use one featurizer for every row' });
      m.set(v, i * dim);
    });
    return new FlatIndex(dim, vectors.length, m, opts);
  }

  /** Row i (a view, not a copy). */
  row(i: number): Float32Array {
    return this.matrix.subarray(i * this.dim, (i + 1) * this.dim);
  }

  search(q: Float32Array, k: number): SearchHit[] {
    return this.searchFlat(q, 1, k, 1)[0]!;
  }

  searchMany(queries: readonly Float32Array[], k: number, chunk = 256): SearchHit[][] {
    const out: SearchHit[][] = [];
    for (let c = 0; c < queries.length; c += chunk) {
      const qs = queries.slice(c, c + chunk);
      const flat = new Float32Array(qs.length * this.dim);
      qs.forEach((q, i) => flat.set(q, i * this.dim));
      out.push(...this.searchFlat(flat, qs.length, k, this.opts.threads ?? defaultThreads()));
    }
    return out;
  }

  private searchFlat(queries: Float32Array, nq: number, k: number, threads: number): SearchHit[][] {
    const kk = Math.min(k, this.size);
    if (kk === 0) return Array.from({ length: nq }, () => []);
    const us = this.opts.js ? null : usearchModule();
    if (!us) return Array.from({ length: nq }, (_, i) => this.scanJs(queries.subarray(i * this.dim, (i + 1) * this.dim), kk));
    const r = us.exactSearch(ownBuffer(this.matrix), ownBuffer(queries), this.dim, kk, us.MetricKind.IP, threads);
    const keys = r.keys;
    const dist = r.distances;
    return Array.from({ length: nq }, (_, i) => {
      const hits: SearchHit[] = [];
      for (let t = i * kk; t < (i + 1) * kk; t++) hits.push({ index: Number(keys[t]!), similarity: 1 - dist[t]! });
      return sortHits(hits);
    });
  }

  private scanJs(q: Float32Array, k: number): SearchHit[] {
    const { dim, matrix: m } = this;
    const sims = new Float32Array(this.size);
    const d4 = dim - (dim % 4);
    for (let i = 0, o = 0; i < this.size; i++, o += dim) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < d4; j += 4) {
        s0 += q[j]! * m[o + j]!;
        s1 += q[j + 1]! * m[o + j + 1]!;
        s2 += q[j + 2]! * m[o + j + 2]!;
        s3 += q[j + 3]! * m[o + j + 3]!;
      }
      for (let j = d4; j < dim; j++) s0 += q[j]! * m[o + j]!;
      sims[i] = s0 + s1 + s2 + s3;
    }
    return topK(sims, k);
  }

  serialize(): Uint8Array {
    return new Uint8Array(this.matrix.buffer, this.matrix.byteOffset, this.matrix.byteLength);
  }

  descriptor(): IndexDescriptor {
    return { kind: 'flat', dim: this.dim, rows: this.size };
  }

  /** A view into `bytes` when it starts its buffer (no copy; what the native scan needs), else one copy. */
  static deserialize(bytes: Uint8Array, dim: number, opts: FlatSearchOptions = {}): FlatIndex {
    if (bytes.byteLength % (4 * dim) !== 0)
      throw new LlmrError(`flat index file has ${bytes.byteLength} bytes, not a multiple of ${dim} float32s`, {
        field: 'index.flat',
        fix: 're-train or re-save the artifact',
      });
    const b = bytes.byteOffset === 0 ? bytes : new Uint8Array(bytes);
    const m = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    return new FlatIndex(dim, m.length / dim, m, opts);
  }
}
