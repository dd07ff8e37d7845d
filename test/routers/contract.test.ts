import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { ArtifactError, LlmrError, NotFittedError } from '../../src/errors.js';
import { HashingFeaturizer } from '../../src/featurizers/hashing.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { routers } from '../../src/routers/registry.js';
import type { Router, TrainingSet } from '../../src/routers/Router.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { buildTrainingSet, pairsFromScores } from '../../src/routers/trainingSet.js';
import { rejection, thrown } from '../helpers/thrown.js';
import { textRoutingRecords } from './textRouting.js';

/**
 * The estimator contract (in the spirit of scikit-learn's check_estimator), for every entry of the router
 * registry: a new kind is covered by its registry entry alone. Tiny data; each spec's `fastParams` make a tiny
 * fit learn; capabilities (trainsOn, neighbours) select the checks that apply.
 */
const PREDICT_CALLS = 10_000;

const train = textRoutingRecords(90, 3, 0.08);
const test = textRoutingRecords(30, 99, 0);
let featurizer: HashingFeaturizer;
let data: TrainingSet;
let testX: Float32Array[];
const prices = new PriceTable({ coder: { perCall: 0.002 }, mathematician: { perCall: 0.003 }, generalist: { perCall: 0.0005 } });
const tmp = mkdtempSync(join(tmpdir(), 'llmr-contract-'));

