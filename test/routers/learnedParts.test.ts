import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { LlmrError } from '../../src/errors.js';
import { fitBradleyTerry, PairStats, winVsField } from '../../src/routers/bradleyTerryRatings.js';
import { calibrated, fitCalibration, fitLogistic } from '../../src/routers/scoreCalibration.js';
import { ContrastiveRouter } from '../../src/routers/contrastive.js';
import { EloRouter } from '../../src/routers/elo.js';
import { MfRouter } from '../../src/routers/mf.js';
import { MlpRouter } from '../../src/routers/mlp.js';
import type { PairObservation, TrainingSet } from '../../src/routers/Router.js';
import { fitScoreScale } from '../../src/routers/scoreScale.js';
import { kmeans } from '../../src/train/kmeans.js';
import { Rng } from '../../src/util/rng.js';
import { syntheticRouting } from './synthetic.js';

describe('Bradley–Terry, Platt, score scale, k-means', () => {
  it('Bradley–Terry recovers known ratings from simulated games (ties as half wins)', () => {
    const truth = [1.0, 0, -0.5, -1.5];
    const rng = new Rng(1);
    const s = new PairStats(4);
    for (let g = 0; g < 20000; g++) {
      const a = rng.int(4);
      const b = (a + 1 + rng.int(3)) % 4;
      const p = 1 / (1 + Math.exp(-(truth[a]! - truth[b]!)));
      s.add(a, b, rng.next() < 0.05 ? 0.5 : rng.next() < p ? 1 : 0);
    }
    const r = fitBradleyTerry(s, { ridge: 1e-6 });
    for (let i = 1; i < 4; i++) expect(r[i]! - r[0]!).toBeCloseTo(truth[i]! - truth[0]!, 0);
    expect(winVsField(r, 0)).toBeGreaterThan(winVsField(r, 3));
  });

  it('Platt scaling (logistic regression) recovers a logistic map', () => {
    const rng = new Rng(2);
    const x = Array.from({ length: 5000 }, () => rng.normal() * 2);
    const t: number[] = x.map((v) => (rng.next() < 1 / (1 + Math.exp(-(1.5 * v - 0.7))) ? 1 : 0));
    t[3] = Number.NaN;
    const f = fitLogistic(
      x.map((v) => [v]),
      t,
      1e-3,
    );
    expect(f.n).toBe(4999);
    expect(f.coef[0]).toBeCloseTo(1.5, 0);
    expect(f.coef[1]).toBeCloseTo(-0.7, 0);
    const c = fitCalibration('platt', Float32Array.from(x), Float32Array.from(t), 1);
    expect(calibrated(c, [2], 0, 1)).toBeCloseTo(1 / (1 + Math.exp(-(1.5 * 2 - 0.7))), 1);
  });

  it('readout calibration uses the other models’ raw outputs', () => {
    // Model 0 succeeds when raw_1 is high (its own raw output is noise): only the readout can see it.
    const rng = new Rng(8);
    const rows = 3000;
    const raw = new Float32Array(rows * 2);
    const t = new Float32Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      raw[i * 2] = rng.normal();
      raw[i * 2 + 1] = rng.normal();
      t[i * 2] = rng.next() < 1 / (1 + Math.exp(-2 * raw[i * 2 + 1]!)) ? 1 : 0;
      t[i * 2 + 1] = Number.NaN;
    }
    const c = fitCalibration('readout', raw, t, 2);
    expect(calibrated(c, [0, 2], 0, 10)).toBeGreaterThan(0.9);
    expect(calibrated(c, [0, -2], 0, 10)).toBeLessThan(0.1);
    // Model 1 has no observed scores: win probability against the field.
    expect(calibrated(c, [0, 1], 1, 10)).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
  });

  it('score scale: 0/1 is binary, graded 1–10 maps to its range, all-missing defaults to [0,1]', () => {
    expect(fitScoreScale([Float64Array.from([0, 1, Number.NaN])])).toEqual({ lo: 0, hi: 1, binary: true, observed: 2 });
    expect(fitScoreScale([Float64Array.from([2, 9]), Float64Array.from([10, 1])])).toEqual({ lo: 1, hi: 10, binary: false, observed: 4 });
    expect(fitScoreScale([Float64Array.from([Number.NaN])])).toMatchObject({ lo: 0, hi: 1, observed: 0 });
  });

  it('seeded k-means separates clusters and is deterministic', () => {
    const d = syntheticRouting({ rows: 90, clusters: 3, dim: 16 });
    const a = kmeans(d.features, 3, { seed: 5 });
    const b = kmeans(d.features, 3, { seed: 5 });
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    // Purity: each found cluster is one true cluster.
    for (let c = 0; c < 3; c++) {
      const members = d.cluster.filter((_, i) => a.assignments[i] === c);
      expect(new Set(members).size).toBeLessThanOrEqual(1);
    }
  });
});

