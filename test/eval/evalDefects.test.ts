import { describe, expect, it } from 'vitest';
import { tableDigest, type EvalTable } from '../../src/eval/evalTable.js';
import { evaluateRouters, type RouterPredictions } from '../../src/eval/evaluate.js';
import { wtpGrid } from '../../src/eval/sweep.js';
import { Rng } from '../../src/util/rng.js';

/** A table from per-row quality and cost matrices. */
function table(name: string, models: string[], quality: number[][], cost: number[][]): EvalTable {
  const t: EvalTable = {
    name,
    ids: quality.map((_, i) => `r${i}`),
    prompts: quality.map((_, i) => `p${i}`),
    models,
    quality: quality.map((q) => Float64Array.from(q)),
    cost: cost.map((c) => Float64Array.from(c)),
    tasks: quality.map(() => undefined),
    costSource: { logged: quality.length * models.length, priceTable: 0 },
    dropped: 0,
    digest: '',
  };
  t.digest = tableDigest(t);
  return t;
}

const router = (t: EvalTable, name: string, pred: number[][], expected?: number[][]): RouterPredictions => ({
  name,
  kind: name,
  pred: pred.map((p) => Float64Array.from(p)),
  expectedCost: (expected ?? t.cost.map((c) => Array.from(c))).map((c) => Float64Array.from(c)),
});

describe('AIQ is fixed by the data, not by what is compared', () => {
  // logged per-call costs vary by row: "x" costs 1 on even rows and 3 on odd ones (mean 2), "y" 2 everywhere
  const rng = new Rng(3);
  const n = 200;
  const quality = Array.from({ length: n }, () => [rng.next() < 0.7 ? 1 : 0, rng.next() < 0.5 ? 1 : 0, rng.next() < 0.3 ? 1 : 0]);
  const cost = Array.from({ length: n }, (_, i) => [i % 2 ? 3 : 1, 2, 0.5]);
  const t = table('varying', ['x', 'y', 'z'], quality, cost);
  const noisy = router(
    t,
    'noisy',
    quality.map((q) => q.map((v) => v + 0.5 * rng.normal())),
  );
  // predicts x is best exactly on the rows where x is dear, and expects it to be cheap: its hull goes past every single model's mean cost
  const spender = router(
    t,
    'spender',
    quality.map((_, i) => (i % 2 ? [1, 0, 0] : [0, 1, 0])),
    cost.map((_, i) => [i % 2 ? 0.1 : 10, 2, 0.5]),
  );

  it("a router's AIQ, the Zero router's AIQ and their intervals are identical whatever else is evaluated", () => {
    const alone = evaluateRouters(t, [noisy], { bootstrap: 50, pair: null });
    const withSpender = evaluateRouters(t, [noisy, spender], { bootstrap: 50, pair: null });
    expect(Math.max(...withSpender.routers[1]!.hull.map((h) => h[0]))).toBeGreaterThan(2);
    expect(withSpender.routers[0]!.aiq).toBe(alone.routers[0]!.aiq);
    expect(withSpender.zero.aiq).toBe(alone.zero.aiq);
    expect(withSpender.random.aiq).toBe(alone.random.aiq);
    expect(withSpender.routers[0]!.aiqCI).toEqual(alone.routers[0]!.aiqCI);
    expect(withSpender.zero.aiqCI).toEqual(alone.zero.aiqCI);
    // the range is the costliest single model's mean cost, and a hull beyond it is cut there
    expect(alone.maxCost).toBeCloseTo(2, 12);
    expect(withSpender.routers[1]!.clippedAt).toBeCloseTo(2, 12);
    expect(withSpender.routers[1]!.aiq).toBeLessThanOrEqual(1);
  });
});

describe('equal per-model prices', () => {
  const quality = Array.from({ length: 100 }, (_, i) => [i % 3 === 0 ? 1 : 0, i % 3 === 0 ? 0 : 1]);
  const cost = quality.map(() => [0.002, 0.002]);
  const t = table('flat', ['a', 'b'], quality, cost);
  const perfect = router(t, 'perfect', quality);

  it('the willingness-to-pay grid keeps positive values instead of collapsing to [0]', () => {
    const g = wtpGrid(t.cost, 1, 16);
    expect(g.length).toBe(17);
    expect(g[0]).toBe(0);
    expect(g[1]).toBeGreaterThan(0);
    expect(
      wtpGrid(
        quality.map(() => Float64Array.from([0, 0])),
        1,
        16,
      ),
    ).toEqual([0, 1]);
  });

  it('a perfect router reaches the oracle; AIQ falls back to the quality at that cost, with a warning', () => {
    const d = evaluateRouters(t, [perfect], { bootstrap: 0, pair: null });
    const best = Math.max(...d.routers[0]!.hull.map((h) => h[1]));
    expect(best).toBe(1);
    expect(d.routers[0]!.aiq).toBe(1);
    expect(d.zero.aiq).toBeCloseTo(0.66, 12);
    expect(d.warnings.join(' ')).toMatch(/every model costs the same/);
  });
});

describe('a strong/weak pair where the pricier model is worse', () => {
  const rng = new Rng(9);
  const quality = Array.from({ length: 300 }, () => [rng.next() < 0.4 ? 1 : 0, rng.next() < 0.8 ? 1 : 0]);
  const t = table(
    'inverted',
    ['dear', 'cheap'],
    quality,
    quality.map(() => [0.01, 0.001]),
  );
  const perfect = router(t, 'perfect', quality);

  it('is warned about, and the pair is taken by quality so APGR is normalised by a positive gap', () => {
    const d = evaluateRouters(t, [perfect], { bootstrap: 0 });
    expect(d.warnings.join(' ')).toMatch(/pricier model dear .* is worse/);
    expect(d.pair).toMatchObject({ strong: 'cheap', weak: 'dear' });
    expect(d.pair!.qStrong).toBeGreaterThan(d.pair!.qWeak);
    const p = d.routers[0]!.pair!;
    expect(p.apgr).toBeGreaterThan(0.5);
    expect(p.apgr).toBeLessThanOrEqual(1);
    expect(p.cpt.p50).toBeGreaterThan(0);
  });

  it('an explicit pair with the worse model as strong is warned about and gets no APGR', () => {
    const d = evaluateRouters(t, [perfect], { bootstrap: 0, pair: { strong: 'dear', weak: 'cheap' } });
    expect(d.warnings.join(' ')).toMatch(/strong model dear .* is not better than weak cheap/);
    expect(d.routers[0]!.pair).toBeUndefined();
  });
});
