import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJsonl } from '../../src/data/files.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import { openStore } from '../../src/store/openStore.js';
import { retrain } from '../../src/store/retrain.js';
import { scoreRecordsFromStore } from '../../src/store/storeRecords.js';
import { postJson, startServerProcess, type KillableServer as ServerProcess } from '../helpers/serverProcess.js';
import { syntheticRecords, TINY_PRICES } from '../helpers/tinyRouter.js';
import { duckdbTarget, PG_URL, postgresTarget, skipUnlessPostgres, type StoreTarget } from '../store/storeTargets.js';
import { TcpProxy } from '../store/tcpProxy.js';

/**
 * Real processes, real databases: `llmr serve` child processes writing to DuckDB files and to the PostgreSQL
 * server of LLMR_TEST_POSTGRES_URL (a unique schema per test, dropped after).
 */
let tmp: string;
let env: NodeJS.ProcessEnv;
const running: ServerProcess[] = [];
const targets: StoreTarget[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'llmr-reliab-'));
  const data = join(tmp, 'train.jsonl');
  writeJsonl(data, syntheticRecords(80));
  const p = await trainRouter(syntheticRecords(80), {
    kind: 'knn',
    params: { k: 5 },
    featurizer: { kind: 'hashing', config: { dim: 1024 } },
    prices: TINY_PRICES,
    name: 'tiny',
    version: '20260101T000000Z',
    source: data,
  });
  await p.save(join(tmp, 'models', 'tiny', '20260101T000000Z'));
  env = { ...process.env, LLMR_MODELS_DIR: join(tmp, 'models'), LLMR_CACHE_DIR: join(tmp, 'cache'), LLMR_STORE_URL: '', LLMR_WASM_THREADS: '1' };
});
afterAll(async () => {
  for (const s of running) await s.kill();
  for (const t of targets) await t.cleanup().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

async function serve(storeUrl: string): Promise<ServerProcess> {
  const s = await startServerProcess(['--router', 'tiny', '--store', storeUrl, '--store-prompts'], env);
  running.push(s);
  return s;
}

async function routeIds(base: string, n: number, prompt = (i: number) => `solve the equation ${i} x + 3 = 7`): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await postJson(`${base}/route`, { prompt: prompt(i) });
    expect(r.status).toBe(200);
    ids.push(r.json.routeId as string);
  }
  return ids;
}