/** A pairwise-only training set: no scores, model 0 beats model 1 on cluster 0 and loses on cluster 1. */
function pairwiseOnly(): TrainingSet {
  const d = syntheticRouting({ rows: 120, clusters: 2, models: 3, dim: 16 });
  const pairs: PairObservation[] = [];
  d.cluster.forEach((c, row) => {
    pairs.push({ row, a: 0, b: 1, y: c === 0 ? 1 : 0 }, { row, a: 2, b: 0, y: 0.5 });
  });
  return { ...d, scores: d.scores.map((r) => r.map(() => Number.NaN)), pairs };
}

describe('learned routers on pairwise-only data and online updates', () => {
  beforeAll(async () => {
    await initBackend();
  });

  for (const make of [() => new MfRouter({ epochs: 30, dim: 8, lr: 1e-2, batchSize: 16, patience: 0 }), () => new EloRouter({ k: 15 })]) {
    it(`${make().kind}: learns from pairs alone; outputs are win probabilities in [0,1]`, async () => {
      const data = pairwiseOnly();
      const r = await make().fit(data);
      const pred = await r.predict(data.features);
      for (const row of pred) for (const v of row) expect(v >= 0 && v <= 1).toBe(true);
      const mean = (c: number, m: number) => {
        const rows = data.features.map((_, i) => i).filter((i) => (data as ReturnType<typeof syntheticRouting>).cluster[i] === c);
        return rows.reduce((s, i) => s + pred[i]![m]!, 0) / rows.length;
      };
      expect(mean(0, 0)).toBeGreaterThan(mean(0, 1));
      expect(mean(1, 1)).toBeGreaterThan(mean(1, 0));
      r.dispose?.();
    });
  }

  it('mlp members: 2 predicts the mean probability of the two seeded networks it trains', async () => {
    const data = syntheticRouting({ rows: 90, dim: 16 });
    const params = { epochs: 5, hidden: [8], batchSize: 16, lr: 1e-2 };
    const ens = await new MlpRouter({ ...params, members: 2 }).fit(data, { seed: 5 });
    const a = await new MlpRouter(params).fit(data, { seed: 5 });
    const b = await new MlpRouter(params).fit(data, { seed: 6 });
    const [pe, pa, pb] = await Promise.all([ens, a, b].map((r) => r.predict(data.features.slice(0, 10))));
    pe!.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((pa![i]![j]! + pb![i]![j]!) / 2, 5)));
    expect(pa).not.toEqual(pb);
    for (const r of [ens, a, b]) r.dispose();
  });

  it('contrastive with k-means groups (no task labels) trains, predicts finite scores and is seeded', async () => {
    const data = { ...syntheticRouting({ rows: 60, dim: 16 }), tasks: undefined };
    const make = () =>
      new ContrastiveRouter({ epochs: 3, dim: 4, batchSize: 16, sampleWeight: 1, groupBy: 'kmeans', clusters: 3, dropout: 0.2 }).fit(data, { seed: 3 });
    const [a, b] = await Promise.all([make(), make()]);
    const pa = await a.predict(data.features.slice(0, 5));
    expect(pa.flatMap((r) => Array.from(r)).every(Number.isFinite)).toBe(true);
    expect(await b.predict(data.features.slice(0, 5))).toEqual(pa);
    a.dispose();
    b.dispose();
  });

  it('elo update(): new wins raise a model’s global rating; bad pairs are named', async () => {
    const data = syntheticRouting({ rows: 60, models: 3, dim: 16 });
    const r = await new EloRouter({ k: 10 }).fit(data);
    const before = r.eloRatings();
    const x = data.features.slice(0, 20);
    await r.update({
      features: x,
      pairs: x.flatMap((_, row) => [
        { row, a: 2, b: 0, y: 1 },
        { row, a: 2, b: 1, y: 1 },
      ]),
    });
    const after = r.eloRatings();
    expect(after['model-2']! - after['model-0']!).toBeGreaterThan(before['model-2']! - before['model-0']!);
    const saved = await r.save();
    expect(saved.state.rows).toBe(80);
    await expect(r.update({ features: x.slice(0, 1), pairs: [{ row: 3, a: 0, b: 1, y: 1 }] })).rejects.toThrow(LlmrError);
    await expect(r.update({ features: x.slice(0, 1), pairs: [{ row: 0, a: 0, b: 0, y: 1 }] })).rejects.toThrow(/pairs\[0\]|invalid/);
  });
});
