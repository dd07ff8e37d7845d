import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { sortHits } from './topK.js';
import type { IndexDescriptor, SearchHit, VectorIndex } from './VectorIndex.js';

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
}

/**
 * Approximate search with hnswlib-node (HNSW graph, cosine space, single-threaded build). The index of
 * artifacts written before `UsearchIndex` (`index.hnsw`): they keep loading through this class, and
 * `bench:index` measures it as the reference. New indexes are built with `UsearchIndex`.
 */
export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw';
  private efSearch: number;
  private constructor(
    private readonly index: InstanceType<typeof hnswlib.HierarchicalNSW>,
    readonly dim: number,
    private readonly count: number,
    ef: number,
  ) {
    this.efSearch = ef;
  }
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
  /** Search breadth in use (set at build, restored at load, changed by setEf). */
  get ef(): number {
    return this.efSearch;
  }
  setEf(ef: number): void {
    this.efSearch = ef;
    this.index.setEf(ef);
  }
  search(q: Float32Array, k: number): SearchHit[] {
    const kk = Math.min(k, this.count);
    if (kk === 0) return [];
    const r = this.index.searchKnn(Array.from(q), kk);
    return sortHits(r.neighbors.map((index, i) => ({ index, similarity: 1 - r.distances[i]! })));
  }
  searchMany(queries: readonly Float32Array[], k: number): SearchHit[][] {
    return queries.map((q) => this.search(q, k));
  }
  /** hnswlib-node writes only to files: a temp-file round trip (the legacy format; new indexes avoid it). */
  serialize(): Uint8Array {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-hnsw-'));
    try {
      const f = join(dir, 'index.hnsw');
      this.index.writeIndexSync(f);
      return readFileSync(f);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  descriptor(): IndexDescriptor {
    return { kind: 'hnsw', dim: this.dim, rows: this.count, ef: this.efSearch };
  }
  /** Straight from an index file (e.g. the artifact's own `index.hnsw`): no copy through a temp file. */
  static loadFile(path: string, dim: number, count: number, efSearch: number): HnswIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    index.readIndexSync(path);
    index.setEf(efSearch);
    return new HnswIndex(index, dim, count, efSearch);
  }
  static deserialize(bytes: Uint8Array, dim: number, count: number, efSearch: number): HnswIndex {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-hnsw-'));
    try {
      const f = join(dir, 'index.hnsw');
      writeFileSync(f, bytes);
      return HnswIndex.loadFile(f, dim, count, efSearch);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
