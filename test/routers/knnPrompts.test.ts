import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROMPT_CHARS } from '../../src/routers/knn.js';
import { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { trainRouter } from '../../src/routers/trainRouter.js';
import { syntheticRecords, TINY_PRICES } from '../helpers/tinyRouter.js';

describe("kNN explanations with the neighbours' prompts", () => {
  const records = syntheticRecords(40).map((r, i) => (i === 0 ? { ...r, prompt: `${r.prompt} ${'long '.repeat(80)}` } : r));
  const train = (keepPrompts?: boolean) =>
    trainRouter(records, {
      kind: 'knn',
      params: { k: 3, ...(keepPrompts === undefined ? {} : { keepPrompts }) },
      featurizer: { kind: 'hashing', config: { dim: 512 } },
      prices: TINY_PRICES,
      name: 'kp',
      version: 'v1',
    });

  it("keepPrompts: explain shows each neighbour's prompt (truncated), also after save and load", async () => {
    const p = await train(true);
    const d = await p.route({ prompt: 'solve the equation 4 x + 3 = 7', explain: true });
    const ns = d.explanation!.neighbours!;
    expect(ns.length).toBe(3);
    for (const n of ns) expect(records.find((r) => r.id === n.id)!.prompt.startsWith(n.prompt!)).toBe(true);
    const dir = join(mkdtempSync(join(tmpdir(), 'llmr-kp-')), 'kp', 'v1');
    await p.save(dir);
    const back = await RouterPipeline.load(dir);
    const d2 = await back.route({ prompt: records[0]!.prompt, explain: true });
    const first = d2.explanation!.neighbours!.find((n) => n.id === 's0');
    expect(first?.prompt).toBeDefined();
    expect(first!.prompt!.length).toBe(PROMPT_CHARS);
  });

  it('default: the artifact keeps no training text', async () => {
    const p = await train();
    const d = await p.route({ prompt: 'write a short poem about the sea', explain: true });
    expect(d.explanation!.neighbours!.every((n) => n.prompt === undefined)).toBe(true);
  });
});
