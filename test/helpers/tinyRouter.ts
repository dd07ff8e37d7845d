import type { ScoreRecord } from '../../src/data/schemas.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import type { RouterPipeline } from '../../src/routers/RouterPipeline.js';
import { trainRouter } from '../../src/routers/trainRouter.js';

/** A small synthetic score table: the cheap model fails maths prompts, succeeds on prose. */
export function syntheticRecords(n = 80): ScoreRecord[] {
  const out: ScoreRecord[] = [];
  for (let i = 0; i < n; i++) {
    const math = i % 2 === 0;
    out.push({
      id: `s${i}`,
      prompt: math ? `solve the equation ${i} x + 3 = 7 and compute the integral` : `write a short poem about the sea and the moon, verse ${i}`,
      task: math ? 'math' : 'poetry',
      scores: { strong: i % 7 === 0 ? 0 : 1, weak: math ? 0 : 1 },
      cost: { strong: 0.01, weak: 0.0005 },
    });
  }
  return out;
}

export const TINY_PRICES = new PriceTable({ strong: { perCall: 0.01 }, weak: { perCall: 0.0005 } });

export function tinyKnnRouter(): Promise<RouterPipeline> {
  return trainRouter(syntheticRecords(), {
    kind: 'knn',
    params: { k: 5 },
    featurizer: { kind: 'hashing', config: { dim: 1024 } },
    prices: TINY_PRICES,
    name: 'tiny',
    version: 'v1',
  });
}
