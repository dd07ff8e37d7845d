import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LlmrError } from '../../src/errors.js';
import { TransformersFeaturizer, transformersAvailable } from '../../src/featurizers/transformers.js';
import { cosine, norm } from './helpers/winkFixture.js';
import { expectedVector, writeTinyModel, type TinyModel } from './helpers/tinyBertModel.js';

let m: TinyModel;
const make = (config: Record<string, unknown> = {}) =>
  new TransformersFeaturizer({ model: m.model, localModelPath: m.root, allowRemoteModels: false, cacheDir: m.root, ...config });

beforeAll(() => {
  m = writeTinyModel(mkdtempSync(join(tmpdir(), 'llmr-tiny-model-')));
});

describe('transformers featurizer on a generated tiny ONNX model (offline)', () => {
  it('returns unit vectors of the model hidden size', async () => {
    const f = make();
    expect(f.dim).toBe(0);
    const out = await f.transform(['the cat sat', 'hello world']);
    expect(f.dim).toBe(m.dim);
    expect(out).toHaveLength(2);
    for (const v of out) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(m.dim);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('mean-pools over the attention mask only (padding rows excluded)', async () => {
    // batch of different lengths: the short prompts are padded with [PAD], whose embedding row is huge
    const prompts = [['the', 'cat', 'sat'], ['hello'], ['write', 'a', 'poem', 'about', 'the', 'sea', 'on', 'the', 'mat']];
    const out = await make().transform(prompts.map((p) => p.join(' ')));
    prompts.forEach((words, i) => {
      const want = expectedVector(m, words);
      expect(Array.from(out[i]!)).toEqual(Array.from(want, (x) => expect.closeTo(x, 5)));
    });
  });

  it('tokenizes unknown words to [UNK] and word pieces as the tokenizer does', async () => {
    const [v] = await make().transform(['The CATS zebra']);
    // "cats" → cat ##s, "zebra" → [UNK]
    const want = expectedVector(m, ['the', 'cat', '##s', '[UNK]']);
    expect(Array.from(v!)).toEqual(Array.from(want, (x) => expect.closeTo(x, 5)));
  });

  it('is deterministic and independent of batch size', async () => {
    const texts = ['the cat sat on the mat', 'a dog ran', 'solve the equation', 'hello world', 'the sea'];
    const a = await make({ batchSize: 2 }).transform(texts);
    const b = await make({ batchSize: 2 }).transform(texts);
    const c = await make({ batchSize: 64 }).transform(texts);
    expect(a.map((v) => Array.from(v))).toEqual(b.map((v) => Array.from(v)));
    a.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(c[i]!, (x) => expect.closeTo(x, 6))));
  });

  it('gives different texts different vectors', async () => {
    const [x, y, z] = await make().transform(['the cat sat on the mat', 'solve the equation', 'the cat sat on the mat']);
    expect(cosine(x!, y!)).toBeLessThan(0.99);
    expect(Array.from(x!)).toEqual(Array.from(z!));
  });

  it('loads onnx/model.onnx when quantized is false', async () => {
    const [q] = await make().transform(['the cat']);
    const [f] = await make({ quantized: false }).transform(['the cat']);
    expect(Array.from(f!)).toEqual(Array.from(expectedVector(m, ['the', 'cat'], m.fp32Rows), (x) => expect.closeTo(x, 5)));
    expect(cosine(q!, f!)).toBeLessThan(0.99);
    expect(make({ quantized: false }).id()).not.toBe(make().id());
  });

  it('saves only its config and loads to identical vectors', async () => {
    const f = make();
    const state = await f.save();
    expect(state).toEqual({ kind: 'transformers', config: { model: m.model, quantized: true, revision: 'main', batchSize: 32 }, files: {} });
    const g = await TransformersFeaturizer.load(state, { localModelPath: m.root, allowRemoteModels: false });
    expect(g.dim).toBe(m.dim);
    expect(g.id()).toBe(f.id());
    const texts = ['the cat sat', 'a poem about the moon'];
    expect((await g.transform(texts)).map((v) => Array.from(v))).toEqual((await f.transform(texts)).map((v) => Array.from(v)));
  });

  it('explains a missing model: where it looked, that remote was off, and what to do', async () => {
    const f = make({ model: 'acme/not-downloaded' });
    const err = await f.transform(['hi']).catch((e) => e);
    expect(err).toBeInstanceOf(LlmrError);
    expect(err.message).toContain(join(m.root, 'acme/not-downloaded'));
    expect(err.message).toMatch(/missing: config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model_quantized\.onnx/);
    expect(err.message).toMatch(/remote download is disabled/);
    expect(err.fix).toMatch(/huggingface\.co\/acme\/not-downloaded/);
    expect(err.fix).toMatch(/LLMR_ALLOW_REMOTE_MODELS=true/);
    const avail = await transformersAvailable({ model: 'acme/not-downloaded', localModelPath: m.root, allowRemoteModels: false });
    expect(avail.ok).toBe(false);
    expect(avail.reason).toMatch(/not-downloaded.*LLMR_ALLOW_REMOTE_MODELS=true/s);
    expect((await transformersAvailable({ model: m.model, localModelPath: m.root, allowRemoteModels: false })).ok).toBe(true);
  });

  it('rejects unknown options', () => {
    expect(() => make({ pooling: 'max' })).toThrow(/invalid transformers featurizer config/);
    expect(() => make({ batchSize: 0 })).toThrow(LlmrError);
  });
});