beforeAll(async () => {
  await initBackend();
  featurizer = await new HashingFeaturizer({ dim: 128, charNgrams: null }).fit(train.map((r) => r.prompt));
  data = buildTrainingSet(train, await featurizer.transform(train.map((r) => r.prompt)));
  testX = await featurizer.transform(test.map((r) => r.prompt));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function meanScore(pred: Float64Array[], model: number, topic: string): number {
  const rows = test.map((r, i) => (r.topic === topic ? i : -1)).filter((i) => i >= 0);
  return rows.reduce((s, i) => s + pred[i]![model]!, 0) / rows.length;
}

for (const [kind, spec] of routers.entries()) {
  describe(`router contract: ${kind}`, () => {
    const params = spec.fastParams;
    let router: Router;
    let pred: Float64Array[];

    beforeAll(async () => {
      router = spec.create({ ...params, seed: 7 });
      const ret = await router.fit(data, { seed: 7 });
      expect(ret).toBe(router);
      pred = await router.predict(testX);
    });

    afterAll(() => router?.dispose?.());

    it('predict before fit throws NotFittedError', async () => {
      const fresh = spec.create(params);
      await expect(fresh.predict(testX.slice(0, 1))).rejects.toBeInstanceOf(NotFittedError);
      expect(fresh.models).toEqual([]);
    });

    it('predicts one finite score per model for every row, with missing training cells tolerated', () => {
      expect(data.scores.some((r) => r.some(Number.isNaN))).toBe(true);
      expect(router.models).toEqual(['coder', 'mathematician', 'generalist']);
      expect(pred).toHaveLength(testX.length);
      for (const row of pred) {
        expect(row).toHaveLength(3);
        for (const v of row) expect(Number.isFinite(v)).toBe(true);
      }
    });

    it('learns the topic structure (each specialist predicted better on its own topic)', () => {
      expect(meanScore(pred, 0, 'code')).toBeGreaterThan(meanScore(pred, 0, 'math') + 0.2);
      expect(meanScore(pred, 1, 'math')).toBeGreaterThan(meanScore(pred, 1, 'code') + 0.2);
    });

    it('same seed → identical predictions', async () => {
      const again = spec.create({ ...params, seed: 7 });
      await again.fit(data, { seed: 7 });
      expect(await again.predict(testX)).toEqual(pred);
      again.dispose?.();
    });

    it('save → load through RouterPipeline gives identical predictions; a tampered file is an ArtifactError', async () => {
      const dir = join(tmp, kind, 'v1');
      await new RouterPipeline(featurizer, router, prices, { name: `contract-${kind}`, version: 'v1' }).save(dir);
      const loaded = await RouterPipeline.load(dir);
      expect(loaded.router.kind).toBe(kind);
      expect(await loaded.score(test.map((r) => r.prompt))).toEqual(pred);
      loaded.router.dispose?.();
      const files = readdirSync(join(dir, 'router'));
      expect(files.length).toBeGreaterThan(0);
      const f = join(dir, 'router', files[0]!);
      const bytes = readFileSync(f);
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x5a;
      writeFileSync(f, bytes);
      await expect(RouterPipeline.load(dir)).rejects.toBeInstanceOf(ArtifactError);
    });

    it('invalid params → LlmrError naming the parameter', () => {
      const e1 = thrown(() => spec.create({ seed: 'not-a-number' }));
      expect(e1).toBeInstanceOf(LlmrError);
      expect((e1 as LlmrError).field).toBe('params.seed');
      expect((e1 as LlmrError).message).toContain('seed');
      const e2 = thrown(() => spec.create({ noSuchParam: 1 }));
      expect(e2).toBeInstanceOf(LlmrError);
      expect((e2 as LlmrError).message).toContain('noSuchParam');
    });

    it('refit on the same data with the same seed gives the same model (idempotent fit)', async () => {
      expect(await router.fit(data, { seed: 7 })).toBe(router);
      expect(await router.predict(testX)).toEqual(pred);
    });

    it('fit leaves the hyper-parameters unchanged', async () => {
      const r = spec.create({ ...params, seed: 3 });
      const before = JSON.stringify(r.params);
      await r.fit(data, { seed: 3 });
      expect(JSON.stringify(r.params)).toBe(before);
      expect(JSON.stringify(spec.create({ ...params, seed: 3 }).params)).toBe(before);
      r.dispose?.();
    });

    it('predict on features of another dimension → LlmrError naming the features', async () => {
      const e = await rejection(router.predict([new Float32Array(testX[0]!.length + 3)]));
      expect(e).toBeInstanceOf(LlmrError);
      expect((e as LlmrError).field).toBe('features');
    });

    it('empty or malformed training data → LlmrError naming the field, not a crash', async () => {
      const cases: [TrainingSet, RegExp][] = [
        [{ ...data, ids: [], features: [], scores: [], tasks: [] }, /^data/],
        [{ ...data, scores: data.scores.slice(1) }, /^data\.scores/],
        [{ ...data, features: data.features.map((x, i) => (i === 5 ? x.subarray(0, 10) : x)) }, /^data\.features\[5\]/],
        [{ ...data, scores: data.scores.map((r, i) => (i === 2 ? r.subarray(0, 1) : r)) }, /^data\.scores\[2\]/],
        [{ ...data, models: [] }, /^data\.models/],
      ];
      for (const [bad, field] of cases) {
        const e = await rejection(spec.create(params).fit(bad));
        expect(e).toBeInstanceOf(LlmrError);
        expect((e as LlmrError).field).toMatch(field);
      }
    });

    it('malformed saved state → LlmrError on load, not a crash', async () => {
      const saved = await router.save();
      const bad = [
        { state: {}, files: saved.files },
        { state: { ...saved.state, dim: 'wide' }, files: saved.files },
        { state: saved.state, files: {} },
        { state: saved.state, files: Object.fromEntries(Object.entries(saved.files).map(([k, v]) => [k, v.subarray(0, 3)])) },
      ];
      for (const st of bad) expect(await rejection(spec.load(router.params, st, router.models))).toBeInstanceOf(LlmrError);
    });

    it(
      spec.trainsOn === 'scores' ? 'pairs-only data (no observed score) → LlmrError naming data.scores' : 'learns from pairs alone (no observed score)',
      async () => {
        const pairsOnly: TrainingSet = { ...data, scores: data.scores.map((r) => r.map(() => Number.NaN)), pairs: pairsFromScores(data.scores) };
        const r = spec.create({ ...params, seed: 7 });
        if (spec.trainsOn === 'scores') {
          const e = await rejection(r.fit(pairsOnly));
          expect(e).toBeInstanceOf(LlmrError);
          expect((e as LlmrError).field).toBe('data.scores');
          return;
        }
        await r.fit(pairsOnly, { seed: 7 });
        const p = await r.predict(testX);
        for (const row of p) for (const v of row) expect(v >= 0 && v <= 1).toBe(true);
        expect(meanScore(p, 0, 'code')).toBeGreaterThan(meanScore(p, 1, 'code'));
        expect(meanScore(p, 1, 'math')).toBeGreaterThan(meanScore(p, 0, 'math'));
        r.dispose?.();
      },
    );

    it.runIf(spec.capabilities.neighbours)('HNSW index (exactBelow: 0): builds, serializes, loads with its ef restored, same predictions', async () => {
      const r = spec.create({ ...params, exactBelow: 0, ef: 33, seed: 7 });
      await r.fit(data, { seed: 7 });
      expect(r.ef).toBe(33);
      const p = await r.predict(testX);
      for (const row of p) for (const v of row) expect(Number.isFinite(v)).toBe(true);
      const dir = join(tmp, `${kind}-hnsw`, 'v1');
      await new RouterPipeline(featurizer, r, prices, { name: `hnsw-${kind}`, version: 'v1' }).save(dir);
      expect(readdirSync(join(dir, 'router')).some((f) => /^index\.(hnsw|usearch)$/.test(f))).toBe(true);
      const loaded = await RouterPipeline.load(dir);
      expect(loaded.router.ef).toBe(33);
      expect(await loaded.router.predict(testX)).toEqual(p);
      loaded.router.dispose?.();
      r.dispose?.();
    });

    it(`no tensor leak across fit and across ${PREDICT_CALLS} predict calls`, async () => {
      const before = tf.memory().numTensors;
      const r = spec.create({ ...params, seed: 1 });
      await r.fit(data);
      const afterFit = tf.memory().numTensors;
      for (let i = 0; i < PREDICT_CALLS; i++) await r.predict([testX[i % testX.length]!]);
      expect(tf.memory().numTensors).toBe(afterFit);
      r.dispose?.();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
