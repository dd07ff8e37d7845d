import { describe, expect, it } from 'vitest';
import type { EvalTable } from '../../src/eval/evalTable.js';
import { tableDigest } from '../../src/eval/evalTable.js';
import { evaluateRouters, type RouterPredictions } from '../../src/eval/evaluate.js';
import { Rng } from '../../src/util/rng.js';

/** Pair data: the strong model is right on 80 %, the weak one on 50 % of prompts (weak ⊂ strong mostly). */
function pairTable(n: number, seed = 1): EvalTable {
  const rng = new Rng(seed);
  const quality: Float64Array[] = [];
  const cost: Float64Array[] = [];
  const tasks: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = rng.next() < 0.8 ? 1 : 0;
    const w = rng.next() < 0.5 ? 1 : 0;
    quality.push(Float64Array.from([s, w]));
    cost.push(Float64Array.from([0.01, 0.001]));
    tasks.push(i % 2 ? 'odd' : 'even');
  }
  const t: EvalTable = {
    name: 'pair',
    ids: quality.map((_, i) => `r${i}`),
    prompts: quality.map(() => ''),
    models: ['strong', 'weak'],
    quality,
    cost,
    tasks,
    costSource: { logged: 0, priceTable: 2 * n },
    dropped: 0,
    digest: '',
  };
  t.digest = tableDigest(t);
  return t;
}

function predictions(t: EvalTable, name: string, pred: Float64Array[]): RouterPredictions {
  return { name, kind: name, pred, expectedCost: t.cost };
}

