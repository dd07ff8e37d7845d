import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { buildIndex, indexFileName, loadIndex, type BuildIndexOptions } from './buildIndex.js';
import { ExactIndex } from './ExactIndex.js';
import { HnswIndex } from './HnswIndex.js';
import type { IndexDescriptor, IndexKind, VectorIndex } from './VectorIndex.js';

/**
 * The index hyper-parameters the neighbour routers (knn, elo) share, spread into their zod schemas. Old
 * artifacts carry `exactBelow: 10000`: it still parses, and where it is set it keeps the old fixed rule.
 */
export const RouterIndexParams = {
  /** 'auto': exact or HNSW by estimated cost (src/vectorIndex/buildIndex.ts, no row threshold); or force one. */
  search: z.enum(['auto', 'exact', 'approximate']).default('auto'),
  /** Legacy fixed threshold: when set, exact below this many rows and HNSW above (overrides `search`). */
  exactBelow: z.number().int().min(0).optional(),
  /** HNSW graph degree. */
  m: z.number().int().min(2).max(128).default(16),
  efConstruction: z.number().int().min(8).default(200),
  /** HNSW search breadth (≥ k for good recall). */
  ef: z.number().int().min(1).default(100),
  /** How HNSW stores vectors: f32, f16 (half the bytes, same recall here) or i8. */
  quantization: z.enum(['f32', 'f16', 'i8']).default('f16'),
  /** Values of the sparse exact index (hashing features): f32 (bit-identical similarities) or f16. */
  sparseValues: z.enum(['f32', 'f16']).default('f32'),
};

export interface RouterIndexConfig {
  search: 'auto' | 'exact' | 'approximate';
  exactBelow?: number;
  m: number;
  efConstruction: number;
  ef: number;
  quantization: 'f32' | 'f16' | 'i8';
  sparseValues: 'f32' | 'f16';
}

/** Exact kinds answer with the true neighbours (elo's leave-one-out pass may then use a batched matMul). */
export function isExactKind(kind: IndexKind): boolean {
  return kind === 'exact' || kind === 'sparse' || kind === 'flat';
}

/** Build a router's neighbour index; `efFloor` (k, or k + 1) raises ef so a search can return k hits. */
export function buildRouterIndex(
  features: readonly Float32Array[],
  p: RouterIndexConfig,
  efFloor: number,
  onProgress?: BuildIndexOptions['onProgress'],
): VectorIndex {
  const n = features.length;
  const search = p.exactBelow !== undefined ? (n < p.exactBelow ? 'exact' : 'approximate') : p.search;
  return buildIndex(features, {
    search,
    m: p.m,
    efConstruction: p.efConstruction,
    ef: Math.max(p.ef, efFloor),
    quantization: p.quantization,
    sparseValues: p.sparseValues,
    onProgress,
  }).index;
}

/** State fields + file of an index, for a router's save(). */
export function saveRouterIndex(index: VectorIndex): { kind: IndexKind; descriptor: IndexDescriptor; file: string; bytes: Uint8Array } {
  return { kind: index.kind, descriptor: index.descriptor(), file: indexFileName(index.kind), bytes: index.serialize() };
}

/**
 * Load a router's index. New states carry a descriptor; states written before it carry only
 * `index: 'exact' | 'hnsw'` (dense `index.f32` / hnswlib `index.hnsw`), which load as they always did.
 */
export function loadRouterIndex(
  st: { kind: string; descriptor?: unknown; dim: number; rows: number },
  files: Record<string, Uint8Array>,
  ef: number,
): VectorIndex {
  const file = (name: string) => {
    const f = files[name];
    if (!f) throw new LlmrError(`router state lacks file ${name}`, { field: 'files', fix: 're-train or re-save the artifact' });
    return f;
  };
  if (st.descriptor && typeof st.descriptor === 'object') {
    const d = st.descriptor as IndexDescriptor;
    return loadIndex(d, file(indexFileName(d.kind)), d.kind === 'hnsw' ? { ef } : {});
  }
  if (st.kind === 'hnsw') return HnswIndex.deserialize(file('index.hnsw'), st.dim, st.rows, ef);
  if (st.kind === 'exact') return ExactIndex.deserialize(file('index.f32'), st.dim);
  throw new LlmrError(`unknown index kind ${st.kind} in the router state`, { field: 'state.index', fix: 'upgrade llm-router-tfjs or re-train the artifact' });
}
