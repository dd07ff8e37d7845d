import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/backend.js';
import { loadSharedSets } from '../../src/experiments/sharedEvaluation.js';
import { quantile } from '../../src/eval/numeric.js';
import { createFeaturizer } from '../../src/featurizers/registry.js';
import { buildIndex, planIndex } from '../../src/vectorIndex/buildIndex.js';
import { ExactIndex } from '../../src/vectorIndex/ExactIndex.js';
import { FlatIndex } from '../../src/vectorIndex/FlatIndex.js';
import { HnswIndex } from '../../src/vectorIndex/HnswIndex.js';
import { Projection } from '../../src/vectorIndex/Projection.js';
import { ProjectedIndex } from '../../src/vectorIndex/ProjectedIndex.js';
import { SparseIndex, toSparse, type SparseVector } from '../../src/vectorIndex/SparseIndex.js';
import { UsearchIndex, type Quantization } from '../../src/vectorIndex/UsearchIndex.js';
import { usearchModule } from '../../src/vectorIndex/usearchModule.js';
import type { SearchHit, VectorIndex } from '../../src/vectorIndex/VectorIndex.js';
import { Rng } from '../../src/util/rng.js';
import type { CliContext } from '../cliContext.js';

const PYTHON = '/usr/bin/python3';
const REFERENCE = join(import.meta.dirname, '..', 'reference', 'index_numpy_hnswlib.py');

type Log = (s: string) => void;

interface Table {
  title: string;
  load: string;
  header: string[];
  rows: (string | number)[][];
  notes: string[];
}

function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

function pct(xs: number[], p: number): number {
  return quantile(xs, p / 100);
}

function timeIt<T>(f: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = f();
  return { value, ms: performance.now() - t };
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const inv = 1 / (Math.sqrt(n) || 1);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/**
 * Gaussian-mixture unit vectors (`clusters` centres on the sphere, isotropic noise), optionally with a
 * decaying spectrum (dimension i scaled by (i+1)^-decay before normalising), which is how sentence
 * embeddings look to PCA. Seeded.
 */
function clustered(n: number, dim: number, clusters: number, seed: number, decay = 0): Float32Array[] {
  const rng = new Rng(seed);
  const scale = Float32Array.from({ length: dim }, (_, i) => (i + 1) ** -decay);
  const centres = Array.from({ length: clusters }, () => unit(Float32Array.from({ length: dim }, (_, i) => rng.normal() * scale[i]!)));
  return Array.from({ length: n }, () => {
    const c = centres[rng.int(clusters)]!;
    return unit(Float32Array.from(c, (x, i) => x + (0.6 / Math.sqrt(dim)) * rng.normal() * scale[i]! * Math.sqrt(dim / sumSq(scale))));
  });
}

function sumSq(a: Float32Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return s;
}

function flat(rows: readonly Float32Array[]): Float32Array {
  const dim = rows[0]!.length;
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(r, i * dim));
  return out;
}

function recallAt10(got: SearchHit[][], truth: SearchHit[][]): number {
  let hit = 0;
  got.forEach((g, i) => {
    const t = new Set(truth[i]!.slice(0, 10).map((h) => h.index));
    hit += g.slice(0, 10).filter((h) => t.has(h.index)).length;
  });
  return hit / (10 * got.length);
}

function singleQueries(idx: VectorIndex, queries: readonly Float32Array[], k: number): { hits: SearchHit[][]; p50: number; p99: number } {
  const times: number[] = [];
  const hits = queries.map((q) => {
    const t = performance.now();
    const h = idx.search(q, k);
    times.push(performance.now() - t);
    return h;
  });
  return { hits, p50: pct(times, 50), p99: pct(times, 99) };
}

