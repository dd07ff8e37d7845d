import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIndex, loadIndex, planIndex } from '../../src/vectorIndex/buildIndex.js';
import { ExactIndex } from '../../src/vectorIndex/ExactIndex.js';
import { FlatIndex } from '../../src/vectorIndex/FlatIndex.js';
import { HnswIndex } from '../../src/vectorIndex/HnswIndex.js';
import { Projection } from '../../src/vectorIndex/Projection.js';
import { SparseIndex } from '../../src/vectorIndex/SparseIndex.js';
import { UsearchIndex } from '../../src/vectorIndex/UsearchIndex.js';
import { Rng } from '../../src/util/rng.js';

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

/** Sparse rows shaped like hashing features: `nnz` non-zeros of 4096 with skewed dimension frequencies. */
function sparseRows(n: number, dim: number, nnz: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const v = new Float32Array(dim);
    for (let t = 0; t < nnz; t++) v[Math.floor(dim * rng.next() ** 2)] = rng.normal();
    return unit(v);
  });
}

function clustered(n: number, dim: number, clusters: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => unit(Float32Array.from({ length: dim }, () => rng.normal())));
  return Array.from({ length: n }, () => unit(Float32Array.from(centres[rng.int(clusters)]!, (x) => x + (0.6 / Math.sqrt(dim)) * rng.normal())));
}

function recall(got: { index: number }[][], truth: { index: number }[][]): number {
  let hit = 0;
  let all = 0;
  got.forEach((g, i) => {
    const t = new Set(truth[i]!.map((h) => h.index));
    hit += g.filter((h) => t.has(h.index)).length;
    all += truth[i]!.length;
  });
  return hit / all;
}

describe('SparseIndex', () => {
  const dim = 512;
  const rows = sparseRows(700, dim, 60, 1); // 700 rows: three blocks of 256, the last one partial
  const queries = sparseRows(20, dim, 60, 2);
  const dense = ExactIndex.build(rows, dim);

  it('f32 values give bit-identical hits to the dense dimension-major ExactIndex', () => {
    const sp = SparseIndex.build(rows, dim, { values: 'f32' });
    for (const q of queries) expect(sp.search(q, 10)).toEqual(dense.search(q, 10));
    expect(sp.searchMany(queries, 10)).toEqual(queries.map((q) => dense.search(q, 10)));
  });

  it('16-bit blocks and f16 values: same neighbours, similarities within float16 rounding', () => {
    const sp = SparseIndex.build(rows, dim, { values: 'f16', blockBits: 16 });
    const got = sp.searchMany(queries, 10);
    const want = queries.map((q) => dense.search(q, 10));
    expect(recall(got, want)).toBeGreaterThan(0.97);
    got.forEach((g, i) => g.forEach((h, j) => expect(Math.abs(h.similarity - want[i]![j]!.similarity)).toBeLessThan(2e-3)));
  });

  it('stores ~3 bytes per non-zero with f16 and round-trips through serialize()', () => {
    const sp = SparseIndex.build(rows, dim, { values: 'f16' });
    const bytes = sp.serialize();
    expect(bytes.byteLength).toBe(sp.bytes);
    expect(bytes.byteLength / sp.nnz).toBeLessThan(3 + (4 * dim * sp.blocks) / sp.nnz + 1);
    const back = SparseIndex.deserialize(bytes);
    expect(back.searchMany(queries, 5)).toEqual(sp.searchMany(queries, 5));
    expect(Array.from(back.row(5).indices)).toEqual(Array.from(rows[5]!.keys()).filter((j) => rows[5]![j] !== 0));
  });

  it('refuses a corrupted file naming the problem', () => {
    const bytes = SparseIndex.build(rows, dim).serialize();
    expect(() => SparseIndex.deserialize(bytes.subarray(0, bytes.byteLength - 4))).toThrow(/malformed/);
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => SparseIndex.deserialize(bad)).toThrow(/magic/);
  });
});

