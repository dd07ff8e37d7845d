import * as tf from '@tensorflow/tfjs';

/**
 * The values of a tensor built inside tf.tidy, read asynchronously and then disposed. Every read on a
 * training or prediction path goes through here (or another `await t.data()`): the WebGPU backend implements
 * synchronous reads (dataSync) through OffscreenCanvas, which Node lacks, and an async read also lets the
 * backend keep its queue of GPU work instead of stalling on each value.
 */
export async function readTidy(fn: () => tf.Tensor): Promise<Float32Array> {
  const t = tf.tidy(fn);
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Whether this backend can read tensors synchronously here (not WebGPU under Node: no OffscreenCanvas). */
export function canReadSync(): boolean {
  return tf.getBackend() !== 'webgpu' || typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined';
}
