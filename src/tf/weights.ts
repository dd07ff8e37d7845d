import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LlmrError } from '../errors.js';
import type { Rng } from '../util/rng.js';

/** Glorot/Xavier-uniform initial values drawn from our seeded Rng (never tf's global random state). */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number, scale = 1): Float32Array {
  const limit = scale * Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng.next() - 1) * limit);
}

/** Normal(0, std²) values from the seeded Rng. */
export function normalValues(rng: Rng, n: number, std: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * std);
}

/** A trainable variable with a stable name and values from our Rng. */
export function variableFrom(values: Float32Array, shape: number[], name: string, trainable = true): tf.Variable {
  const init = tf.tensor(values, shape, 'float32');
  const v = tf.variable(init, trainable, `${name}_${nextId()}`);
  init.dispose();
  return v;
}

let counter = 0;
/** tf variable names must be unique per process; the stored names are the keys, not these ids. */
function nextId(): number {
  return ++counter;
}

export const WeightSpecSchema = z.array(
  z.object({ name: z.string().min(1), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative() }),
);
export type WeightSpec = z.infer<typeof WeightSpecSchema>;

/** All named tensors as one little-endian Float32 file plus a JSON spec (name, shape, offset in floats). */
export async function packWeights(named: Record<string, tf.Tensor>): Promise<{ spec: WeightSpec; bytes: Uint8Array }> {
  const spec: WeightSpec = [];
  let total = 0;
  for (const [name, t] of Object.entries(named)) {
    spec.push({ name, shape: [...t.shape], offset: total });
    total += t.size;
  }
  const flat = new Float32Array(total);
  for (const s of spec) flat.set((await named[s.name]!.data()) as Float32Array, s.offset);
  return { spec, bytes: new Uint8Array(flat.buffer) };
}

/** Inverse of packWeights, validating the spec against the byte length. */
export function unpackWeights(specRaw: unknown, bytes: Uint8Array | undefined, what: string): Record<string, { values: Float32Array; shape: number[] }> {
  const parsed = WeightSpecSchema.safeParse(specRaw);
  if (!parsed.success)
    throw new LlmrError(`${what}: malformed weight spec in the router state`, { field: 'state.weights', fix: 're-train or re-save the artifact' });
  if (!bytes) throw new LlmrError(`${what}: router state lacks its weights file`, { field: 'files', fix: 're-train or re-save the artifact' });
  if (bytes.byteLength % 4 !== 0)
    throw new LlmrError(`${what}: weights file is not a whole number of float32 values`, { field: 'files', fix: 're-train or re-save the artifact' });
  const flat = new Float32Array(new Uint8Array(bytes).buffer);
  const out: Record<string, { values: Float32Array; shape: number[] }> = {};
  for (const s of parsed.data) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.offset + n > flat.length)
      throw new LlmrError(`${what}: weight ${s.name} runs past the end of the weights file`, { field: 'files', fix: 're-train or re-save the artifact' });
    out[s.name] = { values: flat.slice(s.offset, s.offset + n), shape: s.shape };
  }
  return out;
}
