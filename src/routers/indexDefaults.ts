import type { DataSize } from './Router.js';

/**
 * Index choice of the neighbour-based routers (knn, elo) from the data size. They search brute force below
 * `exactBelow` (10,000) training rows; with thousands of queries in one batch that is the slowest step (7,068
 * MMLU train × 6,969 test prompts × 4,096 hashed dimensions: 209 s exact on a 2-core machine under load, 84 s
 * with HNSW, same APGR 0.630 vs 0.629). Where train × query rows exceed 10^7 the graph index is used; below
 * that brute force is faster than building the graph (LLMRouter: 5 s exact vs 39 s HNSW). Unknown query
 * count (a served router): the schema default.
 */
export function neighbourIndexDefaults(size: DataSize): Record<string, unknown> {
  return size.queryRows !== undefined && size.trainRows * size.queryRows > 1e7 ? { exactBelow: 0 } : {};
}