describe('FlatIndex', () => {
  const rows = clustered(1500, 64, 30, 3);
  const queries = clustered(40, 64, 30, 4);
  const ref = ExactIndex.build(rows, 64);
  it('native SIMD scan and JS scan return the exact neighbours (similarities to float32 rounding)', () => {
    const want = queries.map((q) => ref.search(q, 10));
    for (const idx of [FlatIndex.build(rows, 64), FlatIndex.build(rows, 64, { js: true })]) {
      const got = idx.searchMany(queries, 10);
      expect(recall(got, want)).toBe(1);
      got.forEach((g, i) => g.forEach((h, j) => expect(h.similarity).toBeCloseTo(want[i]![j]!.similarity, 5)));
      expect(queries.map((q) => idx.search(q, 10).map((h) => h.index))).toEqual(got.map((g) => g.map((h) => h.index)));
    }
  });
  it('round-trips, also from a misaligned buffer', () => {
    const idx = FlatIndex.build(rows, 64);
    const b = idx.serialize();
    const odd = new Uint8Array(b.byteLength + 1);
    odd.set(b, 1);
    expect(FlatIndex.deserialize(odd.subarray(1), 64).search(queries[0]!, 5)).toEqual(idx.search(queries[0]!, 5));
    expect(() => FlatIndex.deserialize(b.subarray(0, 10), 64)).toThrow(/multiple/);
  });
});

describe('UsearchIndex', () => {
  const rows = clustered(3000, 48, 60, 5);
  const queries = clustered(50, 48, 60, 6);
  const truth = queries.map((q) => FlatIndex.build(rows, 48).search(q, 10));
  it.each(['f32', 'f16', 'i8'] as const)('%s: recall@10 ≥ 0.9 with a 2-thread build', (quantization) => {
    const idx = UsearchIndex.build(rows, 48, { m: 16, efConstruction: 100, ef: 64, quantization, threads: 2 });
    expect(idx.size).toBe(3000);
    expect(recall(idx.searchMany(queries, 10), truth)).toBeGreaterThan(0.9);
    expect(
      recall(
        queries.map((q) => idx.search(q, 10)),
        truth,
      ),
    ).toBeGreaterThan(0.9);
  });
  it('saves to a file and loads straight from it (read or memory-mapped), ef restored from the descriptor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-test-usearch-'));
    try {
      const idx = UsearchIndex.build(rows, 48, { m: 16, efConstruction: 100, ef: 64, quantization: 'f16', threads: 1 });
      const f = join(dir, 'index.usearch');
      idx.saveFile(f);
      const d = idx.descriptor();
      expect(d).toMatchObject({ kind: 'usearch', ef: 64, quantization: 'f16', rows: 3000 });
      const want = idx.searchMany(queries, 10);
      for (const view of [false, true]) {
        const back = loadIndex(d, null, { path: f, view }) as UsearchIndex;
        expect(back.params.ef).toBe(64);
        expect(back.searchMany(queries, 10)).toEqual(want);
      }
      expect((loadIndex(d, idx.serialize()) as UsearchIndex).searchMany(queries, 10)).toEqual(want);
      // ef is what the descriptor says: a tiny ef finds fewer true neighbours than the stored one
      expect(recall(idx.withEf(1).searchMany(queries, 10), truth)).toBeLessThan(recall(want, truth));
      expect(() => UsearchIndex.loadFile(join(dir, 'nope'), d)).toThrow(/does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a 1-thread build is reproducible', () => {
    const a = UsearchIndex.build(rows.slice(0, 800), 48, { m: 8, efConstruction: 50, ef: 32, quantization: 'f32', threads: 1 });
    const b = UsearchIndex.build(rows.slice(0, 800), 48, { m: 8, efConstruction: 50, ef: 32, quantization: 'f32', threads: 1 });
    expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true);
  });
});

describe('legacy formats still load', () => {
  it('hnswlib-node and dense exact artifacts load through loadIndex', () => {
    const rows = clustered(400, 16, 10, 7);
    const h = HnswIndex.build(rows, 16, { m: 8, efConstruction: 50, efSearch: 40, seed: 1 });
    const hb = loadIndex({ kind: 'hnsw', dim: 16, rows: 400, ef: 40 }, h.serialize());
    expect(hb.search(rows[3]!, 5)).toEqual(h.search(rows[3]!, 5));
    const e = ExactIndex.build(rows, 16);
    expect(loadIndex(e.descriptor(), e.serialize()).search(rows[3]!, 5)).toEqual(e.search(rows[3]!, 5));
  });
});

