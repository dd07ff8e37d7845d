import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { l2normalize } from '../../src/featurizers/Featurizer.js';
import { ExactIndex } from '../../src/vectorIndex/VectorIndex.js';
import { leaveOneOutNeighbours, topKExcept } from '../../src/tf/neighbours.js';
import { Rng } from '../../src/util/rng.js';

describe('batched leave-one-out neighbours', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('match ExactIndex search without the query row, and leak no tensors', async () => {
    const rng = new Rng(4);
    const v = Array.from({ length: 300 }, () => l2normalize(Float32Array.from({ length: 32 }, () => rng.normal())));
    const index = ExactIndex.build(v, 32);
    const rows = [0, 5, 17, 299, 150];
    const before = tf.memory().numTensors;
    const got = await leaveOneOutNeighbours(v, rows, 7, 2);
    expect(tf.memory().numTensors).toBe(before);
    rows.forEach((r, i) => {
      const want = index
        .search(v[r]!, 8)
        .filter((h) => h.index !== r)
        .slice(0, 7);
      expect(got[i]!.map((h) => h.index)).toEqual(want.map((h) => h.index));
      got[i]!.forEach((h, j) => expect(h.similarity).toBeCloseTo(want[j]!.similarity, 5));
    });
  });

  it('ExactIndex.searchMany: dense batches take the matMul path and match search(); sparse and small ones scan', () => {
    const rng = new Rng(9);
    const dense = Array.from({ length: 400 }, () => l2normalize(Float32Array.from({ length: 48 }, () => rng.normal())));
    const index = ExactIndex.build(dense, 48);
    const queries = Array.from({ length: 40 }, () => l2normalize(Float32Array.from({ length: 48 }, () => rng.normal())));
    const before = tf.memory().numTensors;
    const got = index.searchMany(queries, 9, 16);
    expect(tf.memory().numTensors).toBe(before);
    queries.forEach((q, i) => {
      const want = index.search(q, 9);
      expect(got[i]!.map((h) => h.index)).toEqual(want.map((h) => h.index));
      got[i]!.forEach((h, j) => expect(h.similarity).toBeCloseTo(want[j]!.similarity, 5));
    });
    // k larger than the index, an empty batch
    expect(
      ExactIndex.build(dense.slice(0, 5), 48)
        .searchMany(queries, 9)
        .every((h) => h.length === 5),
    ).toBe(true);
    expect(index.searchMany([], 3)).toEqual([]);
    // sparse queries (a few non-zeros, like hashing n-grams): identical to search(), bit for bit
    const sparse = queries.map((q) => l2normalize(Float32Array.from(q, (x, j) => (j % 8 === 0 ? x : 0))));
    expect(index.searchMany(sparse, 5)).toEqual(sparse.map((q) => index.search(q, 5)));
  });

  it('topKExcept keeps the k best, skips one index, breaks ties by lower index', () => {
    expect(topKExcept([0.5, 0.9, 0.9, 0.1, 0.95], 3, 4).map((h) => h.index)).toEqual([1, 2, 0]);
    expect(topKExcept([0.2], 3, 0)).toEqual([]);
  });
});
