import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { ArtifactError, LlmrError, NotFittedError } from '../../src/errors.js';
import { HashingFeaturizer } from '../../src/featurizers/hashing.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { ROUTERS } from '../../src/routers/registry.js';
import type { Router, TrainingSet } from '../../src/routers/Router.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { buildTrainingSet } from '../../src/routers/trainingSet.js';
import { textRoutingRecords } from './textRouting.js';

/**
 * The estimator contract, for every entry of the router registry (a new kind is covered by adding it to
 * ROUTERS). Tiny data and few epochs keep it fast; FAST holds per-kind settings that make a tiny fit learn.
 */
const FAST: Record<string, Record<string, unknown>> = {
  knn: { k: 7 },
  mlp: { epochs: 25, batchSize: 16, lr: 1e-2, hidden: [16], patience: 0, dropout: 0 },
  mf: { epochs: 25, batchSize: 16, lr: 1e-2, dim: 8, patience: 0 },
  contrastive: { epochs: 25, batchSize: 16, lr: 1e-2, dim: 8, patience: 0, dropout: 0, sampleWeight: 1 },
  elo: { k: 10 },
};
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

for (const [kind, spec] of Object.entries(ROUTERS)) {
  describe(`router contract: ${kind}`, () => {
    const params = FAST[kind] ?? {};
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
      const bad = (p: Record<string, unknown>) => {
        try {
          spec.create(p);
        } catch (e) {
          return e;
        }
        return null;
      };
      const e1 = bad({ seed: 'not-a-number' }) as LlmrError;
      expect(e1).toBeInstanceOf(LlmrError);
      expect(e1.field).toBe('params.seed');
      expect(e1.message).toContain('seed');
      const e2 = bad({ noSuchParam: 1 }) as LlmrError;
      expect(e2).toBeInstanceOf(LlmrError);
      expect(e2.message).toContain('noSuchParam');
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
