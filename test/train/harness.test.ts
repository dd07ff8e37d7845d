import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { dense, maskedMse } from '../../src/tf/ops.js';
import { glorotUniform, variableFrom } from '../../src/tf/weights.js';
import { evaluateLoss, learningRate, splitRows, trainVariables, TrainConfigSchema, type Objective } from '../../src/train/harness.js';
import { Rng } from '../../src/util/rng.js';

const N = 200;
const D = 8;

/** y = X·w* (+ sign flip for the "adversarial" validation set). */
function regression(sign = 1, seed = 7): { x: Float32Array; y: Float32Array; w: Float32Array } {
  const rng = new Rng(seed);
  const w = Float32Array.from({ length: D }, () => rng.normal());
  const x = Float32Array.from({ length: N * D }, () => rng.normal());
  const y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += x[i * D + j]! * w[j]!;
    y[i] = sign * s + 0.01 * rng.normal();
  }
  return { x, y, w };
}

function objective(data: { x: Float32Array; y: Float32Array }, w: tf.Variable, b: tf.Variable): Objective {
  return {
    size: N,
    loss(rows) {
      const xb = new Float32Array(rows.length * D);
      const yb = new Float32Array(rows.length);
      rows.forEach((r, i) => {
        xb.set(data.x.subarray(r * D, (r + 1) * D), i * D);
        yb[i] = data.y[r]!;
      });
      const pred = tf.squeeze(dense(tf.tensor2d(xb, [rows.length, D]), w as tf.Variable as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D), [1]);
      return maskedMse(pred, tf.tensor1d(yb), tf.onesLike(pred));
    },
  };
}

function makeVars(seed: number): [tf.Variable, tf.Variable] {
  return [variableFrom(glorotUniform(new Rng(seed), D, 1), [D, 1], 'w'), variableFrom(new Float32Array(1), [1], 'b')];
}

const cfg = (o: Record<string, unknown> = {}) => TrainConfigSchema.parse({ epochs: 30, lr: 0.05, batchSize: 32, patience: 0, ...o });

describe('training harness', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('fits a linear regression, restores the best checkpoint and leaks no tensors', async () => {
    const data = regression();
    const [w, b] = makeVars(1);
    const before = tf.memory().numTensors;
    const epochs: number[] = [];
    const res = await trainVariables([w, b], objective(data, w, b), cfg(), { onEpoch: (r) => epochs.push(r.epoch) });
    expect(tf.memory().numTensors).toBe(before);
    expect(epochs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(res.history.at(-1)!.loss).toBeLessThan(0.01);
    const learned = w.dataSync();
    for (let j = 0; j < D; j++) expect(learned[j]).toBeCloseTo(data.w[j]!, 1);
    // Weights are the best-validation checkpoint: recomputed validation loss equals the recorded best.
    const { val } = splitRows(N, 0.1, new Rng(42));
    expect(res.valRows).toBe(val.length);
    expect(await evaluateLoss(objective(data, w, b), val)).toBeCloseTo(res.bestValLoss!, 5);
    w.dispose();
    b.dispose();
  });

  it('same seed → identical weights; another seed → different weights', async () => {
    const data = regression();
    const run = async (seed: number) => {
      const [w, b] = makeVars(3);
      await trainVariables([w, b], objective(data, w, b), cfg({ epochs: 3, seed }));
      const out = Array.from(w.dataSync());
      w.dispose();
      b.dispose();
      return out;
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
  });

  it('stops early when validation loss stops improving and restores the best epoch', async () => {
    const [w, b] = makeVars(5);
    const train = objective(regression(1), w, b);
    const adversarial = objective(regression(-1), w, b);
    const res = await trainVariables([w, b], train, cfg({ epochs: 50, patience: 3, lr: 0.02 }), { validation: adversarial });
    expect(res.stoppedEarly).toBe(true);
    expect(res.history.length).toBe(res.bestEpoch + 3);
    expect(
      await evaluateLoss(
        adversarial,
        Array.from({ length: N }, (_, i) => i),
      ),
    ).toBeCloseTo(res.bestValLoss!, 4);
    w.dispose();
    b.dispose();
  });

  it('splitRows keeps groups whole and is seeded', () => {
    const groups = Array.from({ length: 100 }, (_, i) => Math.floor(i / 5));
    const s = splitRows(100, 0.2, new Rng(1), groups);
    expect(s.val.length).toBe(20);
    expect(s.train.length + s.val.length).toBe(100);
    const vg = new Set(s.val.map((r) => groups[r]));
    for (const r of s.train) expect(vg.has(groups[r]!)).toBe(false);
    expect(splitRows(100, 0.2, new Rng(1), groups)).toEqual(s);
    expect(splitRows(100, 0, new Rng(1)).val).toEqual([]);
  });

  it('learning-rate schedules', () => {
    const c = cfg({ epochs: 11, lr: 1, minLrFraction: 0.1 });
    expect(learningRate(c, 0)).toBeCloseTo(1);
    expect(learningRate(c, 5)).toBeCloseTo(0.55);
    expect(learningRate(c, 10)).toBeCloseTo(0.1);
    expect(learningRate({ ...c, schedule: 'step', stepEvery: 4, stepGamma: 0.5 }, 9)).toBeCloseTo(0.25);
    expect(learningRate({ ...c, schedule: 'constant' }, 9)).toBe(1);
  });
});
