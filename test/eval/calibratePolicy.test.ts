import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScoreRecord } from '../../src/data/schemas.js';
import { calibrate, parseGoal } from '../../src/eval/calibratePolicy.js';
import { evalTableFromRecords, tableDigest, type EvalTable } from '../../src/eval/evalTable.js';
import type { RouterPredictions } from '../../src/eval/evaluate.js';
import { pipelinePredictions } from '../../src/eval/predict.js';
import { HashingFeaturizer } from '../../src/featurizers/hashing.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { KnnRouter } from '../../src/routers/knn.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { buildTrainingSet } from '../../src/routers/trainingSet.js';

/** 10 prompts; router score (strong − weak) = i/10; strong right everywhere, weak right on even rows. */
function pair(): { t: EvalTable; p: RouterPredictions } {
  const n = 10;
  const quality = Array.from({ length: n }, (_, i) => Float64Array.from([1, i % 2 === 0 ? 1 : 0]));
  const cost = Array.from({ length: n }, () => Float64Array.from([0.01, 0.001]));
  const t: EvalTable = {
    name: 'c',
    ids: quality.map((_, i) => `r${i}`),
    prompts: quality.map(() => ''),
    models: ['strong', 'weak'],
    quality,
    cost,
    costSource: { logged: 0, priceTable: 20 },
    dropped: 0,
    digest: '',
  };
  t.digest = tableDigest(t);
  const pred = Array.from({ length: n }, (_, i) => Float64Array.from([i / 10, 0]));
  return { t, p: { name: 'r', kind: 'r', pred, expectedCost: cost } };
}

describe('calibration goals', () => {
  it('parses goals and names the flag on error', () => {
    expect(parseGoal('share=0.3')).toEqual({ kind: 'share', share: 0.3 });
    expect(parseGoal('share=30%')).toEqual({ kind: 'share', share: 0.3 });
    expect(parseGoal('budget=2.5')).toEqual({ kind: 'budget', usdPer1k: 2.5 });
    expect(parseGoal('quality=0.8')).toEqual({ kind: 'quality', min: 0.8 });
    expect(() => parseGoal('share=2')).toThrow(/--goal share/);
    expect(() => parseGoal('cost=1')).toThrow(/--goal must be/);
  });

  it('share: threshold = the (1 − share) quantile of the router scores (RouteLLM calibrate_threshold)', () => {
    const { t, p } = pair();
    const e = calibrate({ kind: 'share', share: 0.3 }, t, p);
    // scores 0, .1, …, .9: quantile(.7) = .63 → rows .7, .8, .9 go strong = 30 %
    expect(e.knob).toBe('threshold');
    expect(e.policy).toMatchObject({ kind: 'threshold', strong: 'strong', weak: 'weak' });
    expect((e.policy as { threshold: number }).threshold).toBeCloseTo(0.63, 12);
    expect(e.calibration.share.strong).toBeCloseTo(0.3, 12);
    // rows 7, 9 (odd → weak wrong) rescued; 8 was right anyway: quality (5 + 2)/10
    expect(e.calibration.quality).toBeCloseTo(0.7, 12);
    expect(e.calibration.cost).toBeCloseTo((3 * 0.01 + 7 * 0.001) / 10, 12);
    expect(e.feasible).toBe(true);
  });

  it('budget: best quality whose mean cost fits; quality: cheapest setting reaching it', () => {
    const { t, p } = pair();
    // $5.5 per 1k = 0.0055 per query: at most 5 strong calls ((5·.01 + 5·.001)/10 = .0055)
    const b = calibrate({ kind: 'budget', usdPer1k: 5.5 }, t, p);
    expect(b.calibration.share.strong).toBeCloseTo(0.5, 12);
    expect(b.calibration.cost).toBeLessThanOrEqual(0.0055 + 1e-12);
    expect(b.calibration.quality).toBeCloseTo(0.5 + 3 / 10, 12); // rows 5, 7, 9 rescued
    const q = calibrate({ kind: 'quality', min: 0.8 }, t, p);
    // .8 = .5 + three rescued odd rows: strong on scores ≥ .5 (rows 5–9) is the cheapest way → 5 strong calls
    expect(q.calibration.quality).toBeCloseTo(0.8, 12);
    expect(q.calibration.share.strong).toBeCloseTo(0.5, 12);
    expect(q.feasible).toBe(true);
  });

  it('an unreachable goal keeps the closest setting and says so', () => {
    const { t, p } = pair();
    const b = calibrate({ kind: 'budget', usdPer1k: 0.1 }, t, p);
    expect(b.feasible).toBe(false);
    expect(b.calibration.share.strong).toBe(0);
    const q = calibrate({ kind: 'quality', min: 1.1 }, t, p);
    expect(q.feasible).toBe(false);
    expect(q.calibration.quality).toBe(1);
  });

  it('reports what the setting achieves on a test split', () => {
    const { t, p } = pair();
    const e = calibrate({ kind: 'share', share: 0.3 }, t, p, {}, { table: t, pred: p });
    expect(e.test).toEqual({ ...e.calibration, rows: 10, digest: t.digest });
  });

  it('N models: willingness to pay meets a budget', () => {
    const rows = 50;
    const quality = Array.from({ length: rows }, (_, i) => Float64Array.from([1, i % 3 === 0 ? 1 : 0, i % 5 === 0 ? 1 : 0]));
    const cost = Array.from({ length: rows }, () => Float64Array.from([0.01, 0.002, 0.0005]));
    const t: EvalTable = {
      name: 'n',
      ids: quality.map((_, i) => `r${i}`),
      prompts: quality.map(() => ''),
      models: ['a', 'b', 'c'],
      quality,
      cost,
      costSource: { logged: 0, priceTable: 150 },
      dropped: 0,
      digest: 'x',
    };
    const p: RouterPredictions = { name: 'r', kind: 'r', pred: quality.map((q) => Float64Array.from(q, (v) => 0.1 + 0.8 * v)), expectedCost: cost };
    const e = calibrate({ kind: 'budget', usdPer1k: 7 }, t, p);
    expect(e.knob).toBe('willingness-to-pay');
    expect(e.feasible).toBe(true);
    expect(e.calibration.cost).toBeCloseTo((10 * 0.0005 + 13 * 0.002 + 27 * 0.01) / 50, 12);
    // oracle-like predictions: the cheapest right model per row ($6.02/1k) fits in $7/1k, so quality 1
    expect(e.calibration.quality).toBe(1);
  });
});

