import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { initBackend } from '../../src/backend/backend.js';
import { quantile } from '../../src/eval/numeric.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import { openStore } from '../../src/store/openStore.js';
import { retrain } from '../../src/store/retrain.js';
import type { RouteRecord } from '../../src/store/RouteRecord.js';
import type { FeedbackRecord, Store } from '../../src/store/Store.js';
import { scoreRecordsFromStore } from '../../src/store/storeRecords.js';
import { writeRecordsFile } from '../../src/store/writeRecordsFile.js';
import type { CliContext } from '../cliContext.js';
import { numberFlag } from '../cliContext.js';

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');

function route(i: number, t: number): RouteRecord {
  const maths = i % 2 === 0;
  return {
    routeId: `bench-${i}`,
    time: new Date(t).toISOString(),
    source: 'route',
    routerName: 'bench',
    routerVersion: 'v1',
    policy: { kind: 'max-quality' },
    candidates: ['strong', 'weak'],
    chosenModel: maths ? 'strong' : 'weak',
    answeredModel: maths ? 'strong' : 'weak',
    predicted: { strong: 0.8, weak: 0.4 },
    propensity: 1,
    attempts: [],
    inputTokens: null,
    outputTokens: null,
    tokensEstimated: false,
    estimatedCostUsd: maths ? 0.01 : 0.0005,
    costUsd: null,
    latencyMs: 3,
    status: 'ok',
    promptHash: null,
    prompt: maths ? `solve the equation ${i} x + 3 = 7` : `write a short poem about the sea, verse ${i}`,
    userId: null,
    sessionId: null,
  };
}
const feedback = (id: string, routeId: string | null, t: number, model = 'strong', score = 1): FeedbackRecord => ({
  feedbackId: id,
  routeId,
  time: new Date(t).toISOString(),
  kind: 'score',
  model,
  score,
  winner: null,
  loser: null,
  tie: false,
  promptHash: null,
  prompt: null,
  userId: null,
});

/** Acknowledged single-item feedback writes by `clients` concurrent callers for `ms`: writes/s and latency quantiles. */
async function writeLoad(store: Store, clients: number, ms: number, tag: string): Promise<{ n: number; perS: number; p50: number; p99: number }> {
  const lat: number[] = [];
  const end = performance.now() + ms;
  let k = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await store.writeFeedback([feedback(`${tag}-${k++}`, 'bench-0', Date.now())]);
        lat.push(performance.now() - t0);
      }
    }),
  );
  return { n: lat.length, perS: lat.length / (ms / 1000), p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

export function registerBenchStoreCommands(ctx: CliContext): void {
  ctx
    .group('bench')
    .command('store')
    .description(
      'feedback store benchmark: acknowledged writes/s and p99 at 1/16/64 clients (DuckDB, PostgreSQL), export and retrain time for N stored records',
    )
    .option('--records <n>', 'stored records for the export / retrain timings', numberFlag('--records'), 100_000)
    .option('--seconds <s>', 'seconds per write-load level', numberFlag('--seconds'), 5)
    .option(
      '--postgres <url>',
      'PostgreSQL server (a temporary schema is created and dropped)',
      process.env.LLMR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    )
    .action(async (o: { records: number; seconds: number; postgres: string }) => {
      await initBackend(ctx.config.backend);
      const tmp = mkdtempSync(join(tmpdir(), 'llmr-bench-store-'));
      const schema = `llmr_bench_${process.pid}`;
      const pgUrl = (() => {
        const u = new URL(o.postgres);
        u.searchParams.set('schema', schema);
        return u.toString();
      })();
      const out: string[] = [
        `machine: shared 2-vCPU VM (other agents running); loadavg at start ${loadavg()}`,
        '',
        '| store | clients | acknowledged writes | writes/s | p50 ms | p99 ms | loadavg |',
        '|---|---|---|---|---|---|---|',
      ];
      const timings: string[] = ['', `| store | records | load s | export jsonl s | export parquet s | retrain s | loadavg |`, '|---|---|---|---|---|---|---|'];
      try {
        for (const [kind, url] of [
          ['duckdb', `duckdb:${join(tmp, 'bench.duckdb')}`],
          ['postgres', pgUrl],
        ] as const) {
          let store: Store;
          try {
            store = await openStore(url, { storePrompts: true });
          } catch (e) {
            out.push(`| ${kind} | — | unavailable: ${(e as Error).message.split('\n')[0]} | | | | |`);
            continue;
          }
          await store.writeRoutes([route(0, Date.now())]);
          for (const c of [1, 16, 64]) {
            const r = await writeLoad(store, c, o.seconds * 1000, `${kind}-${c}`);
            out.push(`| ${kind} | ${c} | ${r.n} | ${r.perS.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${loadavg()} |`);
            process.stderr.write(`${out[out.length - 1]}\n`);
          }
          // N stored route records with a score each.
          let t0 = performance.now();
          const base = Date.now() - 86_400_000;
          for (let i = 1; i <= o.records; i += 5000) {
            const routes = Array.from({ length: Math.min(5000, o.records - i + 1) }, (_, k) => route(i + k, base + i + k));
            await store.writeRoutes(routes);
            await store.writeFeedback(
              routes.map((r) =>
                feedback(`fb-${r.routeId}`, r.routeId, base + 1000 + Number(r.routeId.slice(6)), r.answeredModel!, r.chosenModel === 'strong' ? 1 : 0.5),
              ),
            );
          }
          const loadS = (performance.now() - t0) / 1000;
          t0 = performance.now();
          const ex = await scoreRecordsFromStore(store);
          writeRecordsFile(join(tmp, `${kind}.jsonl`), ex.records, 'scores', 'jsonl');
          const jsonlS = (performance.now() - t0) / 1000;
          t0 = performance.now();
          writeRecordsFile(join(tmp, `${kind}.parquet`), (await scoreRecordsFromStore(store)).records, 'scores', 'parquet');
          const parquetS = (performance.now() - t0) / 1000;
          const modelsDir = join(tmp, `models-${kind}`);
          const seed = Array.from({ length: 200 }, (_, i) => ({ id: `s${i}`, prompt: route(i, 0).prompt!, scores: { strong: 1, weak: i % 2 ? 1 : 0 } }));
          const p = await trainRouter(seed, {
            kind: 'knn',
            params: { k: 20 },
            featurizer: { kind: 'hashing', config: { dim: 1024 } },
            prices: new PriceTable({ strong: { perCall: 0.01 }, weak: { perCall: 0.0005 } }),
            name: 'bench',
            version: '20260101T000000Z',
          });
          await p.save(join(modelsDir, 'bench', '20260101T000000Z'));
          t0 = performance.now();
          const rr = await retrain({ store, name: 'bench', modelsDir, originalData: null, replicates: 200 });
          const retrainS = (performance.now() - t0) / 1000;
          timings.push(
            `| ${kind} | ${o.records} | ${loadS.toFixed(1)} | ${jsonlS.toFixed(1)} | ${parquetS.toFixed(1)} | ${retrainS.toFixed(1)} (${rr.promoted ? 'promoted' : 'refused'}) | ${loadavg()} |`,
          );
          process.stderr.write(`${timings[timings.length - 1]}\n`);
          await store.close();
        }
      } finally {
        const c = new pg.Client({ connectionString: o.postgres });
        await c
          .connect()
          .then(() => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
          .catch(() => {});
        await c.end().catch(() => {});
        rmSync(tmp, { recursive: true, force: true });
      }
      process.stdout.write([...out, ...timings].join('\n') + '\n');
    });
}