function python(args: string[], log: Log): { out: Record<string, unknown> | null; reason?: string } {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, hnswlib'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return {
      out: null,
      reason: `${PYTHON} cannot import numpy and hnswlib (apt-get install -y python3-numpy python3-hnswlib): ${(probe.stderr || '').trim().split('\n').pop()}`,
    };
  log(`  python ${args[0]} …`);
  const r = spawnSync(PYTHON, [REFERENCE, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { out: null, reason: `reference script failed: ${(r.stderr || '').trim().split('\n').slice(-2).join(' ')}` };
  return { out: JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown> };
}

function writeF32(path: string, a: Float32Array): void {
  writeFileSync(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function usearchFileBytes(idx: UsearchIndex, dir: string): number {
  const f = join(dir, `b-${Math.random().toString(36).slice(2)}.usearch`);
  idx.saveFile(f);
  const b = statSync(f).size;
  rmSync(f);
  return b;
}

const f3 = (x: number) => x.toFixed(3);
const f2 = (x: number) => x.toFixed(2);

// ───────────────────────── 1. HNSW build / query / recall / bytes: hnswlib-node vs usearch vs Python hnswlib

function hnswExperiment(
  o: { n: number; dim: number; queries: number; ef: number[]; threads: number; quant: Quantization[]; skipNode: boolean },
  dir: string,
  log: Log,
): Table {
  const load0 = loadavg();
  log(`[hnsw] ${o.n} × ${o.dim} clustered vectors, M=16 efConstruction=200, ${o.queries} queries`);
  const all = clustered(o.n + o.queries, o.dim, 1000, 42);
  const vectors = all.slice(0, o.n);
  const queries = all.slice(o.n);
  const truth = FlatIndex.build(vectors, o.dim).searchMany(queries, 10);
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const dataF = join(dir, 'data.f32');
  const queriesF = join(dir, 'queries.f32');
  const truthF = join(dir, 'truth.i32');
  writeF32(dataF, flat(vectors));
  writeF32(queriesF, flat(queries));
  writeFileSync(truthF, new Uint8Array(Int32Array.from(truth.flatMap((t) => t.map((h) => h.index))).buffer));
  // Python hnswlib first: the reference every build time is divided by.
  const py = python(
    ['hnsw', '--data', dataF, '--queries', queriesF, '--truth', truthF, '--dim', String(o.dim), '--threads', String(o.threads), '--ef', o.ef.join(',')],
    log,
  );
  const pyBuild = py.out ? (py.out.buildS as number) : Number.NaN;
  if (py.out) {
    for (const e of py.out.ef as { ef: number; p50Ms: number; p99Ms: number; recallAt10: number }[])
      rows.push([
        `Python hnswlib ${py.out.numpy ? '' : ''}(reference)`,
        o.threads,
        e.ef,
        f2(pyBuild),
        '1.00',
        f3(e.p50Ms),
        f3(e.p99Ms),
        f3(e.recallAt10),
        (py.out.bytesPerVector as number).toFixed(0),
      ]);
  } else notes.push(`Python hnswlib skipped: ${py.reason}`);
  const ratio = (s: number) => (Number.isFinite(pyBuild) ? (s / pyBuild).toFixed(2) : '—');
  if (!o.skipNode) {
    log('  hnswlib-node (single-threaded) …');
    const b = timeIt(() => HnswIndex.build(vectors, o.dim, { m: 16, efConstruction: 200, efSearch: o.ef[0]!, seed: 42 }));
    const bytes = b.value.serialize().byteLength / o.n;
    for (const ef of o.ef) {
      b.value.setEf(ef);
      const s = singleQueries(b.value, queries, 10);
      rows.push(['hnswlib-node (current)', 1, ef, f2(b.ms / 1000), ratio(b.ms / 1000), f3(s.p50), f3(s.p99), f3(recallAt10(s.hits, truth)), bytes.toFixed(0)]);
    }
  }
  for (const q of o.quant) {
    for (const threads of q === 'f32' ? [...new Set([1, o.threads])] : [o.threads]) {
      log(`  usearch ${q}, ${threads} thread(s) …`);
      const b = timeIt(() => UsearchIndex.build(vectors, o.dim, { m: 16, efConstruction: 200, ef: o.ef[0]!, quantization: q, threads }));
      const bytes = usearchFileBytes(b.value, dir) / o.n;
      for (const ef of o.ef) {
        const idx = ef === o.ef[0] ? b.value : b.value.withEf(ef);
        const s = singleQueries(idx, queries, 10);
        rows.push([`usearch ${q}`, threads, ef, f2(b.ms / 1000), ratio(b.ms / 1000), f3(s.p50), f3(s.p99), f3(recallAt10(s.hits, truth)), bytes.toFixed(0)]);
      }
    }
  }
  notes.push(
    'recall@10 against exact float32 search (FlatIndex) on the same vectors; query times are single queries on one thread; build × = build time ÷ Python hnswlib with the same thread count, same vectors, same run.',
  );
  return {
    title: `HNSW, ${o.n} × ${o.dim} clustered Gaussian mixture (1,000 clusters), M=16 efConstruction=200`,
    load: `${load0} → ${loadavg()}`,
    header: ['index', 'build threads', 'ef', 'build s', 'build × Python hnswlib', 'query p50 ms', 'query p99 ms', 'recall@10', 'bytes/vector'],
    rows,
    notes,
  };
}

// ───────────────────────── 2. Sparse hashing features: inverted index vs the dense dimension-major ExactIndex

async function hashingRows(
  root: string,
  total: number,
  queries: number,
  featurizeAtMost: number,
  log: Log,
): Promise<{ rows: SparseVector[]; queries: Float32Array[]; dim: number; source: string } | string> {
  if (!existsSync(root)) return `shared data not found at ${root} (set LLMR_SHARED_DATA or place ../shared/data beside the repo)`;
  const sets = await loadSharedSets(root);
  const prompts = [...new Set(sets.flatMap((s) => [...s.train, ...s.test].map((r) => r.prompt)))];
  const rng = new Rng(7);
  rng.shuffle(prompts);
  const f = createFeaturizer('hashing');
  await f.fit(prompts.slice(0, Math.min(prompts.length, 20000)));
  const real = Math.min(prompts.length - queries, total, featurizeAtMost);
  log(`[sparse] featurizing ${real + queries} real prompts with the hashing featurizer …`);
  const rows: SparseVector[] = [];
  const qs: Float32Array[] = [];
  for (let s = 0; s < real + queries; s += 2000) {
    for (const v of await f.transform(prompts.slice(s, Math.min(s + 2000, real + queries)))) {
      if (qs.length < queries) qs.push(v);
      else rows.push(toSparse(v));
    }
  }
  // Rows beyond the featurized prompts: perturbed copies in feature space (each non-zero kept with p = 0.9,
  // ~10% new ones taken from another row, renormalised), so the row count grows without hours of featurizing.
  while (rows.length < total) {
    const a = rows[rng.int(real)]!;
    const b = rows[rng.int(real)]!;
    const m = new Map<number, number>();
    for (let t = 0; t < a.indices.length; t++) if (rng.next() < 0.9) m.set(a.indices[t]!, a.values[t]!);
    for (let t = 0; t < b.indices.length; t++) if (rng.next() < 0.1) m.set(b.indices[t]!, b.values[t]!);
    const idx = Int32Array.from([...m.keys()].sort((x, y) => x - y));
    const vals = Float32Array.from(idx, (j) => m.get(j)!);
    let nn = 0;
    for (const v of vals) nn += v * v;
    rows.push({ indices: idx, values: vals.map((v) => v / Math.sqrt(nn || 1)) });
  }
  return {
    rows,
    queries: qs,
    dim: f.dim,
    source: `hashing features of ${real} real prompts from ${root} (shuffled, seeded; queries: ${queries} other real prompts)${total > real ? ` + ${total - real} perturbed copies in feature space` : ''}`,
  };
}

function denseFromSparse(rows: readonly SparseVector[], dim: number): ExactIndex {
  const n = rows.length;
  const m = new Float32Array(n * dim);
  rows.forEach((r, i) => {
    for (let t = 0; t < r.indices.length; t++) m[r.indices[t]! * n + i] = r.values[t]!;
  });
  return new ExactIndex(dim, m);
}

async function sparseExperiment(o: { sizes: number[]; queries: number; root: string; real: number }, log: Log): Promise<Table> {
  const load0 = loadavg();
  const max = Math.max(...o.sizes);
  const data = await hashingRows(o.root, max, o.queries, o.real, log);
  const notes: string[] = [];
  const rows: (string | number)[][] = [];
  if (typeof data === 'string') {
    notes.push(`skipped: ${data}`);
    return { title: 'Sparse hashing features', load: load0, header: [], rows, notes };
  }
  const meanNnz = data.rows.reduce((s, r) => s + r.indices.length, 0) / data.rows.length;
  notes.push(
    `${data.source}; ${data.dim} dims, mean ${meanNnz.toFixed(0)} non-zeros per row (${((100 * meanNnz) / data.dim).toFixed(1)}%); k = 40 (the kNN router's default); batch = ${o.queries} queries through searchMany, ms per query.`,
  );
  for (const n of o.sizes) {
    const sub = data.rows.slice(0, n);
    log(`[sparse] ${n} rows …`);
    const dense = denseFromSparse(sub, data.dim);
    const ref = singleQueries(dense, data.queries, 40);
    const refBatch = timeIt(() => dense.searchMany(data.queries, 40));
    rows.push([
      n,
      'dense dimension-major ExactIndex (current)',
      (dense.bytes / n).toFixed(0),
      f3(ref.p50),
      f3(ref.p99),
      f3(refBatch.ms / data.queries.length),
      '1.00',
      'reference',
    ]);
    for (const values of ['f32', 'f16'] as const) {
      const b = timeIt(() => SparseIndex.build(sub, data.dim, { values }));
      const s = singleQueries(b.value, data.queries, 40);
      const batch = timeIt(() => b.value.searchMany(data.queries, 40));
      const same = s.hits.every((h, i) => JSON.stringify(h) === JSON.stringify(ref.hits[i]));
      rows.push([
        n,
        `SparseIndex ${values} (build ${f2(b.ms / 1000)} s)`,
        (b.value.bytes / n).toFixed(0),
        f3(s.p50),
        f3(s.p99),
        f3(batch.ms / data.queries.length),
        (ref.p50 / s.p50).toFixed(2),
        same ? 'identical hits' : `recall@40 ${f3(recallK(s.hits, ref.hits))}`,
      ]);
    }
  }
  return {
    title: 'Exact search over sparse hashing features (4,096 dims)',
    load: `${load0} → ${loadavg()}`,
    header: ['rows', 'index', 'bytes/row', 'query p50 ms', 'query p99 ms', 'batch ms/query', 'speed-up p50', 'vs dense exact'],
    rows,
    notes,
  };
}

function recallK(got: SearchHit[][], truth: SearchHit[][]): number {
  let hit = 0;
  let all = 0;
  got.forEach((g, i) => {
    const t = new Set(truth[i]!.map((h) => h.index));
    hit += g.filter((h) => t.has(h.index)).length;
    all += truth[i]!.length;
  });
  return hit / all;
}

// ───────────────────────── 3. Dense exact search vs numpy brute force

function denseExperiment(o: { sizes: number[]; dim: number; queries: number }, dir: string, log: Log): Table {
  const load0 = loadavg();
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const n of o.sizes) {
    log(`[dense] ${n} × ${o.dim} …`);
    const all = clustered(n + o.queries, o.dim, 1000, 43);
    const vectors = all.slice(0, n);
    const queries = all.slice(n);
    const dataF = join(dir, `dense-${n}.f32`);
    const queriesF = join(dir, `dense-${n}-q.f32`);
    writeF32(dataF, flat(vectors));
    writeF32(queriesF, flat(queries));
    const py = python(['exact', '--data', dataF, '--queries', queriesF, '--dim', String(o.dim)], log);
    const np = py.out as { singleP50Ms: number; singleP99Ms: number; batchMsPerQuery: number } | null;
    if (np) rows.push([n, 'numpy brute force (reference)', f3(np.singleP50Ms), f3(np.singleP99Ms), f3(np.batchMsPerQuery), '1.00', '1.00']);
    else notes.push(`numpy skipped: ${py.reason}`);
    const r = (single: number, batch: number) => (np ? [(single / np.singleP50Ms).toFixed(2), (batch / np.batchMsPerQuery).toFixed(2)] : ['—', '—']);
    const legacy = ExactIndex.build(vectors, o.dim);
    const ls = singleQueries(legacy, queries.slice(0, Math.min(queries.length, 100)), 10);
    const lb = timeIt(() => legacy.searchMany(queries, 10));
    rows.push([
      n,
      'ExactIndex dimension-major JS / tf.matMul batch (current)',
      f3(ls.p50),
      f3(ls.p99),
      f3(lb.ms / queries.length),
      ...r(ls.p50, lb.ms / queries.length),
    ]);
    for (const js of usearchModule() ? [false, true] : [true]) {
      const idx = FlatIndex.build(vectors, o.dim, { js });
      const s = singleQueries(idx, queries, 10);
      const b = timeIt(() => idx.searchMany(queries, 10));
      rows.push([
        n,
        js ? 'FlatIndex, JS 4-way unrolled scan' : 'FlatIndex, usearch SIMD scan (batch: all cores)',
        f3(s.p50),
        f3(s.p99),
        f3(b.ms / queries.length),
        ...r(s.p50, b.ms / queries.length),
      ]);
    }
  }
  notes.push(
    '× numpy = time ÷ numpy in the same run (≤ 2 is the target); numpy here is Debian python3-numpy with its reference BLAS (no OpenBLAS installed), batch = Q @ X.T in chunks of 256.',
  );
  return {
    title: `Exact dense search, ${o.dim}-d, k = 10`,
    load: `${load0} → ${loadavg()}`,
    header: ['rows', 'method', 'single p50 ms', 'single p99 ms', 'batch ms/query', 'single × numpy', 'batch × numpy'],
    rows,
    notes,
  };
}

// ───────────────────────── 4. No cliff: what buildIndex picks as rows grow, against the fixed exactBelow rule

function cliffExperiment(o: { sizes: number[]; dim: number; queries: number; legacy: boolean }, log: Log): Table {
  const load0 = loadavg();
  const rows: (string | number)[][] = [];
  const max = Math.max(...o.sizes);
  const all = clustered(max + o.queries, o.dim, 1000, 44);
  const queries = all.slice(max);
  for (const n of o.sizes) {
    const vectors = all.slice(0, n);
    log(`[cliff] ${n} rows …`);
    const b = timeIt(() => buildIndex(vectors, { k: 40 } as never));
    const s = singleQueries(b.value.index, queries, 40);
    const truth = FlatIndex.build(vectors, o.dim).searchMany(queries, 40);
    const est = b.value.plan.estimates[b.value.plan.family];
    rows.push([n, `buildIndex → ${b.value.index.kind}`, f2(b.ms / 1000), f2(est.buildS), f3(s.p50), f3(est.queryMs), f3(recallK(s.hits, truth))]);
  }
  if (o.legacy) {
    for (const n of [9999, 10000]) {
      const vectors = all.slice(0, n);
      log(`[cliff] legacy exactBelow rule at ${n} rows …`);
      const b = timeIt(() =>
        n < 10000 ? ExactIndex.build(vectors, o.dim) : HnswIndex.build(vectors, o.dim, { m: 16, efConstruction: 200, efSearch: 100, seed: 42 }),
      );
      const s = singleQueries(b.value, queries, 40);
      const truth = FlatIndex.build(vectors, o.dim).searchMany(queries, 40);
      rows.push([n, `old rule (exactBelow 10000) → ${b.value.kind}`, f2(b.ms / 1000), '—', f3(s.p50), '—', f3(recallK(s.hits, truth))]);
    }
  }
  const sparse = [1000, 10000, 80000, 1_000_000].map((n) => `${n}: ${planIndex(n, 4096, 0.14).kind}`).join(', ');
  return {
    title: `No cliff: index chosen by estimated cost (dense ${o.dim}-d, k = 40, expectedQueries 100,000)`,
    load: `${load0} → ${loadavg()}`,
    header: ['rows', 'index', 'build s', 'estimated build s', 'query p50 ms', 'estimated query ms', 'recall@40'],
    rows,
    notes: [
      `hashing features (4,096 dims, 14% non-zero) get the sparse exact index at every size (${sparse}): an HNSW graph over them would store > 4 KB per row.`,
    ],
  };
}

// ───────────────────────── 5. Quantisation + dimension reduction for dense 384-d embeddings

function compressExperiment(o: { n: number; dim: number; queries: number; ef: number }, dir: string, log: Log): Table {
  const load0 = loadavg();
  const rows: (string | number)[][] = [];
  for (const [name, decay] of [
    ['isotropic clusters', 0],
    ['decaying spectrum (σᵢ ∝ i^-0.5)', 0.5],
  ] as const) {
    const all = clustered(o.n + o.queries, o.dim, 1000, 45, decay);
    const vectors = all.slice(0, o.n);
    const queries = all.slice(o.n);
    const truth = FlatIndex.build(vectors, o.dim).searchMany(queries, 10);
    const configs: { label: string; q: Quantization; m: number; proj?: { method: 'pca' | 'random'; dims: number } }[] = [
      { label: 'f32', q: 'f32', m: 16 },
      { label: 'f16', q: 'f16', m: 16 },
      { label: 'i8', q: 'i8', m: 16 },
      { label: 'i8, M=12', q: 'i8', m: 12 },
      { label: 'PCA 256 + i8', q: 'i8', m: 16, proj: { method: 'pca', dims: 256 } },
      { label: 'PCA 320 + i8', q: 'i8', m: 16, proj: { method: 'pca', dims: 320 } },
      { label: 'PCA 256 + i8, M=12', q: 'i8', m: 12, proj: { method: 'pca', dims: 256 } },
      { label: 'random projection 256 + i8', q: 'i8', m: 16, proj: { method: 'random', dims: 256 } },
    ];
    for (const c of configs) {
      log(`[compress] ${name}: ${c.label} …`);
      const t = performance.now();
      const proj = c.proj ? (c.proj.method === 'pca' ? Projection.pca(vectors, c.proj.dims) : Projection.random(o.dim, c.proj.dims, 42)) : null;
      const inner = UsearchIndex.build(proj ? vectors.map((v) => proj.apply(v)) : vectors, proj ? proj.outDim : o.dim, {
        m: c.m,
        efConstruction: 200,
        ef: o.ef,
        quantization: c.q,
      });
      const buildS = (performance.now() - t) / 1000;
      const idx: VectorIndex = proj ? new ProjectedIndex(proj, inner) : inner;
      const bytes = (usearchFileBytes(inner, dir) + (proj ? proj.matrix.byteLength : 0)) / o.n;
      const s = singleQueries(idx, queries, 10);
      rows.push([name, c.label, c.m, f2(buildS), bytes.toFixed(0), f3(s.p50), f3(recallAt10(s.hits, truth))]);
    }
  }
  return {
    title: `Compact HNSW for ${o.dim}-d embeddings, ${o.n} rows, usearch, efConstruction 200, ef ${o.ef}`,
    load: `${load0} → ${loadavg()}`,
    header: ['data', 'storage', 'M', 'build s', 'bytes/row (graph + vectors + projection)', 'query p50 ms', 'recall@10 vs exact f32'],
    rows,
    notes: [
      'bytes/row = the saved usearch file (+ the projection matrix) ÷ rows; recall against exact float32 search over the original 384-d vectors. Target: ≤ 512 B/row at recall@10 ≥ 0.95.',
    ],
  };
}

function markdown(t: Table): string {
  const lines = [`### ${t.title}`, '', `load average (1/5/15 min) during this table: ${t.load}`, ''];
  if (t.header.length) lines.push(`| ${t.header.join(' | ')} |`, `|${t.header.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.join(' | ')} |`), '');
  for (const n of t.notes) lines.push(n);
  return lines.join('\n');
}

const EXPERIMENTS = ['hnsw', 'sparse', 'dense', 'cliff', 'compress'] as const;

export function registerBenchIndexCommands(ctx: CliContext): void {
  ctx
    .group('bench', 'benchmarks that print tables')
    .command('index')
    .description(
      'vector indexes: HNSW (usearch vs hnswlib-node vs Python hnswlib), sparse inverted vs dense exact, exact dense vs numpy, the exact/approximate choice, compact HNSW',
    )
    .option('--experiments <list>', `comma-separated subset of ${EXPERIMENTS.join(',')}`, EXPERIMENTS.join(','))
    .option('--n <rows>', 'HNSW experiment rows (the issue reference point is 100000)', '20000')
    .option('--dim <d>', 'dense dimension', '384')
    .option('--queries <n>', 'held-out queries per experiment', '300')
    .option('--ef <list>', 'HNSW ef values', '32,64,128')
    .option('--threads <n>', 'build threads for usearch and Python hnswlib', '2')
    .option('--quant <list>', 'usearch quantisations in the HNSW experiment', 'f32,f16,i8')
    .option('--skip-hnswlib-node', 'leave out the (slow, single-threaded) hnswlib-node build')
    .option('--sparse-sizes <list>', 'rows for the sparse experiment', '1000,10000,80000')
    .option('--sparse-real <n>', 'real prompts featurized for the sparse experiment (rows beyond are perturbed copies)', '12000')
    .option('--dense-sizes <list>', 'rows for the dense exact experiment', '10000,100000')
    .option('--cliff-sizes <list>', 'rows for the no-cliff experiment', '1000,2000,4000,8000,16000')
    .option('--no-legacy', 'leave out the old exactBelow rule at 9,999 / 10,000 rows in the no-cliff experiment')
    .option('--compress-n <rows>', 'rows for the compact-HNSW experiment', '20000')
    .option('--shared <dir>', 'shared data root (default: $LLMR_SHARED_DATA or ../shared/data)')
    .option('--out <dir>', 'write bench-index.{md,json} here', 'out/bench')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const log: Log = (s) => process.stderr.write(s + '\n');
      const list = (s: unknown) =>
        String(s)
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
      const nums = (s: unknown) => list(s).map(Number);
      const want = list(o.experiments);
      for (const w of want) if (!(EXPERIMENTS as readonly string[]).includes(w)) throw new Error(`unknown experiment ${w}; known: ${EXPERIMENTS.join(', ')}`);
      const backend = await initBackend(ctx.config.backend);
      const dim = Number(o.dim);
      const queries = Number(o.queries);
      const dir = mkdtempSync(join(tmpdir(), 'llmr-bench-index-'));
      const tables: Table[] = [];
      const emit = (t: Table) => {
        tables.push(t);
        process.stdout.write(markdown(t) + '\n\n');
      };
      process.stdout.write(
        `Vector index benchmark (backend ${backend.name} for the tf.matMul path; usearch ${usearchModule() ? 'loaded' : 'unavailable'}). This machine's cores are shared with other jobs: read the ratios against the reference measured in the same run (Python hnswlib, numpy, the current index), more than absolute times.\n\n`,
      );
      try {
        if (want.includes('hnsw'))
          emit(
            hnswExperiment(
              {
                n: Number(o.n),
                dim,
                queries,
                ef: nums(o.ef),
                threads: Number(o.threads),
                quant: list(o.quant) as Quantization[],
                skipNode: Boolean(o.skipHnswlibNode),
              },
              dir,
              log,
            ),
          );
        if (want.includes('sparse'))
          emit(
            await sparseExperiment(
              {
                sizes: nums(o.sparseSizes),
                queries: Math.min(queries, 200),
                root: (o.shared as string | undefined) ?? ctx.config.sharedDataDir,
                real: Number(o.sparseReal),
              },
              log,
            ),
          );
        if (want.includes('dense')) emit(denseExperiment({ sizes: nums(o.denseSizes), dim, queries }, dir, log));
        if (want.includes('cliff')) emit(cliffExperiment({ sizes: nums(o.cliffSizes), dim, queries: Math.min(queries, 200), legacy: o.legacy !== false }, log));
        if (want.includes('compress')) emit(compressExperiment({ n: Number(o.compressN), dim, queries, ef: 100 }, dir, log));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      mkdirSync(String(o.out), { recursive: true });
      writeFileSync(join(String(o.out), 'bench-index.md'), tables.map(markdown).join('\n\n') + '\n');
      writeFileSync(join(String(o.out), 'bench-index.json'), JSON.stringify({ date: new Date().toISOString(), tables }, null, 2));
    });
}
