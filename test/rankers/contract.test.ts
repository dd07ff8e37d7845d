import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { LlmrError, NotFittedError } from '../../src/errors.js';
import { HashingFeaturizer } from '../../src/featurizers/hashing.js';
import { buildRankTrainingSet } from '../../src/rankers/rankFeatures.js';
import type { RankTrainingSet } from '../../src/rankers/Ranker.js';
import { RankerPipeline } from '../../src/rankers/RankerPipeline.js';
import { rankers } from '../../src/rankers/registry.js';
import { rejection, thrown } from '../helpers/thrown.js';
import { syntheticPairs } from './synthetic.js';

/** The estimator contract for every entry of the ranker registry (tiny data; each spec's fastParams). */
const FEATURIZER = { dim: 128, charNgrams: null };
const train = syntheticPairs(160, 1);
const test = syntheticPairs(60, 2);
const tmp = mkdtempSync(join(tmpdir(), 'llmr-rankers-'));
let featurizer: HashingFeaturizer;
let trainSet: RankTrainingSet;
let testSet: RankTrainingSet;

beforeAll(async () => {
  await initBackend();
  featurizer = await new HashingFeaturizer(FEATURIZER).fit(train.flatMap((p) => [p.prompt, p.a.text, p.b.text]));
  trainSet = await buildRankTrainingSet(featurizer, train);
  testSet = await buildRankTrainingSet(featurizer, test);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

for (const [kind, spec] of rankers.entries()) {
  describe(`ranker contract: ${kind}`, () => {
    const FAST = spec.fastParams;
    it('validates hyper-parameters in the constructor, naming the parameter', () => {
      expect(() => spec.create({ embed: -1 })).toThrow(LlmrError);
      const e = thrown(() => spec.create({ nope: 1 }));
      expect(e).toBeInstanceOf(LlmrError);
      expect((e as LlmrError).field).toMatch(/^params/);
      expect((e as LlmrError).message).toContain('nope');
    });

    it('fit leaves params unchanged; refit gives the same model; empty data and malformed state are LlmrErrors', async () => {
      const r = spec.create(FAST);
      const before = JSON.stringify(r.params);
      await r.fit(trainSet);
      expect(JSON.stringify(r.params)).toBe(before);
      const pairs = testSet.pairs.map((q) => [q.a, q.b] as const);
      const first = await r.compare(testSet, pairs);
      await r.fit(trainSet);
      expect(await r.compare(testSet, pairs)).toEqual(first);
      expect(await rejection(spec.create(FAST).fit({ ...trainSet, pairs: [] }))).toBeInstanceOf(LlmrError);
      expect(await rejection(spec.create(FAST).fit({ ...trainSet, pairs: [{ a: 0, b: trainSet.items.length + 5, y: 1 }] }))).toBeInstanceOf(LlmrError);
      const saved = await r.save();
      for (const st of [
        { state: {}, files: saved.files },
        { state: saved.state, files: {} },
      ])
        expect(await rejection(spec.load(r.params, st, []))).toBeInstanceOf(LlmrError);
      r.dispose();
    });

    it('throws NotFittedError before fit', async () => {
      const r = spec.create(FAST);
      await expect(r.compare(testSet, [[0, 1]])).rejects.toBeInstanceOf(NotFittedError);
      if (spec.scoring === 'reward') await expect(r.reward(testSet, [0])).rejects.toBeInstanceOf(NotFittedError);
      else await expect(r.reward(testSet, [0])).rejects.toBeInstanceOf(LlmrError);
    });

    it('fit returns this, learns the rule, and is exactly antisymmetric', async () => {
      const r = spec.create(FAST);
      expect(await r.fit(trainSet)).toBe(r);
      const pairs = testSet.pairs.filter((p) => p.y !== 0.5);
      const p = await r.compare(
        testSet,
        pairs.map((q) => [q.a, q.b] as const),
      );
      const right = pairs.filter((q, i) => p[i]! > 0.5 === q.y > 0.5).length;
      expect(right / pairs.length).toBeGreaterThan(0.9);
      // swapping A and B gives exactly 1 − p, alone and inside a batch in another order
      const swapped = await r.compare(testSet, pairs.map((q) => [q.b, q.a] as const).reverse());
      swapped.reverse();
      for (let i = 0; i < pairs.length; i++) expect(swapped[i]).toBe(1 - p[i]!);
      const [one] = await r.compare(testSet, [[pairs[0]!.b, pairs[0]!.a]]);
      expect(one).toBe(1 - p[0]!);
      // a response against itself is exactly a coin flip
      expect((await r.compare(testSet, [[pairs[0]!.a, pairs[0]!.a]]))[0]).toBe(0.5);
      r.dispose();
    });

    it('save → load gives identical outputs through a verified artifact', async () => {
      const pipe = await RankerPipeline.train(train, {
        kind,
        params: FAST,
        featurizer: { kind: 'hashing', config: FEATURIZER },
        meta: { name: `t-${kind}`, version: 'v1' },
      });
      const dir = join(tmp, kind);
      const manifest = await pipe.save(dir);
      expect(manifest.artifact).toBe('ranker');
      expect(manifest.kind).toBe(kind);
      const back = await RankerPipeline.load(dir);
      expect(Array.from(await back.comparePairs(test))).toEqual(Array.from(await pipe.comparePairs(test)));
      const req = { prompt: test[0]!.prompt, responses: [test[0]!.a, test[0]!.b, test[1]!.a, test[1]!.b] };
      expect(await back.rank(req)).toEqual(await pipe.rank(req));
      if (spec.scoring === 'reward') {
        const g = [{ prompt: test[0]!.prompt, responses: [test[0]!.a, test[0]!.b] }];
        expect(await back.rewards(g)).toEqual(await pipe.rewards(g));
      }
      pipe.dispose();
      back.dispose();
    });
  });
}
