import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import type { FeedbackRecord, Store } from '../../src/store/Store.js';
import { feedbackRecord, routeRecord } from '../helpers/routeRecords.js';
import { duckdbTarget, postgresTarget, skipUnlessPostgres, type StoreTarget } from './storeTargets.js';

/** A score of 1 for model `a` unless overridden. */
function fb(over: Partial<FeedbackRecord> & { feedbackId: string }): FeedbackRecord {
  return feedbackRecord({ model: 'a', score: 1, ...over });
}

for (const kind of ['duckdb', 'postgres'] as const) {
  describe(`store on ${kind}`, () => {
    let target: StoreTarget;
    let store: Store;
    let skip = false;
    beforeAll(async () => {
      if (kind === 'postgres' && (skip = await skipUnlessPostgres())) return;
      target = kind === 'duckdb' ? duckdbTarget() : postgresTarget();
      store = await openStore(target.url, { storePrompts: false });
    });
    afterAll(async () => {
      if (skip) return;
      await store?.close();
      await target?.cleanup();
    });

    it('applies migrations once, keeps the salt across re-opens, and hashes prompts when not storing them', async () => {
      if (skip) return;
      expect(store.schemaVersion).toBe(1);
      await store.write(routeRecord({ routeId: 'r1', prompt: 'secret prompt', userId: 'u1', time: '2026-11-30T10:00:00.000Z' }));
      await store.flush();
      const got = await store.getRoute('r1');
      expect(got?.prompt).toBeNull();
      expect(got?.promptHash).toBe(store.hashPrompt('secret prompt'));
      const h = store.hashPrompt('x');
      await store.close();
      store = await openStore(target.url, { storePrompts: false });
      expect(store.hashPrompt('x')).toBe(h);
      expect((await store.getRoute('r1'))?.userId).toBe('u1');
    });

    it('stores feedback idempotently by feedbackId and groups concurrent writes', async () => {
      if (skip) return;
      await store.writeRoutes([routeRecord({ routeId: 'r2', chosenModel: 'b', answeredModel: 'b', time: '2026-11-30T11:00:00.000Z' })]);
      const first = await store.writeFeedback([fb({ feedbackId: 'f1', routeId: 'r2', model: 'b', score: 0.25 })]);
      expect(first).toEqual({ inserted: ['f1'], duplicates: [] });
      const again = await store.writeFeedback([fb({ feedbackId: 'f1', routeId: 'r2', model: 'b', score: 0.9 })]);
      expect(again).toEqual({ inserted: [], duplicates: ['f1'] });
      const many = await Promise.all(Array.from({ length: 40 }, (_, i) => store.writeFeedback([fb({ feedbackId: `g${i % 20}`, routeId: 'r1', score: 0.5 })])));
      expect(many.reduce((s, r) => s + r.inserted.length, 0)).toBe(20);
      expect(many.reduce((s, r) => s + r.duplicates.length, 0)).toBe(20);
      const list = await store.recentFeedback({ routeId: 'r2' });
      expect(list.map((f) => [f.feedbackId, f.score])).toEqual([['f1', 0.25]]);
    });

    it('feedback on a route record still queued commits the route record with it', async () => {
      if (skip) return;
      await store.write(routeRecord({ routeId: 'r3', time: '2026-12-01T09:00:00.000Z' }));
      await store.writeFeedback([fb({ feedbackId: 'f3', routeId: 'r3', score: 0 })]);
      const lab = await store.labelledRoutes({ since: '2026-12-01T00:00:00Z' });
      expect(lab.map((l) => [l.route.routeId, l.feedback.map((f) => f.feedbackId)])).toEqual([['r3', ['f3']]]);
    });

    it('answers the dashboard queries: buckets, feedback per model, stats', async () => {
      if (skip) return;
      const b = await store.modelBuckets({ bucket: 'day' });
      expect(b.find((x) => x.model === 'a' && x.bucket === '2026-11-30T00:00:00.000Z')?.routes).toBe(1);
      const w = await store.modelBuckets({ bucket: 'week' });
      expect(w.every((x) => new Date(x.bucket).getUTCDay() === 1)).toBe(true);
      const m = await store.modelFeedback();
      const a = m.find((x) => x.model === 'a')!;
      expect(a.routes).toBe(2);
      expect(a.ratedRoutes).toBe(2);
      expect(a.meanScore).toBeCloseTo((20 * 0.5 + 0) / 21, 10);
      const bm = m.find((x) => x.model === 'b')!;
      expect([bm.feedbackRate, bm.meanScore]).toEqual([1, 0.25]);
      await store.writeFeedback([fb({ feedbackId: 'p1', kind: 'preference', model: null, score: null, winner: 'a', loser: 'b', prompt: 'p' })]);
      const m2 = await store.modelFeedback();
      expect(m2.find((x) => x.model === 'a')!.wins).toBe(1);
      expect(m2.find((x) => x.model === 'b')!.losses).toBe(1);
      expect((await store.preferences()).map((p) => p.feedbackId)).toEqual(['p1']);
      const s = await store.stats();
      expect([s.routes, s.feedback, s.feedbackByKind.preference]).toEqual([3, 23, 1]);
      expect(s.models.reduce((t, x) => t + x.share, 0)).toBeCloseTo(1, 10);
      expect((await store.recentRoutes({ limit: 2 })).map((r) => r.routeId)).toEqual(['r3', 'r2']);
    });

    it('records model versions, prunes by age and deletes by route id and user id', async () => {
      if (skip) return;
      await store.recordModelVersion({
        id: 'mv1',
        routerName: 'x',
        version: 'v2',
        time: new Date().toISOString(),
        actor: 'test',
        step: 'refused',
        dataDigest: 'abc',
        metrics: { delta: -0.1 },
        promoted: false,
        reason: 'worse',
        parentVersion: 'v1',
      });
      expect((await store.modelVersions('x')).map((v) => [v.step, v.metrics.delta])).toEqual([['refused', -0.1]]);
      expect(await store.deleteWhere({ userId: 'u1' })).toEqual({ routes: 1, feedback: 20 });
      expect(await store.getRoute('r1')).toBeNull();
      expect(await store.prune('2026-11-30T12:00:00Z')).toEqual({ routes: 1, feedback: 1 });
      expect(await store.deleteWhere({ routeIds: ['r3'] })).toEqual({ routes: 1, feedback: 1 });
      const s = await store.stats();
      expect([s.routes, s.feedback]).toEqual([0, 1]);
    });
  });
}
