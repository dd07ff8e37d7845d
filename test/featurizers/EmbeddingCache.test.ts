import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { cachedTransform, EmbeddingCache, textKey } from '../../src/featurizers/EmbeddingCache.js';
import type { Featurizer, FeaturizerState } from '../../src/featurizers/Featurizer.js';
import { HashingFeaturizer } from '../../src/featurizers/hashing.js';

/** Wraps a featurizer and records which texts it was asked to compute. */
class CountingFeaturizer implements Featurizer {
  readonly calls: string[][] = [];
  constructor(readonly inner: Featurizer) {}
  get kind() {
    return this.inner.kind;
  }
  get dim() {
    return this.inner.dim;
  }
  get config() {
    return this.inner.config;
  }
  id() {
    return this.inner.id();
  }
  async fit(texts: readonly string[]) {
    await this.inner.fit(texts);
    return this;
  }
  async transform(texts: readonly string[]) {
    this.calls.push([...texts]);
    return this.inner.transform(texts);
  }
  save(): Promise<FeaturizerState> {
    return this.inner.save();
  }
}

const texts = ['route me to a cheap model', 'prove the theorem', 'write a haiku', 'prove the theorem', 'ünïcödé 🚀 text', ''];
const tmp = () => mkdtempSync(join(tmpdir(), 'llmr-embcache-'));
const rows = (vs: Float32Array[]) => vs.map((v) => Array.from(v));

async function hashing(dim = 64) {
  return new CountingFeaturizer(await new HashingFeaturizer({ dim }).fit(texts));
}

describe('EmbeddingCache', () => {
  it('computes each distinct text once, preserves order, and the second run computes zero rows', async () => {
    const cacheDir = tmp();
    const f = await hashing();
    const direct = await f.inner.transform(texts);
    const cache = new EmbeddingCache({ cacheDir });
    const first = await cachedTransform(f, texts, cache);
    expect(rows(first)).toEqual(rows(direct));
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0]).toHaveLength(5); // the duplicate is computed once
    expect(cache.stats).toMatchObject({ hits: 0, misses: 6, computed: 5 });

    // a new process: new cache object, same folder
    const f2 = await hashing();
    const cache2 = new EmbeddingCache({ cacheDir });
    const second = await cachedTransform(f2, [...texts].reverse(), cache2);
    expect(rows(second)).toEqual(rows([...direct].reverse()));
    expect(f2.calls).toHaveLength(0);
    expect(cache2.stats).toMatchObject({ hits: 6, misses: 0, computed: 0 });
  });

  it('computes only the missing rows of a partly cached batch and appends them', async () => {
    const cacheDir = tmp();
    const f = await hashing();
    await cachedTransform(f, texts.slice(0, 2), new EmbeddingCache({ cacheDir }));
    const cache = new EmbeddingCache({ cacheDir });
    const out = await cachedTransform(f, texts, cache);
    expect(f.calls[1]).toEqual(['write a haiku', 'ünïcödé 🚀 text', '']);
    expect(rows(out)).toEqual(rows(await f.inner.transform(texts)));
    const dir = cache.spaceDir(f.id());
    expect(readdirSync(dir).filter((x) => x.endsWith('.arrow'))).toHaveLength(2);
    expect(new EmbeddingCache({ cacheDir }).size(f.id())).toBe(5);
  });

  it('keeps featurizers apart by id()', async () => {
    const cacheDir = tmp();
    const a = await hashing(64);
    const b = await hashing(32);
    const cache = new EmbeddingCache({ cacheDir });
    await cachedTransform(a, texts, cache);
    const vb = await cachedTransform(b, texts, cache);
    expect(b.calls).toHaveLength(1);
    expect(vb[0]!.length).toBe(32);
  });

  it('returns copies: mutating a result does not change the cache', async () => {
    const cache = new EmbeddingCache({ cacheDir: tmp() });
    const f = await hashing();
    const [v] = await cachedTransform(f, ['prove the theorem'], cache);
    v!.fill(0);
    const [w] = await cachedTransform(f, ['prove the theorem'], cache);
    expect(Array.from(w!)).toEqual(Array.from((await f.inner.transform(['prove the theorem']))[0]!));
  });

  it('writes standard Arrow IPC files (key utf8, vector fixed_size_list<float32>)', async () => {
    const cacheDir = tmp();
    const f = await hashing(16);
    const cache = new EmbeddingCache({ cacheDir });
    await cachedTransform(f, ['a b c'], cache);
    const dir = cache.spaceDir(f.id());
    const [file] = readdirSync(dir);
    const t = tableFromIPC(readFileSync(join(dir, file!)));
    expect(t.numRows).toBe(1);
    expect(t.schema.metadata.get('featurizer')).toBe(f.id());
    expect(String(t.getChild('vector')!.type)).toBe('FixedSizeList[16]<Float32>');
    expect(t.getChild('key')!.get(0)).toBe(textKey('a b c'));
  });

  it('ignores a corrupted file with a warning, recomputes its rows and rebuilds', async () => {
    for (const corrupt of [
      (b: Buffer) => b.subarray(0, b.length >> 1),
      (b: Buffer) => Buffer.from(b).fill(0x41, 200, 260),
      () => Buffer.from('not arrow at all'),
    ]) {
      const cacheDir = tmp();
      const f = await hashing();
      const c1 = new EmbeddingCache({ cacheDir });
      await cachedTransform(f, texts, c1);
      const dir = c1.spaceDir(f.id());
      const [file] = readdirSync(dir);
      writeFileSync(join(dir, file!), corrupt(readFileSync(join(dir, file!))));

      const warnings: string[] = [];
      const c2 = new EmbeddingCache({ cacheDir, warn: (m) => warnings.push(m) });
      const f2 = await hashing();
      const out = await cachedTransform(f2, texts, c2);
      expect(rows(out)).toEqual(rows(await f.inner.transform(texts)));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/unreadable.*recomputed/);
      expect(c2.stats).toMatchObject({ corruptFiles: 1, computed: 5 });

      const c3 = new EmbeddingCache({ cacheDir, warn: (m) => warnings.push(m) });
      const f3 = await hashing();
      await cachedTransform(f3, texts, c3);
      expect(f3.calls).toHaveLength(0);
      expect(warnings).toHaveLength(1);
    }
  });

  it('compacts many segments into one on load', async () => {
    const cacheDir = tmp();
    const f = await hashing();
    for (let i = 0; i < 5; i++) await cachedTransform(f, [`prompt ${i}`], new EmbeddingCache({ cacheDir }));
    const c = new EmbeddingCache({ cacheDir, maxSegments: 3 });
    expect(c.size(f.id())).toBe(5);
    expect(readdirSync(c.spaceDir(f.id())).filter((x) => x.endsWith('.arrow'))).toHaveLength(1);
    const f2 = await hashing();
    await cachedTransform(f2, ['prompt 0', 'prompt 4'], new EmbeddingCache({ cacheDir }));
    expect(f2.calls).toHaveLength(0);
  });
});
