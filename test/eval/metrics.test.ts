import { describe, expect, it } from 'vitest';
import { oracle, randomPredictions } from '../../src/eval/baselines.js';
import { bootstrap, percentileInterval } from '../../src/eval/bootstrap.js';
import { evalTableFromRecords, type EvalTable } from '../../src/eval/evalTable.js';
import { aiq, hullQualityAt, maxHullCost, nonDecreasingHull, type CostQuality } from '../../src/eval/hull.js';
import { apgr, cpt, decileSweep, monotoneEnvelope, optimalQualityAtShare, pgr, type SharePoint } from '../../src/eval/routellm.js';
import { interp, qcutEdges, quantile, trapz } from '../../src/eval/numeric.js';
import { routeRows, wtpGrid } from '../../src/eval/sweep.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { Rng } from '../../src/util/rng.js';
import type { ScoreRecord } from '../../src/data/schemas.js';

function table(quality: number[][], cost: number[][], models = quality[0]!.map((_, j) => `m${j}`)): EvalTable {
  return {
    name: 't',
    ids: quality.map((_, i) => `r${i}`),
    prompts: quality.map(() => ''),
    models,
    quality: quality.map((q) => Float64Array.from(q)),
    cost: cost.map((c) => Float64Array.from(c)),
    costSource: { logged: 0, priceTable: 0 },
    dropped: 0,
    digest: '',
  };
}

