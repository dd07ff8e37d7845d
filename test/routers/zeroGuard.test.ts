import { describe, expect, it } from 'vitest';
import type { TrainingSet } from '../../src/routers/Router.js';
import { guardDecision, guardFolds, guardFromPredictions, guardedChoices, zeroModelAt } from '../../src/routers/zeroGuard.js';
import { Rng } from '../../src/util/rng.js';

/** 400 rows, models "dear" (right 80%) and "cheap" (right 50%), cost 10 vs 1. */
function data(seed = 1): { set: TrainingSet; cost: Float64Array[] } {
  const rng = new Rng(seed);
  const scores = Array.from({ length: 400 }, () => Float64Array.from([rng.next() < 0.8 ? 1 : 0, rng.next() < 0.5 ? 1 : 0]));
  return {
    set: {
      ids: scores.map((_, i) => `r${i}`),
      features: scores.map(() => new Float32Array(1)),
      models: ['dear', 'cheap'],
      scores,
      tasks: scores.map(() => undefined),
    },
    cost: scores.map(() => Float64Array.from([10, 1])),
  };
}

describe('Zero-router guard', () => {
  const { set, cost } = data();
  it('folds partition the rows deterministically', () => {
    const f = guardFolds(set.ids, 5);
    expect(f.flat().sort((a, b) => a - b)).toEqual(set.ids.map((_, i) => i));
    expect(guardFolds(set.ids, 5)).toEqual(f);
    for (const part of f) expect(part.length).toBeGreaterThan(40);
  });

  it('a router that knows the answers is better at every trade-off point: never guarded', () => {
    const g = guardFromPredictions(set, set.scores, cost, { folds: 5 });
    expect(g.maxQuality.better).toBe(true); // it also calls cheap where only cheap is right
    const mid = g.points.filter((p) => p.zeroModel === 'dear' && p.wtp < 100);
    expect(mid.length).toBeGreaterThan(0);
    for (const p of mid) expect(p.better).toBe(true);
  });

  it('a router of pure noise is guarded everywhere: it routes as the best single model for each budget', () => {
    const rng = new Rng(4);
    const noise = set.scores.map(() => Float64Array.from([rng.next(), rng.next()]));
    const g = guardFromPredictions(set, noise, cost, { folds: 5 });
    expect(g.points.every((p) => !p.better || p.wtp === 0)).toBe(true);
    expect(g.maxQuality.better).toBe(false);
    const d = guardDecision(g, { kind: 'max-quality' }, ['dear', 'cheap'], ['dear', 'cheap']);
    expect(d?.model).toBe('dear');
    expect(d?.reason).toMatch(/not above always calling dear/);
    const high = guardDecision(g, { kind: 'willingness-to-pay', wtp: 1000 }, ['dear', 'cheap'], ['dear', 'cheap']);
    expect(high?.model).toBe(zeroModelAt(g.means, 1000));
    expect(guardDecision(g, { kind: 'willingness-to-pay', wtp: 0.001 }, ['dear', 'cheap'], ['dear', 'cheap'])?.model ?? 'cheap').toBe('cheap');
    // restricted candidates are not covered by the comparison: route by the router
    expect(guardDecision(g, { kind: 'max-quality' }, ['dear'], ['dear', 'cheap'])).toBeNull();
    // the guarded series picks the zero model on every row at a guarded point
    const ch = guardedChoices(g, ['dear', 'cheap'], [1000], () => Int32Array.from({ length: 400 }, (_, i) => i % 2));
    expect([...new Set(ch[0])]).toEqual([0]);
  });
});

describe('RouterPipeline with a guard', () => {
  it('trainRouter stores the guard; route() says when it routes as the Zero router; save/load keeps it; guard:false and guard option off skip it', async () => {
    const { initBackend } = await import('../../src/backend/backend.js');
    const { trainRouter } = await import('../../src/routers/trainRouter.js');
    const { RouterPipeline } = await import('../../src/routers/RouterPipeline.js');
    const { syntheticRecords, TINY_PRICES } = await import('../helpers/tinyRouter.js');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    await initBackend();
    // the scores carry no signal the prompts can show: every prompt text is the same shape, scores random
    const rng = new Rng(11);
    const recs = syntheticRecords(120).map((r, i) => ({
      ...r,
      prompt: `question number ${i}`,
      scores: { strong: rng.next() < 0.8 ? 1 : 0, weak: rng.next() < 0.4 ? 1 : 0 },
    }));
    const p = await trainRouter(recs, {
      kind: 'knn',
      params: { k: 5 },
      featurizer: { kind: 'hashing', config: { dim: 256 } },
      prices: TINY_PRICES,
      guard: { folds: 4 },
    });
    expect(p.guard?.folds).toBe(4);
    expect(p.guard?.rows).toBe(120);
    const d = await p.route({ prompt: 'question number 7', policy: { kind: 'max-quality' } });
    expect(d.guard).toBeDefined();
    expect(p.guard!.maxQuality.better).toBe(false);
    expect(d.guard!.routedAsZero).toBe(true);
    expect(d.model).toBe('strong');
    expect(d.reason).toMatch(/^guard: /);
    const raw = await p.route({ prompt: 'question number 7', policy: { kind: 'max-quality' }, guard: false });
    expect(raw.guard).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'llmr-guard-'));
    await p.save(dir);
    const back = await RouterPipeline.load(dir);
    expect(back.guard).toEqual(p.guard);
    const off = await trainRouter(recs, {
      kind: 'knn',
      params: { k: 5 },
      featurizer: { kind: 'hashing', config: { dim: 256 } },
      prices: TINY_PRICES,
      guard: false,
    });
    expect(off.guard).toBeUndefined();
  }, 120_000);
});
