import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { LlmrError } from '../../src/errors.js';
import { RankerPipeline } from '../../src/rankers/RankerPipeline.js';
import { syntheticPairs } from './synthetic.js';

const FAST = { epochs: 30, batchSize: 16, lr: 0.02, embed: 8, hidden: [8], dropout: 0, patience: 0, valFraction: 0 };
const FEATURIZER = { dim: 128, charNgrams: null };
const train = syntheticPairs(160, 1);
let pairwise: RankerPipeline;
let reward: RankerPipeline;

const good = (k: number) => ({ text: `the ${'a '.repeat(k)}precise correct answer about chess openings.`, model: `g${k}` });
const bad = (k: number) => ({ text: `it ${'the '.repeat(k)}vague wrong answer about chess openings.`, model: `b${k}` });
const req = { prompt: 'Question 3: tell me about chess openings', responses: [bad(1), good(2), bad(3), good(4), bad(5)] };

beforeAll(async () => {
  await initBackend();
  const meta = { name: 't', version: 'v1' };
  pairwise = await RankerPipeline.train(train, { kind: 'pairwise', params: FAST, featurizer: { kind: 'hashing', config: FEATURIZER }, meta });
  reward = await RankerPipeline.train(train, { kind: 'bradley-terry', params: FAST, featurizer: { kind: 'hashing', config: FEATURIZER }, meta });
});
afterAll(() => {
  pairwise.dispose();
  reward.dispose();
});

describe('RankerPipeline.rank', () => {
  it('max-logits: full matrix from n(n−1)/2 comparisons, good responses first', async () => {
    const r = await pairwise.rank(req);
    expect(r.method).toBe('max-logits');
    expect(r.comparisons).toBe(10);
    expect(new Set(r.ranking.slice(0, 2).map((x) => x.index))).toEqual(new Set([1, 3]));
    expect(r.best.model?.startsWith('g')).toBe(true);
    for (let i = 0; i < 5; i++) {
      expect(r.matrix[i]![i]).toBeNull();
      for (let j = 0; j < 5; j++) if (i !== j) expect(r.matrix[i]![j]).toBe(1 - r.matrix[j]![i]!);
    }
  });

  it('max-wins and bubble agree on the best; bubble costs n−1 comparisons', async () => {
    const w = await pairwise.rank({ ...req, method: 'max-wins' });
    expect(w.comparisons).toBe(10);
    expect([1, 3]).toContain(w.best.index);
    const b = await pairwise.rank({ ...req, method: 'bubble' });
    expect(b.comparisons).toBe(4);
    expect([1, 3]).toContain(b.best.index);
    expect(b.matrix.flat().filter((v) => v !== null)).toHaveLength(8);
  });

  it('reference: each response against a reference, n comparisons', async () => {
    const r = await pairwise.rank({ ...req, reference: 'a vague wrong answer' });
    expect(r.method).toBe('reference');
    expect(r.comparisons).toBe(5);
    expect(r.vsReference).toHaveLength(5);
    expect(r.vsReference![1]!).toBeGreaterThan(r.vsReference![0]!);
  });

  it('reward model: n evaluations for every method, matrix from rewards', async () => {
    const r = await reward.rank(req);
    expect(r.method).toBe('reward');
    expect(r.comparisons).toBe(5);
    expect(r.rewards).toHaveLength(5);
    expect([1, 3]).toContain(r.best.index);
    expect(r.matrix[0]![1]).toBe(1 - r.matrix[1]![0]!);
    const m = await reward.rank({ ...req, method: 'max-logits' });
    expect(m.best.index).toBe(r.best.index);
  });

  it('errors name the field', async () => {
    await expect(pairwise.rank({ ...req, method: 'reward' })).rejects.toMatchObject({ field: 'method' });
    await expect(pairwise.rank({ ...req, method: 'reference' })).rejects.toMatchObject({ field: 'reference' });
    await expect(pairwise.rank({ prompt: 'p', responses: [{ text: 'a' }, { text: 'b' }, { text: 7 }] })).rejects.toMatchObject({ field: 'responses[2].text' });
    await expect(pairwise.rewards([{ prompt: 'p', responses: [{ text: 'a' }] }])).rejects.toBeInstanceOf(LlmrError);
  });
});