describe('evaluateRouters', () => {
  const t = pairTable(400);
  const perfect = predictions(
    t,
    'perfect',
    t.quality.map((q) => Float64Array.from(q)),
  );
  const noisy = (() => {
    const rng = new Rng(5);
    return predictions(
      t,
      'noisy',
      t.quality.map((q) => Float64Array.from(q, (v) => v + 0.8 * rng.normal())),
    );
  })();
  const r = evaluateRouters(t, [perfect, noisy], { bootstrap: 100, randomSeeds: 5 });

  it('reports every baseline: single models, Zero router, oracle, random', () => {
    expect(r.singles.map((s) => s.model)).toEqual(['strong', 'weak']);
    expect(r.pair).toMatchObject({ strong: 'strong', weak: 'weak' });
    expect(r.zero.hull.length).toBe(2);
    expect(r.zero.pair!.apgr).toBe(0.5);
    expect(r.oracle.quality).toBeGreaterThanOrEqual(r.singles[0]!.quality);
    expect(r.random.seeds).toBe(5);
  });

  it('random router: APGR ≈ 0.5 (RouteLLM), no better than the Zero router on AIQ', () => {
    expect(r.random.pair!.apgr).toBeGreaterThan(0.4);
    expect(r.random.pair!.apgr).toBeLessThan(0.6);
    expect(r.random.aiq).toBeLessThanOrEqual(r.zero.aiq + 0.01);
  });

  it('a perfect router reaches the oracle and beats the noisy one, which beats random', () => {
    const [p, n] = r.routers;
    expect(p!.pair!.apgr).toBeGreaterThan(n!.pair!.apgr);
    expect(n!.pair!.apgr).toBeGreaterThan(r.random.pair!.apgr);
    expect(p!.aiq).toBeGreaterThan(r.zero.aiq);
    // strong only where the weak model fails and the strong one succeeds → oracle quality at its share
    expect(Math.max(...p!.hull.map((h) => h[1]))).toBeCloseTo(r.oracle.quality, 12);
    expect(p!.pair!.cpt.p50).toBeLessThan(0.5);
    // every wtp point reports shares summing to 1
    for (const pt of p!.points) expect(Object.values(pt.share).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('the threshold sweep has the 11 decile points from 100 % to 0 % strong calls', () => {
    const pts = r.routers[1]!.pair!.points;
    expect(pts).toHaveLength(11);
    expect(pts[0]!.share).toBe(1);
    expect(pts[10]!.share).toBe(0);
    expect(pts[0]!.quality).toBeCloseTo(r.pair!.qStrong, 12);
    expect(pts[10]!.quality).toBeCloseTo(r.pair!.qWeak, 12);
  });

  it('bootstrap intervals bracket the estimates and are reproducible', () => {
    for (const x of r.routers) {
      expect(x.aiqCI!.lo).toBeLessThanOrEqual(x.aiq + 1e-9);
      expect(x.aiqCI!.hi).toBeGreaterThanOrEqual(x.aiq - 1e-9);
      expect(x.pair!.apgrCI!.lo).toBeLessThanOrEqual(x.pair!.apgr + 1e-9);
      expect(x.pair!.apgrCI!.hi).toBeGreaterThanOrEqual(x.pair!.apgr - 1e-9);
    }
    const again = evaluateRouters(t, [perfect, noisy], { bootstrap: 100, randomSeeds: 5 });
    expect(again.routers[1]!.aiqCI).toEqual(r.routers[1]!.aiqCI);
  });

  it('slices per task', () => {
    expect(r.slices.map((s) => s.task)).toEqual(['even', 'odd']);
    expect(r.slices[0]!.rows).toBe(200);
    expect(r.slices[0]!.routers[0]!.name).toBe('perfect');
  });

  it('compares every router with a reference on the same resamples (paired)', () => {
    // a slightly noisier twin of `noisy`: unpaired intervals overlap, the paired difference is tighter
    const rng = new Rng(9);
    const noisier = predictions(
      t,
      'noisier',
      noisy.pred.map((p) => Float64Array.from(p, (v) => v + 0.3 * rng.normal())),
    );
    const d = evaluateRouters(t, [noisy, perfect, noisier], { bootstrap: 100, randomSeeds: 2, reference: 'noisy' });
    expect(d.reference).toBe('noisy');
    expect(d.routers[0]!.vsReference).toBeUndefined();
    const [, p, q] = d.routers;
    expect(p!.vsReference!.name).toBe('noisy');
    expect(p!.vsReference!.aiq).toBeCloseTo(p!.aiq - d.routers[0]!.aiq, 12);
    expect(p!.vsReference!.apgr).toBeCloseTo(p!.pair!.apgr - d.routers[0]!.pair!.apgr, 12);
    // the perfect router beats the reference on every resample: the interval lies above 0
    expect(p!.vsReference!.apgrCI!.lo).toBeGreaterThan(0);
    expect(p!.vsReference!.aiqCI!.lo).toBeGreaterThan(0);
    // pairing removes the rows' shared variance: narrower than the width of either router's own interval
    const width = (c: { lo: number; hi: number }) => c.hi - c.lo;
    expect(width(q!.vsReference!.apgrCI!)).toBeLessThan(width(q!.pair!.apgrCI!));
    expect(q!.vsReference!.apgrCI!.lo).toBeLessThanOrEqual(q!.vsReference!.apgr! + 1e-9);
    expect(q!.vsReference!.apgrCI!.hi).toBeGreaterThanOrEqual(q!.vsReference!.apgr! - 1e-9);
    // without a reference nothing is compared, and the other numbers do not move
    const plain = evaluateRouters(t, [noisy, perfect, noisier], { bootstrap: 100, randomSeeds: 2 });
    expect(plain.reference).toBeUndefined();
    expect(plain.routers[1]!.vsReference).toBeUndefined();
    expect(plain.routers[1]!.pair!.apgrCI).toEqual(p!.pair!.apgrCI);
  });

  it('an unknown reference names the field and the valid routers', () => {
    expect(() => evaluateRouters(t, [perfect, noisy], { bootstrap: 0, reference: 'knn' })).toThrow(
      /reference router "knn" is not among the evaluated routers \(perfect, noisy\)/,
    );
  });

  it('names the field when the pair is wrong', () => {
    expect(() => evaluateRouters(t, [], { pair: { strong: 'gpt', weak: 'weak' }, bootstrap: 0 })).toThrow(/strong model "gpt"/);
  });
});
