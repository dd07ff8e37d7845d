import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/backend.js';
import { mean, quantile } from '../../src/eval/numeric.js';
import { ExactIndex, HnswIndex } from '../../src/vectorIndex/VectorIndex.js';
import { l2normalize } from '../../src/featurizers/Featurizer.js';
import { Rng } from '../../src/util/rng.js';
import { readRecords } from '../../src/data/readRecords.js';
import { createApp } from '../../serve/app.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import { loadPrices } from './train.js';
import type { CliContext } from '../cliContext.js';

/** Percentile p (0–100), numpy's linear convention (src/eval/numeric.ts). */
function pct(xs: number[], p: number): number {
  return quantile(xs, p / 100);
}

/** Gaussian-mixture unit vectors: `clusters` random centres, each point = centre + noise, normalised. */
export function clusteredVectors(n: number, dim: number, clusters: number, noise: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => l2normalize(Float32Array.from({ length: dim }, () => rng.normal())));
  return Array.from({ length: n }, () => {
    const c = centres[rng.int(clusters)]!;
    return l2normalize(Float32Array.from(c, (x) => x + (noise / Math.sqrt(dim)) * rng.normal()));
  });
}

export interface IndexBenchRow {
  data: string;
  n: number;
  dim: number;
  index: string;
  buildS: number;
  queryP50Ms: number;
  queryP99Ms: number;
  recallAt10: number;
}

export function benchIndexes(name: string, vectors: Float32Array[], queries: Float32Array[], ef: number[], log: (s: string) => void): IndexBenchRow[] {
  const dim = vectors[0]!.length;
  const rows: IndexBenchRow[] = [];
  let t = performance.now();
  const exact = ExactIndex.build(vectors, dim);
  const exactBuild = (performance.now() - t) / 1000;
  const truth: Set<number>[] = [];
  const et: number[] = [];
  for (const q of queries) {
    t = performance.now();
    truth.push(new Set(exact.search(q, 10).map((h) => h.index)));
    et.push(performance.now() - t);
  }
  rows.push({
    data: name,
    n: vectors.length,
    dim,
    index: 'exact (brute force)',
    buildS: exactBuild,
    queryP50Ms: pct(et, 50),
    queryP99Ms: pct(et, 99),
    recallAt10: 1,
  });
  log(`  exact: build ${exactBuild.toFixed(2)}s, query p50 ${pct(et, 50).toFixed(2)}ms`);
  t = performance.now();
  const hnsw = HnswIndex.build(vectors, dim, { m: 16, efConstruction: 200, efSearch: ef[0]!, seed: 42 }, (d) => {
    if (d % 20000 === 0) log(`  hnsw: ${d}/${vectors.length} inserted (${((performance.now() - t) / 1000).toFixed(0)}s)`);
  });
  const buildS = (performance.now() - t) / 1000;
  for (const e of ef) {
    hnsw.setEf(e);
    const ht: number[] = [];
    let hit = 0;
    queries.forEach((q, i) => {
      const t1 = performance.now();
      const r = hnsw.search(q, 10);
      ht.push(performance.now() - t1);
      hit += r.filter((h) => truth[i]!.has(h.index)).length;
    });
    rows.push({
      data: name,
      n: vectors.length,
      dim,
      index: `HNSW M=16 efC=200 ef=${e}`,
      buildS,
      queryP50Ms: pct(ht, 50),
      queryP99Ms: pct(ht, 99),
      recallAt10: hit / (10 * queries.length),
    });
    log(`  hnsw ef=${e}: recall@10 ${(hit / (10 * queries.length)).toFixed(3)}, p50 ${pct(ht, 50).toFixed(3)}ms`);
  }
  return rows;
}

