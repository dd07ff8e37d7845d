import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnnRouter } from '../../src/routers/knn.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import { OnlineLearner, type LabelledFeedback } from '../../src/store/onlineLearner.js';
import { openStore } from '../../src/store/openStore.js';
import type { FeedbackRecord, Store } from '../../src/store/Store.js';
import { feedbackRecord, routeRecord } from '../helpers/routeRecords.js';
import { syntheticRecords, TINY_PRICES } from '../helpers/tinyRouter.js';
import { duckdbTarget, type StoreTarget } from '../store/storeTargets.js';

let dir: string;
let target: StoreTarget;
let store: Store;
const fb = feedbackRecord;
const FRENCH = (i: number) => `translate this sentence into french please: the cat sat on the mat number ${i}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmr-online-'));
  target = duckdbTarget();
  store = await openStore(target.url, { storePrompts: true });
});
afterAll(async () => {
  await store.close();
  await target.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function saved(kind: 'knn' | 'elo', name: string): Promise<string> {
  const p = await trainRouter(syntheticRecords(80), {
    kind,
    params: kind === 'knn' ? { k: 5 } : { k: 10 },
    featurizer: { kind: 'hashing', config: { dim: 1024 } },
    prices: TINY_PRICES,
    name,
    version: 'v1',
  });
  const d = join(dir, name);
  await p.save(d);
  return d;
}

/** Feedback committed to the store, then handed to the learner as the server does. */
async function commit(items: { route?: ReturnType<typeof routeRecord>; feedback: FeedbackRecord }[]): Promise<LabelledFeedback[]> {
  const routes = items.flatMap((i) => (i.route ? [i.route] : []));
  if (routes.length) await store.writeRoutes(routes);
  await store.writeFeedback(items.map((i) => i.feedback));
  return items.map((i) => ({ feedback: i.feedback, prompt: i.route?.prompt ?? i.feedback.prompt }));
}

describe('online learning', () => {
  it('kNN adds rated prompts to its memory at once, and the memory survives a restart (replayed from the store)', async () => {
    const d = await saved('knn', 'oknn');
    const p = await RouterPipeline.load(d);
    const learner = new OnlineLearner({ getRouter: () => p, batchMs: 0 });
    const probe = FRENCH(999);
    const before = (await p.route({ prompt: probe })).scores.weak!.quality;
    const items = await commit(
      Array.from({ length: 12 }, (_, i) => {
        const route = routeRecord({
          routeId: `fr${i}`,
          prompt: FRENCH(i),
          candidates: ['strong', 'weak'],
          chosenModel: 'weak',
          answeredModel: 'weak',
          time: new Date(Date.now() + 1000).toISOString(),
        });
        return {
          route,
          feedback: fb({
            feedbackId: `ffr${i}`,
            routeId: route.routeId,
            model: 'weak',
            score: i % 6 === 0 ? 0.5 : 0,
            time: new Date(Date.now() + 1000).toISOString(),
          }),
        };
      }),
    );
    learner.enqueue(items);
    await learner.flush();
    const after = await p.route({ prompt: probe, explain: true });
    expect((p.router as KnnRouter).onlineRows).toBe(12);
    expect(after.scores.weak!.quality).toBeLessThan(before - 0.2);
    expect(after.explanation!.neighbours!.some((n) => n.id.startsWith('feedback:'))).toBe(true);

    // Restart: a fresh load of the same artifact, then the store replay.
    const q = await RouterPipeline.load(d);
    expect((await q.route({ prompt: probe })).scores.weak!.quality).toBeCloseTo(before, 10);
    const n = await new OnlineLearner({ getRouter: () => q }).replay(store, q);
    expect(n).toBe(12);
    expect((await q.route({ prompt: probe })).scores.weak!.quality).toBeCloseTo(after.scores.weak!.quality, 10);
  });

  it('kNN memory is bounded (oldest dropped) and persisted by save()/load()', async () => {
    const d = await saved('knn', 'oknn-bounded');
    const p = await RouterPipeline.load(d);
    const r = p.router as KnnRouter;
    (r.params as { maxOnline: number }).maxOnline = 5;
    const x = await p.featurizer.transform(Array.from({ length: 8 }, (_, i) => FRENCH(i)));
    await r.learn({ ids: x.map((_, i) => `o${i}`), features: x, scores: x.map(() => Float64Array.from([0, 1])) });
    expect(r.onlineRows).toBe(5);
    const probe = await p.featurizer.transform([FRENCH(77)]);
    const want = await r.predict(probe);
    await p.save(join(dir, 'oknn-bounded-2'));
    const back = await RouterPipeline.load(join(dir, 'oknn-bounded-2'));
    expect((back.router as KnnRouter).onlineRows).toBe(5);
    expect(Array.from((await back.router.predict(probe))[0]!)).toEqual(Array.from(want[0]!));
    const ex = await back.router.explain!(probe[0]!);
    expect(ex.neighbours!.map((n) => n.id)).not.toContain('o0');
  });

  it('Elo applies pairwise feedback online, and the update survives a restart', async () => {
    const d = await saved('elo', 'oelo');
    const p = await RouterPipeline.load(d);
    const learner = new OnlineLearner({ getRouter: () => p, batchMs: 0 });
    const probe = 'write a short poem about the sea and the moon, verse 4242';
    const before = await p.route({ prompt: probe });
    const t = new Date(Date.now() + 2000).toISOString();
    const items = await commit(
      Array.from({ length: 30 }, (_, i) => ({
        feedback: fb({
          feedbackId: `pe${i}`,
          kind: 'preference',
          winner: 'strong',
          loser: 'weak',
          prompt: `write a short poem about the sea and the moon, verse ${3000 + i}`,
          time: t,
        }),
      })),
    );
    learner.enqueue(items);
    await learner.flush();
    const after = await p.route({ prompt: probe });
    const gap = (r: typeof before) => r.scores.strong!.quality - r.scores.weak!.quality;
    expect(gap(after)).toBeGreaterThan(gap(before));
    const q = await RouterPipeline.load(d);
    await new OnlineLearner({ getRouter: () => q }).replay(store, q);
    expect(gap(await q.route({ prompt: probe }))).toBeCloseTo(gap(after), 8);
  });
});
