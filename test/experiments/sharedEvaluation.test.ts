import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { trainAndEvaluate, type SharedSet } from '../../src/experiments/sharedEvaluation.js';
import { syntheticRecords } from '../helpers/tinyRouter.js';

/** trainAndEvaluate on a small synthetic set (the shared sets themselves run in `npm run eval:shared`). */
function tinySet(): SharedSet {
  const all = syntheticRecords(120);
  return {
    name: 'tiny',
    train: all.slice(0, 80),
    test: all.slice(80).map((r) => ({ ...r, id: `t${r.id}` })),
    models: ['strong', 'weak'],
    prices: { strong: { perCall: 0.01 }, weak: { perCall: 0.0005 } },
    pair: { strong: 'strong', weak: 'weak' },
    info: { source: 'synthetic' },
  };
}

beforeAll(async () => {
  await initBackend();
});

describe('trainAndEvaluate with a reference router', () => {
  const opts = { routers: ['knn', 'elo'], featurizerConfig: { dim: 512 }, bootstrap: 30, randomSeeds: 2 };

  it('compares every other router with the reference, paired', async () => {
    const r = await trainAndEvaluate(tinySet(), { ...opts, reference: 'knn' });
    expect(r.failures).toEqual([]);
    expect(r.dataset.reference).toBe('knn');
    const elo = r.dataset.routers.find((x) => x.name === 'elo')!;
    expect(elo.vsReference!.name).toBe('knn');
    expect(elo.vsReference!.apgr).toBeCloseTo(elo.pair!.apgr - r.dataset.routers.find((x) => x.name === 'knn')!.pair!.apgr, 12);
    expect(elo.vsReference!.apgrCI!.n).toBeGreaterThan(0);
  });

  it('a reference that fails to train leaves a note, and the other routers are still evaluated', async () => {
    const r = await trainAndEvaluate(tinySet(), { ...opts, reference: 'knn', params: { knn: { k: -1 } } });
    expect(r.failures.map((f) => f.kind)).toEqual(['knn']);
    expect(r.dataset.reference).toBeUndefined();
    expect(r.dataset.routers.map((x) => x.name)).toEqual(['elo']);
    expect(r.dataset.info.notes!.join('\n')).toMatch(/reference router knn did not train on this set: no paired comparison/);
  });
});
