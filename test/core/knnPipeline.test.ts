import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactError, NotFittedError } from '../../src/errors.js';
import { HashingFeaturizer } from '../../src/featurizers/hashing.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { KnnRouter } from '../../src/routers/knn.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { buildTrainingSet } from '../../src/routers/trainingSet.js';
import type { ScoreRecord } from '../../src/data/schemas.js';

const records: ScoreRecord[] = [];
for (let i = 0; i < 60; i++) {
  const math = i % 2 === 0;
  records.push({
    id: `r${i}`,
    prompt: math ? `compute the integral of x^${i} and solve the equation ${i}` : `write a poem about the sea and the moon number ${i}`,
    scores: { big: 1, small: math ? 0 : 1, flaky: i % 3 === 0 ? null : 0.5 },
  });
}

async function train(k = 5): Promise<RouterPipeline> {
  const f = await new HashingFeaturizer({ dim: 512 }).fit(records.map((r) => r.prompt));
  const x = await f.transform(records.map((r) => r.prompt));
  const router = await new KnnRouter({ k }).fit(buildTrainingSet(records, x));
  const prices = new PriceTable({ big: { perCall: 0.01 }, small: { perCall: 0.001 }, flaky: { perCall: 0.0001 } });
  return new RouterPipeline(f, router, prices, { name: 'test', version: 'v1' });
}

describe('knn router pipeline', () => {
  it('predict before fit throws a clear NotFittedError', async () => {
    await expect(new KnnRouter().predict([new Float32Array(4)])).rejects.toBeInstanceOf(NotFittedError);
  });

  it('learns which prompts the small model fails and routes by willingness to pay', async () => {
    const p = await train();
    const math = await p.route({ prompt: 'solve the equation and compute the integral', policy: { kind: 'willingness-to-pay', wtp: 1 } });
    const poem = await p.route({ prompt: 'a poem about the moon', policy: { kind: 'willingness-to-pay', wtp: 1 } });
    expect(math.scores.small!.quality).toBeLessThan(0.2);
    expect(poem.scores.small!.quality).toBeGreaterThan(0.8);
    expect(math.model).toBe('big');
    expect(poem.model).toBe('small');
  });

  it('save → load gives identical decisions and verifies checksums', async () => {
    const p = await train();
    const dir = join(mkdtempSync(join(tmpdir(), 'llmr-')), 'm', 'v1');
    await p.save(dir);
    const q = await RouterPipeline.load(dir);
    for (const prompt of ['integral of x', 'poem', 'sea and moon equation']) {
      const a = await p.route({ prompt, explain: true });
      const b = await q.route({ prompt, explain: true });
      expect(b).toEqual(a);
    }
    const f = join(dir, 'router', 'scores.f64');
    const bytes = readFileSync(f);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(f, bytes);
    await expect(RouterPipeline.load(dir)).rejects.toBeInstanceOf(ArtifactError);
  });
});
