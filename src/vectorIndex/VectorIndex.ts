/** Nearest neighbours by cosine similarity over L2-normalised vectors. */
export interface SearchHit {
  index: number;
  similarity: number;
}

/**
 * Index kinds. `exact` (dense dimension-major float32) and `hnsw` (hnswlib-node) are the formats of artifacts
 * written before the others existed and still load; `sparse` (inverted index over the non-zeros), `flat`
 * (row-major dense, SIMD brute force), `usearch` (HNSW, multi-threaded build, f32/f16/i8) are what
 * `buildIndex` builds now; `projected` wraps one of them behind a fitted projection.
 */
export type IndexKind = 'exact' | 'hnsw' | 'sparse' | 'flat' | 'usearch' | 'projected';

/** JSON an index needs to be loaded back from its files (stored in the router state). */
export interface IndexDescriptor {
  kind: IndexKind;
  dim: number;
  rows: number;
  [key: string]: unknown;
}

export interface VectorIndex {
  readonly kind: IndexKind;
  readonly size: number;
  readonly dim: number;
  /** Bytes held for the vectors and graph (what the artifact stores), when known. */
  readonly bytes?: number;
  /** Search breadth of an approximate index (HNSW ef); undefined for exact search. */
  readonly ef?: number;
  search(query: Float32Array, k: number): SearchHit[];
  /** search() for many queries; same hits, possibly computed in one batched pass. */
  searchMany(queries: readonly Float32Array[], k: number): SearchHit[][];
  /** Serialised form (one file) for the artifact. */
  serialize(): Uint8Array;
  descriptor(): IndexDescriptor;
}

export { ExactIndex } from './ExactIndex.js';
export { HnswIndex, type HnswParams } from './HnswIndex.js';