/** 16 concurrent clients send feedback until `stopAfter` are acknowledged, then the server is killed with SIGKILL mid-burst. */
async function burstThenKill(srv: ServerProcess, ids: readonly string[], stopAfter: number): Promise<{ acked: string[]; failed: number }> {
  const acked: string[] = [];
  let failed = 0;
  let n = 0;
  let killing: Promise<void> | null = null;
  const worker = async () => {
    while (!killing || srv.proc.exitCode === null) {
      const feedbackId = `burst-${n++}`;
      try {
        const r = await postJson(`${srv.url}/feedback`, { routeId: ids[n % ids.length], score: (n % 10) / 10, feedbackId }, 5000);
        if (r.status === 200) acked.push(feedbackId);
        else failed++;
      } catch {
        failed++;
        if (killing) return;
      }
      if (acked.length >= stopAfter && !killing) killing = srv.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await killing;
  return { acked, failed };
}

for (const kind of ['duckdb', 'postgres'] as const) {
  describe(`kill -9 during a burst of acknowledged /feedback writes (${kind})`, () => {
    it('every acknowledged write is present after restart', async () => {
      if (kind === 'postgres' && (await skipUnlessPostgres())) return;
      const target = kind === 'duckdb' ? duckdbTarget() : postgresTarget();
      targets.push(target);
      const srv = await serve(target.url);
      const ids = await routeIds(srv.url, 4);
      const { acked, failed } = await burstThenKill(srv, ids, 200);
      expect(srv.proc.signalCode).toBe('SIGKILL');
      expect(acked.length).toBeGreaterThanOrEqual(200);
      console.log(`[${kind}] acknowledged ${acked.length} feedback writes before kill -9 (${failed} requests failed or were cut)`);
      // Restart the server on the same store: every acknowledged id is already there (a resubmission is a duplicate).
      const again = await serve(target.url);
      const r = await postJson(
        `${again.url}/feedback`,
        { items: acked.map((feedbackId, i) => ({ routeId: ids[0], score: 0.5, feedbackId: feedbackId ?? `x${i}` })) },
        60_000,
      );
      expect(r.status).toBe(200);
      expect(r.json.duplicates).toBe(acked.length);
      await again.kill('SIGTERM');
      const store = await openStore(target.url);
      const stored = new Set((await store.recentFeedback({ limit: 100_000 })).map((f) => f.feedbackId));
      await store.close();
      expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    });
  });
}

describe('two server processes on one PostgreSQL', () => {
  it('records from both are exported and used by one retrain', async () => {
    if (await skipUnlessPostgres()) return;
    const target = postgresTarget();
    targets.push(target);
    const [a, b] = await Promise.all([serve(target.url), serve(target.url)]);
    const byServer = new Map<string, string>();
    for (const [name, srv] of [
      ['a', a!],
      ['b', b!],
    ] as const) {
      const ids = await routeIds(srv.url, 30, (i) => `solve the equation ${name}${i} x + 3 = 7 and compute the integral`);
      const r = await postJson(`${srv.url}/feedback`, { items: ids.map((routeId) => ({ routeId, model: 'weak', score: 1 })) });
      expect(r.json.inserted).toBe(30);
      for (const id of ids) byServer.set(id, name);
    }
    const store = await openStore(target.url, { storePrompts: true });
    try {
      const exported = await scoreRecordsFromStore(store);
      expect(exported.records.length).toBe(60);
      expect(new Set(exported.records.map((r) => byServer.get(r.id)))).toEqual(new Set(['a', 'b']));
      const res = await retrain({ store, name: 'tiny', modelsDir: join(tmp, 'models'), minHoldout: 5, replicates: 200, dryRun: true });
      const trained = res.steps.find((s) => s.step === 'trained')!;
      expect(trained.metrics.storeScoreRows).toBe(60);
      expect((trained.metrics.storeTrainRows as number) + (trained.metrics.holdoutRows as number)).toBe(60);
    } finally {
      await store.close();
    }
  });
});

describe('store stopped while serving (PostgreSQL behind a proxy the test closes)', () => {
  it('routing continues, feedback answers 503 with Retry-After, writes resume when the store returns', async () => {
    if (await skipUnlessPostgres()) return;
    const target = postgresTarget();
    targets.push(target);
    const pg = new URL(PG_URL);
    const proxy = new TcpProxy(pg.hostname, Number(pg.port || 5432));
    await proxy.start();
    const viaProxy = new URL(target.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const srv = await serve(viaProxy.toString());
    const [before] = await routeIds(srv.url, 1);
    expect((await postJson(`${srv.url}/feedback`, { routeId: before, score: 1 })).status).toBe(200);

    await proxy.stop();
    const during = await routeIds(srv.url, 3, (i) => `a poem written while the database was down ${i}`);
    const refused = await postJson(`${srv.url}/feedback`, { routeId: during[0], score: 0.5, feedbackId: 'during-0' });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.json.error).toBe('store_unavailable');

    await proxy.start();
    let status = 0;
    for (let t = 0; t < 40 && status !== 200; t++) {
      status = (await postJson(`${srv.url}/feedback`, { routeId: during[0], score: 0.5, feedbackId: 'during-0' })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
    const store = await openStore(target.url);
    try {
      let found: (string | null)[] = [];
      for (let t = 0; t < 40; t++) {
        found = await Promise.all(during.map(async (id) => (await store.getRoute(id))?.routeId ?? null));
        if (found.every(Boolean)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(found).toEqual(during);
      expect((await store.recentFeedback({ routeId: during[0] })).map((f) => f.feedbackId)).toEqual(['during-0']);
    } finally {
      await store.close();
      await srv.kill('SIGTERM');
      await proxy.stop();
    }
  });
});
