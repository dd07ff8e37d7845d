import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Featurizer } from '../../src/featurizers/Featurizer.js';
import { clearLoadedTables } from '../../src/featurizers/winkEmbeddings.js';
import { createFeaturizer, FEATURIZERS, loadFeaturizer } from '../../src/featurizers/registry.js';
import { writeTinyModel } from './helpers/tinyBertModel.js';
import { writeWinkFixture } from './helpers/winkFixture.js';

const corpus = [
  'the cat sat on the mat',
  'Solve the equation x^2 - 4 = 0 and compute the integral.',
  'write a poem about the sea and the moon',
  'what is the stock price of the bank today?',
  'a dog ran on the rug',
  'prove the algebra theorem with a matrix',
  '',
  'Ünïcödé prompt — with punctuation!!',
];
const probe = ['the cat and the dog', 'compute the derivative', 'a sonnet about night waves', 'zzz unknown words'];

/** Every registered featurizer with a config that runs offline here (fixture vectors, generated model). */
const configs: Record<string, () => Record<string, unknown>> = {};

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-determinism-'));
  // runtime locations come from the environment, as in production (not saved in artifacts)
  process.env.LLMR_CACHE_DIR = join(dir, 'cache');
  process.env.LLMR_LOCAL_MODEL_PATH = join(dir, 'models');
  process.env.LLMR_ALLOW_REMOTE_MODELS = 'false';
  const fx = writeWinkFixture(join(dir, 'vectors.json'));
  const tiny = writeTinyModel(join(dir, 'models'));
  configs.hashing = () => ({ dim: 256 });
  configs.textstats = () => ({});
  configs.glove = () => ({ source: fx.path, weighting: 'fit' });
  configs.transformers = () => ({ model: tiny.model, batchSize: 3 });
  configs.concat = () => ({
    parts: [
      { kind: 'hashing', config: { dim: 256 } },
      { kind: 'glove', config: { source: fx.path, weighting: 'fit' }, weight: 0.5 },
    ],
  });
});

const rows = (vs: Float32Array[]) => vs.map((v) => Array.from(v));

async function fitted(kind: string): Promise<Featurizer> {
  return createFeaturizer(kind, configs[kind]!()).fit(corpus);
}

describe.each(Object.keys(FEATURIZERS))('featurizer %s is deterministic', (kind) => {
  it('has an offline test configuration', () => {
    expect(configs[kind], `add a config for featurizer "${kind}" to determinism.test.ts`).toBeDefined();
  });

  it('same config + corpus → identical vectors and id', async () => {
    const a = await fitted(kind);
    clearLoadedTables();
    const b = await fitted(kind);
    expect(b.id()).toBe(a.id());
    const va = await a.transform(probe);
    expect(rows(await b.transform(probe))).toEqual(rows(va));
    expect(rows(await a.transform(probe))).toEqual(rows(va));
    for (const v of va) expect(v.length).toBe(a.dim);
  });

  it('save → load → identical vectors and id', async () => {
    const a = await fitted(kind);
    const state = await a.save();
    const roundTrip = JSON.parse(JSON.stringify(state.config)) as Record<string, unknown>;
    clearLoadedTables();
    const b = await loadFeaturizer({ kind: state.kind, config: roundTrip, files: state.files });
    expect(b.kind).toBe(kind);
    expect(b.id()).toBe(a.id());
    expect(b.dim).toBe(a.dim);
    expect(rows(await b.transform([...probe, ...corpus]))).toEqual(rows(await a.transform([...probe, ...corpus])));
  });

  it('a different corpus gives a different id when the featurizer has corpus state', async () => {
    const a = await fitted(kind);
    const b = await createFeaturizer(kind, configs[kind]!()).fit(corpus.slice(0, 4));
    const state = await a.save();
    const hasState = Object.keys(state.files).length > 0;
    expect(b.id() !== a.id()).toBe(hasState);
  });
});
