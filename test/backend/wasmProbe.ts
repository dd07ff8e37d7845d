/**
 * Child process for wasmThreads.test.ts: starts the wasm backend with LLMR_WASM_THREADS from the environment,
 * trains a few MLP steps, and prints JSON (thread count, a matMul checksum, predictions). It must exit on its
 * own: an idle worker pool may not keep Node alive.
 */
import * as tf from '@tensorflow/tfjs';
import { backendLabel, initBackend } from '../../src/backend/backend.js';
import { createRouter } from '../../src/routers/registry.js';
import { syntheticProblem } from '../../training/commands/benchTrain.js';

const info = await initBackend('wasm');
const a = tf.tensor2d(
  Float32Array.from({ length: 300 * 257 }, (_, i) => Math.sin(i)),
  [300, 257],
);
const b = tf.tensor2d(
  Float32Array.from({ length: 257 * 130 }, (_, i) => Math.cos(i)),
  [257, 130],
);
const product = Array.from(tf.matMul(a, b).dataSync().slice(0, 50));
const data = syntheticProblem(256, 512, 4, 3);
const router = createRouter('mlp', { epochs: 2, valFraction: 0, patience: 0, hidden: [32] });
await router.fit(data, { seed: 5 });
const predictions = (await router.predict(data.features.slice(0, 8))).map((r) => Array.from(r));
process.stdout.write(JSON.stringify({ label: backendLabel(info), threads: info.threads, product, predictions }) + '\n');
