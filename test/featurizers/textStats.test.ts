import { describe, expect, it } from 'vitest';
import { LlmrError, NotFittedError } from '../../src/errors.js';
import { createFeaturizer, FEATURIZER_PRESETS, loadFeaturizer, resolveFeaturizer, usesModel } from '../../src/featurizers/registry.js';
import { TEXT_STATS, textStats } from '../../src/featurizers/textStats.js';

const corpus = [
  'What is 2 + 2?',
  'Write a poem about the sea.',
  'A train leaves at 3:15 and travels 120 km at 80 km/h. When does it arrive?\nShow your work.',
  'def f(x):\n    return x[0] * 2',
];

describe('textstats featurizer', () => {
  it('computes the named statistics of a prompt', () => {
    const s = textStats('Solve 12 + 3.5 now.\nThen stop!');
    const at = (name: (typeof TEXT_STATS)[number]) => s[TEXT_STATS.indexOf(name)]!;
    expect(at('logChars')).toBeCloseTo(Math.log1p(30), 10);
    expect(at('logWords')).toBeCloseTo(Math.log1p(7), 10); // Solve 12 3 5 now Then stop: "3.5" splits at the dot
    expect(at('logNumbers')).toBeCloseTo(Math.log1p(2), 10); // 12, 3.5
    expect(at('logLines')).toBeCloseTo(Math.log1p(1), 10);
    expect(at('logSentences')).toBeCloseTo(Math.log1p(2), 10);
    expect(at('digitShare')).toBeCloseTo(4 / 30, 10);
    expect(at('upperShare')).toBeCloseTo(2 / 30, 10);
    expect(textStats('').every((v) => v === 0)).toBe(true);
  });

  it('standardises on the training prompts: the training set has mean 0 per statistic', async () => {
    const f = await createFeaturizer('textstats').fit(corpus);
    const xs = await f.transform(corpus);
    expect(f.dim).toBe(TEXT_STATS.length);
    for (let j = 0; j < f.dim; j++) expect(xs.reduce((a, x) => a + x[j]!, 0) / xs.length).toBeCloseTo(0, 5);
    // a statistic that never varies (no non-ASCII text) contributes 0, never NaN
    expect(xs.every((x) => x.every(Number.isFinite))).toBe(true);
    expect(xs.every((x) => x[TEXT_STATS.indexOf('nonAsciiShare')] === 0)).toBe(true);
  });

  it('clips outliers, so one huge paste cannot dominate', async () => {
    const f = await createFeaturizer('textstats', { clip: 2 }).fit(corpus);
    const [v] = await f.transform(['word '.repeat(100_000)]);
    const limit = 2 / Math.sqrt(TEXT_STATS.length);
    expect(Math.max(...v!.map(Math.abs))).toBeCloseTo(limit, 6);
  });

  it('transform before fit and save before fit throw NotFittedError; bad config names the field', async () => {
    await expect(createFeaturizer('textstats').transform(['x'])).rejects.toBeInstanceOf(NotFittedError);
    await expect(createFeaturizer('textstats').save()).rejects.toBeInstanceOf(NotFittedError);
    expect(() => createFeaturizer('textstats', { clip: -1 })).toThrow(LlmrError);
    expect(() => createFeaturizer('textstats', { nope: 1 })).toThrow(/textstats/);
  });

  it('a state from another statistics list is refused with the fix', async () => {
    const state = await (await createFeaturizer('textstats').fit(corpus)).save();
    const err = await loadFeaturizer({ ...state, config: { ...state.config, stats: ['logChars'] } }).catch((e: unknown) => e as LlmrError);
    expect(err).toBeInstanceOf(LlmrError);
    expect((err as LlmrError).fix).toMatch(/re-train/);
    await expect(loadFeaturizer({ ...state, files: {} })).rejects.toThrow(LlmrError);
  });

  it('works as a concat part next to hashing', async () => {
    const f = await createFeaturizer('concat', {
      parts: [
        { kind: 'hashing', config: { dim: 64 } },
        { kind: 'textstats', weight: 0.3 },
      ],
    }).fit(corpus);
    expect(f.dim).toBe(64 + TEXT_STATS.length);
    const [a, b] = await f.transform(['short', 'short '.repeat(50)]);
    // same n-grams, different length: the hashing parts point the same way, the textstats parts differ
    const tail = (v: Float32Array) => Array.from(v.subarray(64));
    expect(tail(a!)).not.toEqual(tail(b!));
  });
});

describe('featurizer presets', () => {
  it('hashing+stats creates the concat of hashing and textstats it names; artifacts record the concat', async () => {
    const f = await createFeaturizer('hashing+stats').fit(corpus);
    expect(f.kind).toBe('concat');
    expect(f.dim).toBe(4096 + TEXT_STATS.length);
    const state = await f.save();
    expect(state.kind).toBe('concat');
    const g = await loadFeaturizer({ ...state, config: JSON.parse(JSON.stringify(state.config)) as Record<string, unknown> });
    expect(g.id()).toBe(f.id());
    expect(resolveFeaturizer({ kind: 'hashing+stats' })).toEqual(FEATURIZER_PRESETS['hashing+stats']);
  });

  it('a preset takes no config, and unknown kinds list the presets too', () => {
    const err = (() => {
      try {
        createFeaturizer('hashing+stats', { dim: 8 });
      } catch (e) {
        return e as LlmrError;
      }
      throw new Error('no error');
    })();
    expect(err.field).toBe('featurizer.config');
    expect(err.fix).toContain('--featurizer concat');
    expect(() => createFeaturizer('hashing+stat')).toThrow(/hashing\+stats/);
  });

  it('only model-backed choices use the embedding cache', () => {
    expect(usesModel({ kind: 'hashing+stats' })).toBe(false);
    expect(usesModel({ kind: 'hashing' })).toBe(false);
    expect(usesModel({ kind: 'transformers' })).toBe(true);
    expect(usesModel({ kind: 'concat', config: { parts: [{ kind: 'hashing' }, { kind: 'glove' }] } })).toBe(true);
  });
});
