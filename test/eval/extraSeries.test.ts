import { describe, expect, it } from 'vitest';
import { cascadeCurve, cascadeSeries, cascadeTable, rewardPairAccuracy } from '../../src/cascade/cascade.js';
import { LlmrError } from '../../src/errors.js';
import { tableDigest, type EvalTable } from '../../src/eval/evalTable.js';
import { evaluateRouters } from '../../src/eval/evaluate.js';
import { clipHull } from '../../src/eval/hull.js';
import { metricRows, renderHtml, renderMarkdown, type EvalReport } from '../../src/eval/report/report.js';

/**
 * A cascade as an extra series of the router evaluation, on a hand-made table whose points, hulls and AIQs
 * are worked out below. Models: cheap (1¢), mid (3¢), big (10¢) per call; 4 queries.
 *
 * quality      cheap mid big     reward       cheap mid  big
 *   q0           1    1   1                    .8   .7   .9
 *   q1           0    1   1                    .3   .6   .9
 *   q2           0    0   1                    .2   .4   .9
 *   q3           1    0   0                    .6   .5   .1
 *
 * Single models: cheap (0.01, 0.5), mid (0.03, 0.5), big (0.10, 0.75) → Zero hull (0.01, .5)–(0.10, .75),
 * common maximum cost 0.10, Zero AIQ = 0.09 · 0.625 / 0.10 = 0.5625.
 * Cascade cheap → mid → big at τ = −∞, 0.55, +∞: (0.01, 0.5), (0.05, 1), (0.14, 0.75) (every call paid:
 * q0 cheap, q1 cheap+mid, q2 all three, q3 cheap); hull (0.01, .5)–(0.05, 1), the +∞ point falls off (less
 * quality for more), AIQ = (0.04 · 0.75 + 0.05 · 1) / 0.10 = 0.8.
 * Cascade mid → big at τ = −∞, +∞: (0.03, 0.5), (0.13, 0.75): its hull passes the common maximum cost; cut
 * there at 0.5 + 0.25 · 0.07 / 0.10 = 0.675, AIQ = 0.07 · (0.5 + 0.675) / 2 / 0.10 = 0.41125.
 */
const models = ['big', 'cheap', 'mid'];
const quality = [
  [1, 1, 1],
  [1, 0, 1],
  [1, 0, 0],
  [0, 1, 0],
].map((r) => Float64Array.from(r));
const t: EvalTable = {
  name: 'hand',
  ids: ['q0', 'q1', 'q2', 'q3'],
  prompts: ['p0', 'p1', 'p2', 'p3'],
  models,
  quality,
  cost: quality.map(() => Float64Array.from([0.1, 0.01, 0.03])),
  tasks: ['a', 'a', 'b', 'b'],
  costSource: { logged: 12, priceTable: 0 },
  dropped: 0,
  digest: '',
};
t.digest = tableDigest(t);
const reward = [
  [0.9, 0.8, 0.7],
  [0.9, 0.3, 0.6],
  [0.9, 0.2, 0.4],
  [0.1, 0.6, 0.5],
].map((r) => Float64Array.from(r));
const ct = cascadeTable(t, reward);
const three = cascadeSeries(ct, ['cheap', 'mid', 'big'], { taus: [-Infinity, 0.55, Infinity], name: 'cascade', description: 'cheap → mid → big' });
const two = cascadeSeries(ct, ['mid', 'big'], { taus: [-Infinity, Infinity], name: 'cascade mid → big' });
/** A router that knows each row's qualities exactly: it routes like the oracle at a high willingness to pay. */
const exact = { name: 'exact', kind: 'exact', pred: quality, expectedCost: t.cost };
const opts = { bootstrap: 50, randomSeeds: 2, minTaskRows: 1, seed: 3 };

