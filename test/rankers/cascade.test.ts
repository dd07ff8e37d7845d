import { describe, expect, it } from 'vitest';
import {
  byPrice,
  calibrateCascade,
  cascadeCurve,
  cascadePoints,
  priceOrderedChains,
  replayCascade,
  resolveChain,
  selectChain,
  type CascadeTable,
} from '../../src/cascade/cascade.js';
import { LlmrError } from '../../src/errors.js';

// 3 models: cheap (1¢), mid (3¢), big (10¢). 4 queries.
const t: CascadeTable = {
  name: 'hand',
  ids: ['q0', 'q1', 'q2', 'q3'],
  models: ['big', 'cheap', 'mid'],
  quality: [
    [1, 1, 1],
    [1, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
  ].map((r) => Float64Array.from(r)),
  cost: [0, 1, 2, 3].map(() => Float64Array.from([0.1, 0.01, 0.03])),
  reward: [
    [0.9, 0.8, 0.7],
    [0.9, 0.3, 0.6],
    [0.9, 0.2, 0.4],
    [0.1, 0.6, 0.5],
  ].map((r) => Float64Array.from(r)),
};

describe('cascade replay on a hand-made case', () => {
  it('orders by price and resolves names', () => {
    expect(byPrice(t)).toEqual([1, 2, 0]);
    expect(resolveChain(t, ['cheap', 'big'])).toEqual([1, 0]);
    expect(() => resolveChain(t, ['cheap', 'nope'])).toThrow(LlmrError);
    expect(() => resolveChain(t, ['cheap', 'cheap'])).toThrow(/at most once/);
  });

  it('accepts at reward ≥ τ, pays every model called, last model always accepted', () => {
    const chain = [1, 2, 0]; // cheap → mid → big
    const r = replayCascade(t, chain, 0.55);
    // q0: cheap 0.8 ≥ .55 accept (1 call); q1: cheap .3 → mid .6 accept; q2: cheap .2 → mid .4 → big; q3: cheap .6 accept
    expect(Array.from(r.choice)).toEqual([1, 2, 0, 1]);
    expect(Array.from(r.calls)).toEqual([1, 2, 3, 1]);
    expect(r.cost[0]).toBeCloseTo(0.01, 12);
    expect(r.cost[1]).toBeCloseTo(0.04, 12);
    expect(r.cost[2]).toBeCloseTo(0.14, 12);
    expect(Array.from(r.quality)).toEqual([1, 1, 1, 1]);
  });

  it('operating points: τ = −∞ is the first model alone, τ = +∞ pays the whole chain', () => {
    const pts = cascadePoints(t, ['cheap', 'mid', 'big'], [-Infinity, 0.55, Infinity]);
    expect(pts[0]).toMatchObject({ knob: -Infinity, quality: 0.5, calls: 1 });
    expect(pts[0]!.cost).toBeCloseTo(0.01, 12);
    expect(pts[0]!.share).toEqual({ big: 0, cheap: 1, mid: 0 });
    expect(pts[1]!.quality).toBe(1);
    expect(pts[1]!.cost).toBeCloseTo((0.01 + 0.04 + 0.14 + 0.01) / 4, 12);
    expect(pts[1]!.share).toEqual({ big: 0.25, cheap: 0.5, mid: 0.25 });
    expect(pts[2]).toMatchObject({ quality: 0.75, calls: 3 });
    expect(pts[2]!.cost).toBeCloseTo(0.14, 12);
  });

  it('curve has a non-decreasing hull and an AIQ in [0, 1]', () => {
    const c = cascadeCurve(t, ['cheap', 'mid', 'big']);
    expect(c.chain).toEqual(['cheap', 'mid', 'big']);
    for (let i = 1; i < c.hull.length; i++) expect(c.hull[i]![1]).toBeGreaterThanOrEqual(c.hull[i - 1]![1]);
    expect(c.aiq).toBeGreaterThan(0);
    expect(c.aiq).toBeLessThanOrEqual(1);
  });

  it('calibrates τ for budget, quality and share goals', () => {
    const chain = ['cheap', 'mid', 'big'];
    const q = calibrateCascade({ kind: 'quality', min: 1 }, t, chain, t);
    expect(q.feasible).toBe(true);
    expect(q.calibration.quality).toBe(1);
    expect(q.test!.quality).toBe(1);
    const b = calibrateCascade({ kind: 'budget', usdPer1k: 10 }, t, chain);
    expect(b.calibration.cost).toBeLessThanOrEqual(0.01 + 1e-12);
    const none = calibrateCascade({ kind: 'budget', usdPer1k: 1 }, t, chain);
    expect(none.feasible).toBe(false);
    const s = calibrateCascade({ kind: 'share', share: 0.25 }, t, chain);
    expect(s.calibration.share.big).toBeCloseTo(0.25, 12);
  });

  it('alternative chains compete for budget/quality goals and never make the calibration worse', () => {
    const main = ['cheap', 'mid', 'big'];
    const alts = priceOrderedChains(t, 3);
    expect(alts).toHaveLength(7);
    const only = calibrateCascade({ kind: 'quality', min: 1 }, t, main);
    const withAlts = calibrateCascade({ kind: 'quality', min: 1 }, t, main, undefined, alts);
    expect(withAlts.calibration.cost).toBeLessThanOrEqual(only.calibration.cost + 1e-15);
    expect(alts.map((c) => c.map((j) => t.models[j]).join())).toContain(withAlts.chain.join());
    // a $20/1k budget is met, whichever chain wins
    const b = calibrateCascade({ kind: 'budget', usdPer1k: 20 }, t, main, undefined, [['cheap', 'mid']]);
    expect(b.feasible).toBe(true);
    expect(b.calibration.cost).toBeLessThanOrEqual(0.02 + 1e-12);
    expect(b.calibration.quality).toBe(0.5);
  });

  it('selectChain picks the cheapest route to full quality here', () => {
    const s = selectChain(t, { maxLength: 2 });
    expect(s.tried).toBe(6);
    expect(s.chain.length).toBeGreaterThan(0);
    expect(s.aiq).toBeGreaterThan(0);
  });
});
