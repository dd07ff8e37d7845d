import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJsonl } from '../../src/data/files.js';
import { readRecords } from '../../src/data/readRecords.js';
import { resolveArtifactDir } from '../../src/artifacts/artifact.js';
import { openStore } from '../../src/store/openStore.js';
import { retrain } from '../../src/store/retrain.js';
import type { Store } from '../../src/store/Store.js';
import { pairRecordsFromStore, scoreRecordsFromStore } from '../../src/store/storeRecords.js';
import { writeRecordsFile } from '../../src/store/writeRecordsFile.js';
import { feedbackRecord, routeRecord } from '../helpers/routeRecords.js';
import { syntheticRecords, TINY_PRICES } from '../helpers/tinyRouter.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import { duckdbTarget, type StoreTarget } from './storeTargets.js';

let dir: string;
let target: StoreTarget;
let store: Store;

const fb = feedbackRecord;

/** n routes of maths prompts answered by `model`, each rated `score`, with feedback times spread from t0 on. */
async function feedbackOn(prefix: string, n: number, model: string, score: number, t0: number, promptOf: (i: number) => string) {
  const routes = Array.from({ length: n }, (_, i) =>
    routeRecord({
      routeId: `${prefix}${i}`,
      prompt: promptOf(i),
      candidates: ['strong', 'weak'],
      chosenModel: model,
      answeredModel: model,
      time: new Date(t0 + i * 1000).toISOString(),
    }),
  );
  await store.writeRoutes(routes);
  await store.writeFeedback(
    routes.map((r, i) => fb({ feedbackId: `f-${r.routeId}`, routeId: r.routeId, kind: 'score', model, score, time: new Date(t0 + i * 1000).toISOString() })),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmr-retrain-'));
  const data = join(dir, 'train.jsonl');
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
  await p.save(join(dir, 'models', 'tiny', '20260101T000000Z'));
  target = duckdbTarget();
  store = await openStore(target.url, { storePrompts: true });
});
afterAll(async () => {
  await store.close();
  await target.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('export and retrain from the store', () => {
  it('exports score and pair records the trainers read back, in jsonl, parquet and arrow', async () => {
    await feedbackOn('e', 4, 'weak', 1, Date.parse('2026-11-01T00:00:00Z'), (i) => `export maths prompt ${i}`);
    await store.writeFeedback([fb({ feedbackId: 'pref-1', kind: 'preference', winner: 'weak', loser: 'strong', prompt: 'a preference prompt' })]);
    const scores = await scoreRecordsFromStore(store);
    const pairs = await pairRecordsFromStore(store);
    expect(scores.records.length).toBe(4);
    expect(pairs.records).toEqual([{ id: 'pref-1', prompt: 'a preference prompt', model_a: 'weak', model_b: 'strong', winner: 'a' }]);
    for (const fmt of ['jsonl', 'parquet', 'arrow'] as const) {
      const s = join(dir, `scores.${fmt}`);
      writeRecordsFile(s, scores.records, 'scores', fmt);
      const back = await readRecords(s, 'scores');
      expect(back.map((r) => [r.id, r.prompt, r.scores.weak])).toEqual(scores.records.map((r) => [r.id, r.prompt, 1]));
      const pf = join(dir, `pairs.${fmt}`);
      writeRecordsFile(pf, pairs.records, 'pairs', fmt);
      expect((await readRecords(pf, 'pairwise')).map((r) => [r.model_a, r.model_b, r.winner])).toEqual([['weak', 'strong', 'a']]);
    }
    await store.deleteWhere({ routeIds: ['e0', 'e1', 'e2', 'e3'] });
  });

  it('promotes a version that learned from feedback (the cheap model got good at maths) and records every step', async () => {
    // The world changed: "weak" now solves maths prompts; the serving kNN still predicts 0 for it.
    await feedbackOn('m', 100, 'weak', 1, Date.now() - 3_600_000, (i) => `solve the equation ${i} x + 3 = 7 and compute the integral please ${i % 13}`);
    const r = await retrain({ store, name: 'tiny', modelsDir: join(dir, 'models'), replicates: 300 });
    expect(r.promoted).toBe(true);
    expect(r.metrics.candidateMse as number).toBeLessThan(r.metrics.servingMse as number);
    expect(resolveArtifactDir('tiny', join(dir, 'models'))).toBe(r.dir);
    const steps = (await store.modelVersions('tiny')).filter((v) => v.version === r.version).map((v) => v.step);
    expect(steps).toEqual(['trained', 'evaluated', 'promoted']);
    const mv = (await store.modelVersions('tiny')).at(-1)!;
    expect(mv.dataDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(mv.parentVersion).toBe('20260101T000000Z');
  });

  it('refuses a version that is worse on the newest feedback, and leaves the serving version in place', async () => {
    const before = resolveArtifactDir('tiny', join(dir, 'models'));
    // Older (bad) feedback says "strong" fails poems; the newest feedback says it is fine, as the serving version predicts.
    await feedbackOn('bad', 120, 'strong', 0, Date.now() - 1_800_000, (i) => `write a short poem about the sea and the moon, verse ${1000 + i}`);
    await feedbackOn('good', 60, 'strong', 1, Date.now() - 60_000, (i) => `write a short poem about the sea and the moon, verse ${5000 + i}`);
    const r = await retrain({ store, name: 'tiny', modelsDir: join(dir, 'models'), holdoutFraction: 0.15, replicates: 300 });
    expect(r.promoted).toBe(false);
    expect(r.reason).toMatch(/worse/);
    expect(resolveArtifactDir('tiny', join(dir, 'models'))).toBe(before);
    expect(readdirSync(join(dir, 'models', '.retrain', 'tiny'))).toContain(r.version);
    expect((await store.modelVersions('tiny')).at(-1)).toMatchObject({ step: 'refused', promoted: false });
  });
});