describe('Projection', () => {
  it('PCA keeps a low-rank set exactly and is deterministic; random projection is orthonormal', () => {
    const rng = new Rng(8);
    const basis = Array.from({ length: 6 }, () => Float32Array.from({ length: 40 }, () => rng.normal()));
    const rows = Array.from({ length: 300 }, () => {
      const v = new Float32Array(40);
      basis.forEach((b) => {
        const w = rng.normal();
        b.forEach((x, i) => (v[i]! += w * x));
      });
      return unit(v);
    });
    const p = Projection.pca(rows, 6);
    const q = rows[0]!;
    const pq = p.apply(q);
    for (let i = 1; i < 20; i++) {
      let a = 0;
      let b = 0;
      const pr = p.apply(rows[i]!);
      for (let j = 0; j < 40; j++) a += q[j]! * rows[i]![j]!;
      for (let j = 0; j < 6; j++) b += pq[j]! * pr[j]!;
      expect(b).toBeCloseTo(a, 4);
    }
    expect(Projection.deserialize(p.serialize()).matrix).toEqual(p.matrix);
    expect(Projection.pca(rows, 6).matrix).toEqual(p.matrix);
    const r = Projection.random(40, 10, 3);
    for (let a = 0; a < 10; a++)
      for (let b = 0; b < 10; b++) {
        let dot = 0;
        for (let j = 0; j < 40; j++) dot += r.matrix[a * 40 + j]! * r.matrix[b * 40 + j]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    expect(() => Projection.random(40, 41)).toThrow(/projection/);
  });
});

describe('buildIndex: exact vs approximate by estimated cost, no fixed threshold', () => {
  it('sparse hashing-like features always get the sparse exact index (an HNSW graph would exceed maxBytesPerRow)', () => {
    for (const n of [1000, 10000, 80000, 1_000_000]) expect(planIndex(n, 4096, 0.14).kind).toBe('sparse');
  });
  it('dense 384-d: exact while small, HNSW from the cost crossover on; costs are continuous there', () => {
    const kinds = [500, 1000, 2000, 5000, 10000, 100000].map((n) => planIndex(n, 384, 1, { threads: 2 }).kind);
    expect(kinds[0]).toBe('flat');
    expect(kinds.at(-1)).toBe('usearch');
    // one switch only, and where it happens both totals are within a few % of each other
    expect(kinds.join(',')).toMatch(/^(flat,)+(usearch,?)+$/);
    let lo = 500;
    let hi = 100000;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (planIndex(mid, 384, 1, { threads: 2 }).kind === 'flat') lo = mid;
      else hi = mid;
    }
    const a = planIndex(lo, 384, 1, { threads: 2 }).estimates;
    const b = planIndex(hi, 384, 1, { threads: 2 }).estimates;
    expect(Math.abs(a.exact.totalS - b.approximate.totalS) / a.exact.totalS).toBeLessThan(0.01);
    // no cliff: training time at the switch is a build of ~a second, not minutes; query time does not jump up
    expect(b.approximate.buildS).toBeLessThan(5);
    expect(b.approximate.queryMs).toBeLessThanOrEqual(a.exact.queryMs * 1.01);
  });
  it('more expected queries move the crossover to fewer rows; forcing a family works', () => {
    const cross = (q: number) => {
      let n = 100;
      while (planIndex(n, 384, 1, { expectedQueries: q, threads: 2 }).kind === 'flat') n = Math.ceil(n * 1.1);
      return n;
    };
    expect(cross(1e7)).toBeLessThan(cross(1e4));
    expect(planIndex(1e6, 384, 1, { search: 'exact' }).kind).toBe('flat');
    expect(planIndex(10, 384, 1, { search: 'approximate' }).kind).toBe('usearch');
  });
  it('builds and reloads what it plans, projected indexes included', () => {
    const rows = clustered(2500, 32, 40, 9);
    const { index, plan } = buildIndex(rows, { search: 'approximate', threads: 1, quantization: 'i8', projection: { method: 'pca', dims: 24 } });
    expect(plan.kind).toBe('usearch');
    expect(index.kind).toBe('projected');
    const back = loadIndex(index.descriptor(), index.serialize());
    expect(back.search(rows[0]!, 5)).toEqual(index.search(rows[0]!, 5));
    expect(buildIndex(sparseRows(300, 4096, 500, 10)).index.kind).toBe('sparse');
    expect(buildIndex(rows.slice(0, 200)).index.kind).toBe('flat');
    expect(() => buildIndex([])).toThrow(/zero vectors/);
  });
});