describe('calibrated policy in the artifact', () => {
  const records: ScoreRecord[] = [];
  for (let i = 0; i < 80; i++) {
    const math = i % 2 === 0;
    records.push({
      id: `r${i}`,
      prompt: math ? `solve the equation ${i} and compute the integral of x^${i}` : `write a short poem about the sea number ${i}`,
      scores: { big: 1, small: math ? (i % 4 === 0 ? 1 : 0) : 1 },
    });
  }

  it('llmr calibrate stores the setting; /route resolves {kind: calibrated, name}', async () => {
    const f = await new HashingFeaturizer({ dim: 512 }).fit(records.map((r) => r.prompt));
    const router = await new KnnRouter({ k: 5 }).fit(buildTrainingSet(records, await f.transform(records.map((r) => r.prompt))));
    const prices = new PriceTable({ big: { perCall: 0.01 }, small: { perCall: 0.001 } });
    const pipeline = new RouterPipeline(f, router, prices, { name: 'cal', version: 'v1' });
    const t = evalTableFromRecords('cal', records, prices);
    const entry = calibrate({ kind: 'share', share: 0.5 }, t, await pipelinePredictions(pipeline, t));
    const dir = join(mkdtempSync(join(tmpdir(), 'llmr-cal-')), 'cal', 'v1');
    await pipeline.save(dir, { calibrations: { half: entry } });
    const loaded = await RouterPipeline.load(dir);
    expect(Object.keys(loaded.meta.calibrations ?? {})).toEqual(['half']);
    for (const prompt of ['compute the integral of x^3', 'a poem about the sea']) {
      const a = await loaded.route({ prompt, policy: { kind: 'calibrated', name: 'half' } });
      const b = await loaded.route({ prompt, policy: entry.policy });
      expect(a.model).toBe(b.model);
      expect(a.policy).toEqual(entry.policy);
    }
    await expect(loaded.route({ prompt: 'x', policy: { kind: 'calibrated', name: 'nope' } })).rejects.toThrow(/no calibration named "nope".*stored: half/);
  });
});
