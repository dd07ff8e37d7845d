import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { dense, denseInput, embeddingLookup, logSigmoid, logSumExpLast, maskedBceWithLogits, maskedMse, maskNaN, matMulT } from '../../src/tf/ops.js';
import { Rng } from '../../src/util/rng.js';

function randn(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

function close(a: tf.Tensor, b: tf.Tensor | ArrayLike<number>, tol = 1e-5): void {
  const x = a.dataSync();
  const y = b instanceof tf.Tensor ? b.dataSync() : b;
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i]!)));
}

/** Central finite differences of a scalar function of one tensor. */
function numericGrad(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2): Float32Array {
  const base = x.dataSync().slice();
  const g = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const p = base.slice();
    p[i]! += eps;
    const m = base.slice();
    m[i]! -= eps;
    const fp = tf.tidy(() => f(tf.tensor(p, x.shape)).dataSync()[0]!);
    const fm = tf.tidy(() => f(tf.tensor(m, x.shape)).dataSync()[0]!);
    g[i] = (fp - fm) / (2 * eps);
  }
  return g;
}

describe('tf ops on the cpu backend', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('matMulT / dense: value and gradients equal tf.matMul’s', () => {
    const rng = new Rng(1);
    const a = randn(rng, [5, 7]) as tf.Tensor2D;
    const b = randn(rng, [7, 3]) as tf.Tensor2D;
    const bias = randn(rng, [3]) as tf.Tensor1D;
    const w = randn(rng, [5, 3]);
    close(matMulT(a, b), tf.matMul(a, b));
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(dense(x as tf.Tensor2D, y as tf.Tensor2D, z as tf.Tensor1D), w)))([
      a,
      b,
      bias,
    ]);
    const ref = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), z), w)))([
      a,
      b,
      bias,
    ]);
    for (let i = 0; i < 3; i++) close(ours[i]!, ref[i]!, 1e-4);
  });

  it('denseInput: gradient flows to the weights only and equals tf.matMul’s', () => {
    const rng = new Rng(9);
    const x = randn(rng, [5, 6]) as tf.Tensor2D;
    const w = randn(rng, [6, 4]) as tf.Tensor2D;
    const b = randn(rng, [4]) as tf.Tensor1D;
    const up = randn(rng, [5, 4]);
    close(denseInput(x, w, b), tf.add(tf.matMul(x, w), b));
    const ours = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(denseInput(x, ww as tf.Tensor2D, bb as tf.Tensor1D), up)))([w, b]);
    const ref = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(x, ww as tf.Tensor2D), bb), up)))([w, b]);
    close(ours[0]!, ref[0]!, 1e-4);
    close(ours[1]!, ref[1]!, 1e-4);
    // Inside variableGrads the forward runs in its own tidy: the data tensor must survive until backprop.
    const v = tf.variable(w.clone());
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(denseInput(tf.add(x, 0) as tf.Tensor2D, v as unknown as tf.Tensor2D), up)) as tf.Scalar, [v]);
    close(grads[v.name]!, ref[0]!, 1e-4);
    v.dispose();
  });

  it('dense gradient matches finite differences', () => {
    const rng = new Rng(2);
    const x = randn(rng, [4, 6]) as tf.Tensor2D;
    const w = randn(rng, [6, 2]) as tf.Tensor2D;
    const f = (ww: tf.Tensor) => tf.sum(tf.square(tf.tanh(dense(x, ww as tf.Tensor2D)))) as tf.Scalar;
    const g = tf.grad(f)(w);
    close(g, numericGrad(f, w), 2e-2);
  });

  it('logSigmoid equals log σ(x) and has gradient σ(−x), also for large |x|', () => {
    const x = tf.tensor1d([-80, -10, -1, 0, 0.5, 3, 40]);
    close(
      logSigmoid(x),
      tf
        .log(tf.sigmoid(tf.tensor1d([-80, -10, -1, 0, 0.5, 3, 40])))
        .dataSync()
        .map((v, i) => (i === 0 ? -80 : v)),
      1e-4,
    );
    const g = tf.grad((t: tf.Tensor) => tf.sum(logSigmoid(t)))(x);
    close(g, tf.sigmoid(tf.neg(x)), 1e-5);
  });

  it('embeddingLookup equals tf.gather, value and gradient', () => {
    const rng = new Rng(3);
    const table = randn(rng, [6, 4]) as tf.Tensor2D;
    const ids = [5, 0, 2, 2, 1];
    close(embeddingLookup(table, ids), tf.gather(table, tf.tensor1d(ids, 'int32')));
    const w = randn(rng, [5, 4]);
    const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, ids), w)))(table);
    const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, 'int32')), w)))(table);
    close(ours, ref, 1e-5);
  });

  it('masked BCE / MSE ignore NaN cells and equal the hand-computed values', () => {
    const logits = [2, -1, 0.3, 5, -4];
    const raw = [1, 0, Number.NaN, 0.25, Number.NaN];
    const { values, mask, count } = maskNaN(raw);
    expect(count).toBe(3);
    expect(Array.from(mask)).toEqual([1, 1, 0, 1, 0]);
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    let bce = 0;
    let mse = 0;
    for (const i of [0, 1, 3]) {
      const p = sig(logits[i]!);
      bce += -(raw[i]! * Math.log(p) + (1 - raw[i]!) * Math.log(1 - p));
      mse += (p - raw[i]!) ** 2;
    }
    const z = tf.tensor1d(logits);
    close(maskedBceWithLogits(z, tf.tensor1d(values), tf.tensor1d(mask)), [bce / 3], 1e-5);
    close(maskedMse(tf.sigmoid(z), tf.tensor1d(values), tf.tensor1d(mask)), [mse / 3], 1e-5);
    // Missing cells get no gradient.
    const g = tf
      .grad((t: tf.Tensor) => maskedBceWithLogits(t, tf.tensor1d(values), tf.tensor1d(mask)))(z)
      .dataSync();
    expect(g[2]).toBe(0);
    expect(g[4]).toBe(0);
    expect(Math.abs(g[0]!)).toBeGreaterThan(0);
    // An all-missing batch is a zero loss, not NaN.
    expect(maskedBceWithLogits(z, tf.zeros([5]), tf.zeros([5])).dataSync()[0]).toBe(0);
  });

  it('logSumExpLast matches the definition and finite differences', () => {
    const rng = new Rng(4);
    const x = randn(rng, [3, 5]);
    const d = x.arraySync() as number[][];
    close(
      logSumExpLast(x),
      d.map((r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0))),
      1e-5,
    );
    const f = (t: tf.Tensor) => tf.sum(tf.square(logSumExpLast(t))) as tf.Scalar;
    close(tf.grad(f)(x), numericGrad(f, x), 2e-2);
  });
});

describe('tf ops gradients run on wasm', () => {
  it('dense, logSigmoid, embeddingLookup and logSumExp differentiate on the wasm backend', async () => {
    await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const rng = new Rng(5);
    const table = randn(rng, [6, 4]) as tf.Tensor2D;
    const w = randn(rng, [4, 3]) as tf.Tensor2D;
    const gs = tf.grads((t: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(logSigmoid(logSumExpLast(dense(embeddingLookup(t as tf.Tensor2D, [1, 3, 3]), ww as tf.Tensor2D)))),
    )([table, w]);
    for (const g of gs) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Array.from(gs[0]!.dataSync()).some((v) => v !== 0)).toBe(true);
  });
});