describe('numeric conventions (numpy / pandas)', () => {
  it('qcut edges are linear-interpolated quantiles at 0, 1/q, …, 1 (pandas qcut retbins)', () => {
    // pd.qcut([1, 2, 3, 4], 10, retbins=True)[1] = [1.0, 1.3, 1.6, 1.9, 2.2, 2.5, 2.8, 3.1, 3.4, 3.7, 4.0]
    const e = qcutEdges([4, 1, 3, 2], 10);
    expect(e).toHaveLength(11);
    [1, 1.3, 1.6, 1.9, 2.2, 2.5, 2.8, 3.1, 3.4, 3.7, 4].forEach((v, i) => expect(e[i]).toBeCloseTo(v, 12));
    // duplicates are kept (pandas would raise): five equal values give equal edges
    expect(qcutEdges([0.5, 0.5, 0.5], 4)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(quantile([10, 0], 0.25)).toBe(2.5);
  });

  it('trapz and interp match np.trapz / np.interp', () => {
    expect(trapz([1, 3, 3], [0, 1, 3])).toBe(2 + 6);
    expect(interp(0.5, [0, 1], [10, 20])).toBe(15);
    expect(interp(-1, [0, 1], [10, 20])).toBe(10);
    expect(interp(2, [0, 1], [10, 20])).toBe(20);
  });
});

describe('RouteLLM metrics (hand-computed)', () => {
  // 4 prompts; router score (strong win rate), outcomes of the strong and weak models, costs 10 / 1
  const score = [0.1, 0.4, 0.2, 0.9];
  const o = { qStrong: [1, 1, 1, 0], qWeak: [0, 1, 0, 0], cStrong: [10, 10, 10, 10], cWeak: [1, 1, 1, 1] };

  it('threshold sweep: edges at the qcut quantiles, ≥ except the last edge (strict >)', () => {
    const pts = decileSweep(score, o, 2);
    // edges: quantiles 0, .5, 1 of [0.1, 0.2, 0.4, 0.9] = 0.1, 0.3, 0.9
    expect(pts.map((p) => p.threshold)).toEqual([0.1, 0.30000000000000004, 0.9]);
    expect(pts[0]).toMatchObject({ share: 1, quality: 0.75, cost: 10 });
    expect(pts[1]).toMatchObject({ share: 0.5, quality: 0.25, cost: 5.5 });
    // at the largest edge 0.9 the strict comparison sends nothing to the strong model (≥ would send one)
    expect(pts[2]).toMatchObject({ share: 0, quality: 0.25, cost: 1 });
  });

  it('APGR = (AUC − q_weak) / (q_strong − q_weak) over share of strong calls', () => {
    const pts = decileSweep(score, o, 2);
    // by share: (0, .25), (.5, .25), (1, .75): AUC = .5·.25 + .5·(.25+.75)/2 = .375; APGR = (.375 − .25)/.5
    const a = apgr(pts, 0.25, 0.75);
    expect(a.auc).toBeCloseTo(0.375, 12);
    expect(a.apgr).toBeCloseTo(0.25, 12);
    expect(pgr(0.5, 0.25, 0.75)).toBe(0.5);
  });

  const pts: SharePoint[] = [
    { threshold: 0, share: 0, quality: 0.25, cost: 1 },
    { threshold: 0, share: 1, quality: 0.75, cost: 10 },
    { threshold: 0, share: 0.5, quality: 0.5, cost: 5 },
    { threshold: 0, share: 0.3, quality: 0.6, cost: 4 },
  ];

  it('APGR sorts points by share and integrates the raw (non-monotone) curve', () => {
    // (0,.25) (.3,.6) (.5,.5) (1,.75): AUC = .3·.425 + .2·.55 + .5·.625 = .55 → APGR .6
    expect(apgr(pts, 0.25, 0.75).apgr).toBeCloseTo(0.6, 12);
  });

  it('CPT interpolates on the monotone envelope (a dip is skipped)', () => {
    expect(monotoneEnvelope(pts).map((p) => p.share)).toEqual([0, 0.3, 1]);
    // 50 %: target .5 between (0,.25) and (.3,.6): .3·(.25/.35)
    expect(cpt(pts, 0.25, 0.75, 0.5)).toBeCloseTo((0.3 * 0.25) / 0.35, 12);
    // 80 %: target .65 between (.3,.6) and (1,.75): .3 + .7·(.05/.15)
    expect(cpt(pts, 0.25, 0.75, 0.8)).toBeCloseTo(0.3 + (0.7 * 0.05) / 0.15, 12);
    // 20 %: target .35 → .3·(.1/.35)
    expect(cpt(pts, 0.25, 0.75, 0.2)).toBeCloseTo((0.3 * 0.1) / 0.35, 12);
    // a target above every point is never reached
    expect(cpt(pts, 0.25, 0.75, 1.2)).toBeNaN();
  });

  it('optimal curve: strong calls go where the strong model gains (RouteLLM get_optimal_accuracy)', () => {
    // gains: rows 0 and 2 (+1 each). weak total 1 of 4.
    expect(optimalQualityAtShare(o, 0)).toBe(0.25);
    expect(optimalQualityAtShare(o, 0.25)).toBe(0.5);
    expect(optimalQualityAtShare(o, 0.5)).toBe(0.75);
    expect(optimalQualityAtShare(o, 1)).toBe(0.75);
  });
});

/** RouterBench's get_non_descreasing_convex_hull_of (evaluation/AIQ.py), transcribed line by line as a reference. */
function routerbenchHull(points: CostQuality[]): [number, number][] {
  const P = [...points].map((p) => [p[0], p[1]] as [number, number]).sort((a, b) => a[0] - b[0]);
  let H: [number, number][] = [];
  const has = (x: number) => H.some(([mx]) => mx === x);
  for (let i = 0; i < P.length; i++)
    for (let j = i; j < P.length; j++) {
      const [x1, y1] = P[i]!;
      const [x2, y2] = P[j]!;
      for (let k = 0; k < P.length; k++) {
        const [x, y] = P[k]!;
        if (x1 < x && x < x2) {
          const iy = y1 + ((y2 - y1) * (x - x1)) / (x2 - x1);
          if (y < iy) {
            if (!has(x)) H.push([x, iy]);
            else
              for (let l = 0; l < H.length; l++) {
                const [xn, yn] = H[l]!;
                if (xn === x && yn < iy) {
                  H[l] = [x, iy];
                  break;
                } else if (xn === x && yn > iy) H[l] = [x, yn];
              }
          }
          if (y >= iy) {
            if (!has(x)) H.push([x, y]);
            else
              for (let l = 0; l < H.length; l++) {
                const [xn, yn] = H[l]!;
                if (xn === x && yn < y) {
                  H[l] = [x, y];
                  break;
                } else if (xn === x && yn > y) H[l] = [x, yn];
              }
          }
        }
      }
    }
  const last = P[P.length - 1]!;
  if (!has(last[0]) && last[1] >= H[H.length - 1]![1]) H.push(last);
  if (!has(P[0]![0])) H = [P[0]!, ...H];
  H.sort((a, b) => a[0] - b[0]);
  const keep = H.filter((_, i) => i === 0 || !(H[i]![1] < H[i - 1]![1]));
  return keep;
}

describe('RouterBench metrics (hand-computed)', () => {
  const pts: CostQuality[] = [
    [1, 0.5],
    [2, 0.55],
    [3, 0.8],
    [4, 0.7],
    [5, 0.9],
    [6, 0.85],
  ];

  it('hull: points under a chord are dropped, the decreasing tail is cut', () => {
    // (2,.55) lies under the chord (1,.5)–(3,.8) (.65 at x=2); (4,.7) under (3,.8)–(5,.9); (6,.85) < .9
    expect(nonDecreasingHull(pts)).toEqual([
      [1, 0.5],
      [3, 0.8],
      [5, 0.9],
    ]);
    // several points at one cost count as the best of them
    expect(
      nonDecreasingHull([
        [1, 0.2],
        [1, 0.6],
        [2, 0.7],
      ]),
    ).toEqual([
      [1, 0.6],
      [2, 0.7],
    ]);
    expect(
      hullQualityAt(
        [
          [1, 0.5],
          [3, 0.8],
        ],
        2,
      ),
    ).toBeCloseTo(0.65, 12);
  });

  it('AIQ: area from the hull start, flat extension to the maximum cost, divided by the maximum cost', () => {
    const h = nonDecreasingHull(pts);
    // area: 2·(.5+.8)/2 + 2·(.8+.9)/2 = 3.0, flat .9 from 5 to 6 = .9 → 3.9 / 6
    expect(aiq(h, 6)).toBeCloseTo(0.65, 12);
    // a cheaper, flatter hull compared against it is extended flat to the same right end
    const g = nonDecreasingHull([
      [0.5, 0.7],
      [1, 0.72],
    ]);
    expect(maxHullCost([h, g])).toBe(5);
    // (.7+.72)/2·.5 + .72·4 = .355 + 2.88 = 3.235, /5
    expect(aiq(g, 5)).toBeCloseTo(3.235 / 5, 12);
    expect(() => aiq(h, 4)).toThrow(/beyond/);
  });

  it("the hull has the same area as RouterBench's O(n³) implementation on random point sets", () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 3 + rng.int(10);
      const xs = new Set<number>();
      while (xs.size < n) xs.add(Math.round(rng.next() * 1000) / 100);
      const p: CostQuality[] = [...xs].map((x) => [x, Math.round(rng.next() * 100) / 100]);
      const ours = nonDecreasingHull(p);
      const theirs = routerbenchHull(p);
      const maxX = Math.max(ours[ours.length - 1]![0], theirs[theirs.length - 1]![0]);
      expect(ours[ours.length - 1]![0]).toBe(theirs[theirs.length - 1]![0]);
      expect(aiq(ours, maxX)).toBeCloseTo(aiq(theirs, maxX), 10);
    }
  });

  it('oracle: cheapest among the best per prompt; no model right → no call, cost 0 (RouterBench)', () => {
    const t = table(
      [
        [1, 1, 0],
        [0, 0, 0],
        [0, 1, 1],
      ],
      [
        [3, 2, 1],
        [1, 1, 1],
        [5, 4, 2],
      ],
    );
    const o = oracle(t);
    expect(Array.from(o.choice)).toEqual([1, -1, 2]);
    expect(o.quality).toBeCloseTo(2 / 3, 12);
    expect(o.cost).toBeCloseTo(4 / 3, 12);
    expect(o.share).toEqual({ m0: 0, m1: 1 / 3, m2: 1 / 3 });
  });

  it('willingness to pay routes by argmax wtp·quality − expected cost (the policy layer)', () => {
    const pred = [Float64Array.from([0.9, 0.5])];
    const cost = [Float64Array.from([0.01, 0.001])];
    // switch point: wtp·0.4 = 0.009 → wtp = 0.0225
    expect(Array.from(routeRows(['big', 'small'], pred, cost, { kind: 'willingness-to-pay', wtp: 0.02 }))).toEqual([1]);
    expect(Array.from(routeRows(['big', 'small'], pred, cost, { kind: 'willingness-to-pay', wtp: 0.03 }))).toEqual([0]);
    const g = wtpGrid(cost, 1, 16);
    expect(g[0]).toBe(0);
    expect(g[1]).toBeCloseTo(0.0009, 12);
    expect(g[16]).toBeCloseTo(100, 9);
  });
});

