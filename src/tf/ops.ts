import * as tf from '@tensorflow/tfjs';

/**
 * Building blocks that are fast and differentiable on every TF.js backend, wasm included. Measured facts
 * they work around (tfjs 4.22, wasm under Node):
 * - matMul with transposeA/transposeB is ~10× slower than a plain matMul, and tf.matMul's own gradient uses
 *   exactly those flags: `matMulT` below transposes explicitly and multiplies plainly, forward and backward;
 * - tf.gather's gradient needs UnsortedSegmentSum, which wasm lacks: `embeddingLookup` is a one-hot matMul;
 * - tf.logSigmoid's gradient throws on wasm: `logSigmoid` is −softplus(−x).
 * All functions are pure tensor functions: call them inside tf.tidy / a gradient tape.
 */

const matMulPlainGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const a = args[0] as tf.Tensor2D;
  const b = args[1] as tf.Tensor2D;
  const save = args[2] as tf.GradSaveFunc;
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      // d/da = dy · bᵀ, d/db = aᵀ · dy — explicit transposes, plain matMuls.
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
});

/** a [m,k] · b [k,n] with a gradient that avoids matMul's transpose flags. */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulPlainGrad(a, b) as tf.Tensor2D;
}

/**
 * x · w where x is data (no gradient wanted): the gradient flows to w only (xᵀ · dy), saving the
 * dy · wᵀ product that matMulT would compute for x — a third of a first layer's backward cost.
 */
export function matMulData(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ww = args[0] as tf.Tensor2D;
    // x must go through save(): tensors only captured by the closure are disposed before backprop.
    (args[1] as tf.GradSaveFunc)([x]);
    return {
      value: tf.matMul(x, ww),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy as tf.Tensor2D)],
    };
  });
  return f(w) as tf.Tensor2D;
}

/** First (input) layer: x [batch,in] is data, w [in,out] and b [out] are trained. */
export function denseInput(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D | null): tf.Tensor2D {
  const y = matMulData(x, w);
  return b ? tf.add(y, b) : y;
}

/** Fully connected layer: x [batch,in] · w [in,out] (+ b [out]). */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D | null): tf.Tensor2D {
  const y = matMulT(x, w);
  return b ? tf.add(y, b) : y;
}

/** log σ(x) = −softplus(−x): stable, with a gradient on every backend. */
export function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}

/** Rows of `table` [n,d] for integer ids, as oneHot(ids) · table (differentiable in `table` on wasm). */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D | Int32Array | readonly number[]): tf.Tensor2D {
  const n = table.shape[0];
  const idT = ids instanceof tf.Tensor ? ids : tf.tensor1d(Int32Array.from(ids as ArrayLike<number>), 'int32');
  const oh = tf.oneHot(idT.toInt(), n).toFloat() as tf.Tensor2D;
  return matMulT(oh, table);
}

/** Row-wise L2 normalisation x / max(‖x‖, eps). */
export function l2NormalizeRows(x: tf.Tensor2D, eps = 1e-8): tf.Tensor2D {
  const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), eps * eps));
  return tf.div(x, norm);
}

/** Targets with NaN for missing cells split into finite targets (NaN → 0) and a 0/1 mask. */
export interface MaskedTargets {
  values: Float32Array;
  mask: Float32Array;
  /** Number of observed cells. */
  count: number;
}

export function maskNaN(values: ArrayLike<number>): MaskedTargets {
  const v = new Float32Array(values.length);
  const m = new Float32Array(values.length);
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    v[i] = x;
    m[i] = 1;
    count++;
  }
  return { values: v, mask: m, count };
}

/** Masked mean: Σ mask·x / max(Σ mask, 1). A batch with no observed cell gives 0 (and zero gradient). */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/**
 * Binary cross-entropy from logits with soft targets y ∈ [0,1]: softplus(z) − y·z, averaged over the
 * observed cells (mask = 1). Equivalent to −[y log σ(z) + (1−y) log(1−σ(z))], stable for large |z|.
 */
export function maskedBceWithLogits(logits: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const per = tf.sub(tf.softplus(logits), tf.mul(targets, logits));
  return maskedMean(per, mask);
}

/** Mean squared error over the observed cells (mask = 1). */
export function maskedMse(pred: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return maskedMean(tf.square(tf.sub(pred, targets)), mask);
}

/** log Σ exp(x) along the last axis (tf.logSumExp is max-shifted, its gradient works on wasm). */
export function logSumExpLast(x: tf.Tensor): tf.Tensor {
  return tf.logSumExp(x, x.rank - 1);
}