export function registerBenchRouteCommands(ctx: CliContext): void {
  ctx
    .group('bench', 'benchmarks that print tables')
    .command('route')
    .description('/route latency (in process and over HTTP) and HNSW vs brute force (build, query p50, recall@10)')
    .option('--n <rows>', 'index benchmark size', '100000')
    .option('--dim <d>', 'index benchmark dimension', '384')
    .option('--requests <n>', 'route latency requests', '2000')
    .option('--data <file>', 'score table to train the latency router on', 'data/sample/llmrouter-train.jsonl.gz')
    .option('--out <dir>', 'write the results JSON here', 'out/bench')
    .action(async (o: { n: string; dim: string; requests: string; data: string; out: string }) => {
      const backend = await initBackend(ctx.config.backend);
      const log = (s: string) => process.stderr.write(s + '\n');
      const requests = Number(o.requests);
      // 1. /route latency with the default hashing featurizer + kNN router.
      const records = await readRecords(o.data, 'scores');
      const router = await trainRouter(records, { kind: 'knn', name: 'bench', version: 'v', prices: loadPrices(undefined, o.data) });
      const prompts = records.slice(0, 200).map((r) => r.prompt);
      for (const p of prompts.slice(0, 50)) await router.route({ prompt: p });
      const inproc: number[] = [];
      for (let i = 0; i < requests; i++) {
        const t = performance.now();
        await router.route({ prompt: prompts[i % prompts.length]!, policy: { kind: 'willingness-to-pay', wtp: 100 } });
        inproc.push(performance.now() - t);
      }
      const app = createApp({ router, backend: backend.name });
      const server = await new Promise<import('node:http').Server>((r) => {
        const s = app.listen(0, '127.0.0.1', () => r(s));
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/route`;
      const http: number[] = [];
      for (let i = 0; i < requests; i++) {
        const t = performance.now();
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: prompts[i % prompts.length], policy: { kind: 'willingness-to-pay', wtp: 100 } }),
        });
        await res.json();
        http.push(performance.now() - t);
      }
      // The same prompts in batches of 200 through POST /route/batch (one featurizer pass, one predict).
      const batchSize = prompts.length;
      const batches = Math.max(5, Math.round(requests / batchSize));
      const batch: number[] = [];
      const body = JSON.stringify({ requests: prompts.map((prompt) => ({ prompt, policy: { kind: 'willingness-to-pay', wtp: 100 } })) });
      for (let i = 0; i < batches; i++) {
        const t = performance.now();
        const res = await fetch(url + '/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (!res.ok) throw new Error(`POST /route/batch failed: ${res.status} ${await res.text()}`);
        await res.json();
        batch.push(performance.now() - t);
      }
      await new Promise<void>((r) => server.close(() => r()));
      const lat = [
        { where: 'in process (RouterPipeline.route)', requests, p50Ms: pct(inproc, 50), p99Ms: pct(inproc, 99), perPromptMs: mean(inproc) },
        { where: 'HTTP POST /route (loopback, sequential)', requests, p50Ms: pct(http, 50), p99Ms: pct(http, 99), perPromptMs: mean(http) },
        {
          where: `HTTP POST /route/batch (${batchSize} prompts per request)`,
          requests: batches,
          p50Ms: pct(batch, 50),
          p99Ms: pct(batch, 99),
          perPromptMs: mean(batch) / batchSize,
        },
      ];
      // 2. Index: exact vs HNSW on clustered vectors and on real prompts (hashing features, random projection).
      const n = Number(o.n);
      const dim = Number(o.dim);
      log(`index benchmark: ${n} × ${dim} (HNSW build is single-threaded; ~200 s at 100k × 384)`);
      const clustered = clusteredVectors(n + 500, dim, Math.max(10, Math.round(n / 100)), 1.0, 7);
      const idx = benchIndexes('clustered Gaussian mixture', clustered.slice(0, n), clustered.slice(n), [10, 50, 100], log);
      const table = [
        `/route latency, kNN router (k=40, exact index) on ${records.length} prompts, hashing featurizer, backend ${backend.name}:`,
        '',
        '| where | requests | p50 ms | p99 ms | mean ms per prompt |',
        '|---|---|---|---|---|',
        ...lat.map((l) => `| ${l.where} | ${l.requests} | ${l.p50Ms.toFixed(2)} | ${l.p99Ms.toFixed(2)} | ${l.perPromptMs.toFixed(2)} |`),
        '',
        `Vector index, ${n} × ${dim}, 500 held-out queries, recall@10 against exact search:`,
        '',
        '| data | index | build s | query p50 ms | query p99 ms | recall@10 |',
        '|---|---|---|---|---|---|',
        ...idx.map(
          (r) => `| ${r.data} | ${r.index} | ${r.buildS.toFixed(1)} | ${r.queryP50Ms.toFixed(3)} | ${r.queryP99Ms.toFixed(3)} | ${r.recallAt10.toFixed(3)} |`,
        ),
      ].join('\n');
      process.stdout.write(table + '\n');
      if (!existsSync(o.out)) mkdirSync(o.out, { recursive: true });
      writeFileSync(
        join(o.out, 'bench-route.json'),
        JSON.stringify({ backend: backend.name, latency: lat, index: idx, date: new Date().toISOString() }, null, 2),
      );
      writeFileSync(join(o.out, 'bench-route.md'), table + '\n');
    });
}