describe('extra series (a cascade) in the router evaluation', () => {
  const d = evaluateRouters(t, [exact], { ...opts, extraSeries: [three, two] });
  const without = evaluateRouters(t, [exact], opts);

  it('gets the worked-out points, hull and AIQ at the routers’ common maximum cost', () => {
    expect(d.maxCost).toBeCloseTo(0.1, 12);
    expect(d.zero.aiq).toBeCloseTo(0.5625, 12);
    const [c3, c2] = d.extra;
    expect(c3!.name).toBe('cascade');
    expect(c3!.kind).toBe('cascade');
    expect(c3!.points.map((p) => p.knob)).toEqual([-Infinity, 0.55, Infinity]);
    expect(c3!.points.map((p) => p.quality)).toEqual([0.5, 1, 0.75]);
    c3!.points.forEach((p, k) => expect(p.cost).toBeCloseTo([0.01, 0.05, 0.14][k]!, 12));
    expect(c3!.points.map((p) => p.calls)).toEqual([1, 1.75, 3]);
    expect(c3!.points[1]!.share).toEqual({ big: 0.25, cheap: 0.5, mid: 0.25 });
    expect(c3!.points[1]!.policy).toBeUndefined();
    expect(c3!.hull).toHaveLength(2);
    expect(c3!.hull[1]![0]).toBeCloseTo(0.05, 12);
    expect(c3!.hull[1]![1]).toBe(1);
    expect(c3!.aiq).toBeCloseTo(0.8, 12);
    expect(c3!.clippedAt).toBeUndefined();
    // the second cascade's hull goes past the common maximum cost: cut there, not extending it
    expect(c2!.hull.map((h) => h[1])).toEqual([0.5, 0.75]);
    expect(c2!.clippedAt).toBeCloseTo(0.1, 12);
    expect(c2!.aiq).toBeCloseTo(0.41125, 12);
  });

  it('matches the cascade module’s own curve at the same maximum cost', () => {
    expect(cascadeCurve(ct, ['cheap', 'mid', 'big'], { taus: [-Infinity, 0.55, Infinity], maxCost: d.maxCost }).aiq).toBeCloseTo(d.extra[0]!.aiq, 12);
    expect(cascadeCurve(ct, ['mid', 'big'], { taus: [-Infinity, Infinity], maxCost: d.maxCost }).aiq).toBeCloseTo(d.extra[1]!.aiq, 12);
  });

  it('leaves every router, baseline and the maximum cost unchanged', () => {
    expect(without.extra).toEqual([]);
    expect(d.maxCost).toBe(without.maxCost);
    expect(d.zero).toEqual(without.zero);
    expect(d.routers).toEqual(without.routers);
    expect(d.random.aiq).toBe(without.random.aiq);
    expect(d.options).toEqual(without.options);
    expect(d.options).not.toHaveProperty('extraSeries');
  });

  it('gets bootstrap intervals and task slices like a router', () => {
    const c = d.extra[0]!;
    expect(c.aiqCI!.n).toBe(50);
    expect(c.aiqCI!.lo).toBeLessThanOrEqual(c.aiqCI!.hi);
    expect(c.aiqGainCI!.n).toBe(50);
    expect(d.slices.map((s) => s.task)).toEqual(['a', 'b']);
    for (const s of d.slices) expect(s.extra.map((x) => x.name)).toEqual(['cascade', 'cascade mid → big']);
    // task a (q0, q1): cheap alone (0.01, .5), τ .55 → q0 cheap, q1 cheap+mid (0.025, 1): AIQ vs Zero on those rows
    const a = d.slices[0]!;
    expect(a.extra[0]!.maxQuality).toBe(1);
    expect(Number.isFinite(a.extra[0]!.aiq)).toBe(true);
  });

  it('rejects outcomes that do not cover the table', () => {
    const bad = { ...three, outcomes: three.outcomes.map((o) => ({ ...o, choice: o.choice.slice(0, 3) })) };
    expect(() => evaluateRouters(t, [], { bootstrap: 0, extraSeries: [bad] })).toThrow(LlmrError);
    expect(() => evaluateRouters(t, [], { bootstrap: 0, extraSeries: [{ ...three, knobs: [0] }] })).toThrow(/outcome sets/);
  });

  it('shows in the report: metrics row, task column, facts and a legend entry in the cost–quality plot', () => {
    const report: EvalReport = { title: 'cascade test', createdAt: '2026-01-01T00:00:00Z', datasets: [d], artifacts: [] };
    const rows = metricRows(d);
    const row = rows.find((r) => r.name === 'cascade')!;
    expect(row.kind).toBe('cascade');
    expect(row.aiq).toBe('0.800');
    expect(row.maxQuality).toBe('1.000');
    expect(row.costAtMax).toBe('$50.0');
    expect(row.aiqCI).toMatch(/^\[\d\.\d{3}, \d\.\d{3}\]$/);
    expect(rows.map((r) => r.name)).toEqual(['exact', 'cascade', 'cascade mid → big', 'random (2 seeds)', 'Zero router', 'oracle']);
    const md = renderMarkdown(report);
    expect(md).toContain('| cascade | 0.800 |');
    expect(md).toContain('cascade AIQ');
    expect(md).toContain('- cascade: cheap → mid → big');
    expect(md).toMatch(/cascade mid → big: its hull reaches \$130\/1k, beyond the common maximum cost \$100\/1k/);
    const html = renderHtml(report);
    const plot = /<svg\b[^>]*data-plot="cost-quality:hand"[^>]*>([\s\S]*?)<\/svg>/.exec(html)![1]!;
    expect(plot).toContain('<g class="series" data-series="cascade (AIQ 0.800)" data-kind="cascade">');
    // what each series' points sweep is said in the plot's "how to read this"
    expect(html).toMatch(/cascade(&#39;|&#x27;|')s points sweep/);
    expect(plot).toContain('<g class="legend-entry" data-series="cascade (AIQ 0.800)"');
    // its τ points are drawn (3 markers) with its hull as a line
    const g = /<g class="series" data-series="cascade \(AIQ 0\.800\)"[^>]*>([\s\S]*?)<\/g>/.exec(plot)![1]!;
    expect(g.match(/<(path d="M|rect |circle )/g)).toHaveLength(3);
    expect(g).toContain('<polyline');
    expect(html).toContain('<td>cascade</td><td>0.800<span class="ci">');
  });
});

describe('cascade helpers', () => {
  it('clipHull cuts at the maximum cost, interpolating the crossing segment', () => {
    const c = clipHull(
      [
        [1, 0.2],
        [3, 0.6],
        [5, 0.8],
      ],
      4,
    );
    expect(c.slice(0, 2)).toEqual([
      [1, 0.2],
      [3, 0.6],
    ]);
    expect(c[2]![0]).toBe(4);
    expect(c[2]![1]).toBeCloseTo(0.7, 12);
    expect(
      clipHull(
        [
          [1, 0.2],
          [3, 0.6],
        ],
        3,
      ),
    ).toEqual([
      [1, 0.2],
      [3, 0.6],
    ]);
    expect(clipHull([[5, 0.2]], 4)).toEqual([]);
  });

  it('rewardPairAccuracy: share of right-vs-wrong pairs the reward orders right', () => {
    // q0 no pair; q1: (big>cheap ✓), (mid>cheap ✓); q2: big>cheap ✓, big>mid ✓; q3: cheap>big ✓, cheap>mid ✓
    expect(rewardPairAccuracy(ct)).toEqual({ accuracy: 1, pairs: 6 });
    const flipped = cascadeTable(
      t,
      reward.map((r) => r.map((v) => -v)),
    );
    expect(rewardPairAccuracy(flipped).accuracy).toBe(0);
  });
});