describe('bootstrap', () => {
  it('is seeded and gives a percentile interval around the estimate', () => {
    const x = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const f = (rows: Int32Array) => ({ mean: Array.from(rows).reduce((s, r) => s + x[r]!, 0) / rows.length });
    const a = bootstrap(200, f, { replicates: 300, seed: 3 });
    const b = bootstrap(200, f, { replicates: 300, seed: 3 });
    expect(a).toEqual(b);
    expect(a.mean!.lo).toBeLessThan(0.25);
    expect(a.mean!.hi).toBeGreaterThan(0.25);
    // binomial sd = sqrt(.25·.75/200) ≈ .031 → 95 % half-width ≈ .06
    expect(a.mean!.hi - a.mean!.lo).toBeGreaterThan(0.08);
    expect(a.mean!.hi - a.mean!.lo).toBeLessThan(0.16);
    expect(percentileInterval([0, 1, 2, 3, 4], 0.5)).toEqual({ lo: 1, hi: 3, n: 5 });
  });
});

describe('eval table', () => {
  it('uses logged per-record cost where present, else the price table; drops rows missing a score', () => {
    const recs: ScoreRecord[] = [
      { id: 'a', prompt: 'x', scores: { big: 1, small: 0 }, cost: { big: 0.5 } },
      { id: 'b', prompt: 'y', scores: { big: 1, small: null } },
      { id: 'c', prompt: 'z', scores: { big: 0, small: 1 }, task: 'T' },
    ];
    const t = evalTableFromRecords('d', recs, new PriceTable({ big: { perCall: 0.1 }, small: { perCall: 0.01 } }));
    expect(t.ids).toEqual(['a', 'c']);
    expect(t.dropped).toBe(1);
    expect(Array.from(t.cost[0]!)).toEqual([0.5, 0.01]);
    expect(Array.from(t.cost[1]!)).toEqual([0.1, 0.01]);
    expect(t.costSource).toEqual({ logged: 1, priceTable: 3 });
    expect(t.tasks).toEqual([undefined, 'T']);
    expect(t.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('random predictions are seeded', () => {
    expect(randomPredictions(3, 2, 1)).toEqual(randomPredictions(3, 2, 1));
    expect(randomPredictions(3, 2, 1)).not.toEqual(randomPredictions(3, 2, 2));
  });
});

describe('batch routing agrees with the policy layer', () => {
  it('routeRows (batch wtp / max-quality / threshold) picks what decide() picks, ties included', async () => {
    const { decide } = await import('../../src/policy/policy.js');
    const rng = new Rng(11);
    const models = ['b', 'a', 'c', 'd'];
    const pred = Array.from({ length: 300 }, () => Float64Array.from(models, () => Math.round(rng.next() * 4) / 4));
    const cost = Array.from({ length: 300 }, () => Float64Array.from(models, () => Math.round(rng.next() * 3) / 100));
    const policies = [
      { kind: 'max-quality' as const },
      ...[0, 0.01, 0.04, 0.1, 1].map((wtp) => ({ kind: 'willingness-to-pay' as const, wtp })),
      ...[-0.25, 0, 0.25].map((threshold) => ({ kind: 'threshold' as const, strong: 'c', weak: 'a', threshold })),
    ];
    for (const policy of policies) {
      const got = routeRows(models, pred, cost, policy);
      pred.forEach((p, i) => {
        const d = decide(
          models.map((m, j) => ({ model: m, quality: p[j]!, cost: cost[i]![j]! })),
          policy,
        );
        expect(models[got[i]!]).toBe(d.model);
      });
    }
  });
});
