import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LlmrError } from '../../src/errors.js';
import { createFeaturizer, loadFeaturizer } from '../../src/featurizers/registry.js';
import { writeTinyModel } from './helpers/tinyBertModel.js';

const corpus = ['the cat sat on the mat', 'solve x^2 - 4 = 0', 'write a poem about the sea', 'a dog ran on the rug'];

function norm(v: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += v[i]! ** 2;
  return Math.sqrt(s);
}

function errorOf(f: () => unknown): LlmrError {
  try {
    f();
  } catch (e) {
    return e as LlmrError;
  }
  throw new Error('no error thrown');
}

describe('concat featurizer', () => {
  const config = {
    parts: [
      { kind: 'hashing', config: { dim: 64 } },
      { kind: 'hashing', config: { dim: 32, wordNgrams: null }, weight: 4 },
    ],
  };

  it('concatenates the parts, weights each by its share of the squared norm, and L2-normalises', async () => {
    const f = await createFeaturizer('concat', config).fit(corpus);
    expect(f.dim).toBe(96);
    const [v] = await f.transform(['the cat and the sea']);
    expect(v!.length).toBe(96);
    expect(norm(v!, 0, 96)).toBeCloseTo(1, 5);
    // weights 1 and 4 on unit-norm parts: squared norms 1/5 and 4/5
    expect(norm(v!, 0, 64) ** 2).toBeCloseTo(0.2, 4);
    expect(norm(v!, 64, 96) ** 2).toBeCloseTo(0.8, 4);
    // each part is exactly its featurizer's vector, scaled
    const [a] = await (await createFeaturizer('hashing', { dim: 64 }).fit(corpus)).transform(['the cat and the sea']);
    for (let i = 0; i < 64; i++) expect(v![i]).toBeCloseTo(a![i]! * Math.sqrt(0.2), 5);
  });

  it('saves every part under its own prefix and loads to identical vectors', async () => {
    const f = await createFeaturizer('concat', config).fit(corpus);
    const state = await f.save();
    expect(Object.keys(state.files).every((k) => /^p[01]\//.test(k))).toBe(true);
    const g = await loadFeaturizer({ kind: 'concat', config: JSON.parse(JSON.stringify(state.config)) as Record<string, unknown>, files: state.files });
    expect(g.id()).toBe(f.id());
    expect((await g.transform(corpus)).map((x) => Array.from(x))).toEqual((await f.transform(corpus)).map((x) => Array.from(x)));
  });

  it('the weights are part of the id', async () => {
    const a = await createFeaturizer('concat', config).fit(corpus);
    const b = await createFeaturizer('concat', { parts: [config.parts[0]!, { ...config.parts[1]!, weight: 1 }] }).fit(corpus);
    expect(a.id()).not.toBe(b.id());
  });

  it('rejects bad configs naming the field', () => {
    expect(errorOf(() => createFeaturizer('concat', { parts: [{ kind: 'hashing' }] })).field).toBe('featurizer.parts');
    expect(errorOf(() => createFeaturizer('concat', { parts: [{ kind: 'hashing' }, { kind: 'hashing', weight: -1 }] })).field).toBe(
      'featurizer.parts.1.weight',
    );
    expect(errorOf(() => createFeaturizer('concat', { parts: [{ kind: 'hashing' }, { kind: 'nope' }] })).message).toContain('valid: hashing');
    expect(errorOf(() => createFeaturizer('concat', { parts: [{ kind: 'hashing' }, { kind: 'concat', config: config }] })).field).toBe(
      'featurizer.parts.1.kind',
    );
  });

  describe('model paths', () => {
    const saved = { path: process.env.LLMR_LOCAL_MODEL_PATH, remote: process.env.LLMR_ALLOW_REMOTE_MODELS };
    afterEach(() => {
      for (const [k, v] of [
        ['LLMR_LOCAL_MODEL_PATH', saved.path],
        ['LLMR_ALLOW_REMOTE_MODELS', saved.remote],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    it('a transformers part finds its model through LLMR_LOCAL_MODEL_PATH, with no paths in the config', async () => {
      const root = mkdtempSync(join(tmpdir(), 'llmr-concat-models-'));
      const tiny = writeTinyModel(root);
      process.env.LLMR_LOCAL_MODEL_PATH = root;
      process.env.LLMR_ALLOW_REMOTE_MODELS = 'false';
      const f = await createFeaturizer('concat', {
        parts: [
          { kind: 'hashing', config: { dim: 32 } },
          { kind: 'transformers', config: { model: tiny.model }, weight: 0.5 },
        ],
      }).fit(corpus);
      const [v] = await f.transform(['the cat and the sea']);
      expect(v!.length).toBe(32 + tiny.dim);
      expect(norm(v!, 32, 32 + tiny.dim) ** 2).toBeCloseTo(1 / 3, 4);
    });
  });
});
