import { expect, it } from 'vitest';
import { completeRecords, evalTableFromRecords } from '../../src/eval/evalTable.js';
import { evaluateRouters } from '../../src/eval/evaluate.js';
import { loadSharedSets } from '../../src/experiments/sharedEvaluation.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { describeShared, SHARED_DATA } from '../helpers/shared.js';

/**
 * Baselines on the real shared data, against a scikit-learn RouterBench-style implementation measured on
 * the same rows (RouterBench's hull/AIQ code): Zero router AIQ 0.809, oracle quality 0.976 at $0.21 per 1k
 * queries on the RouterBench subset's 945 complete test rows; RouteLLM random router APGR 0.50.
 */
describeShared(
  'evaluation baselines on the shared data agree with the reference implementation',
  () => {
    it('RouterBench subset: 945 complete test rows, Zero router AIQ 0.809, oracle 0.976 at $0.21/1k', async () => {
      const [set] = await loadSharedSets(SHARED_DATA, ['routerbench']);
      expect(set!.models).toHaveLength(11);
      const test = completeRecords(set!.test, set!.models);
      expect(test).toHaveLength(945);
      const t = evalTableFromRecords('routerbench', test, new PriceTable(set!.prices), set!.models);
      expect(t.costSource.priceTable).toBe(0); // every test call has its logged USD cost
      const d = evaluateRouters(t, [], { bootstrap: 0, randomSeeds: 3 });
      expect(d.zero.aiq).toBeCloseTo(0.8093, 4);
      expect(d.oracle.quality).toBeCloseTo(0.9757, 4);
      expect(d.oracle.cost * 1000).toBeCloseTo(0.2096, 4);
      // Zero router hull: mistral-7b → mixtral-8x7b → Yi-34B → gpt-4
      expect(d.zero.hull).toHaveLength(4);
      expect(d.singles.find((s) => s.model === 'gpt-4-1106-preview')!.quality).toBeCloseTo(0.8794, 4);
      expect(d.random.aiq).toBeLessThan(d.zero.aiq);
    });

    it('RouteLLM MMLU and GSM8K: contaminated prompts out, 50/50 hash split, random router APGR ≈ 0.50', async () => {
      const sets = await loadSharedSets(SHARED_DATA, ['routellm-mmlu', 'routellm-gsm8k']);
      for (const s of sets) {
        const n = s.train.length + s.test.length;
        const hit = Number(/(\d+) match contaminated/.exec(s.info.notes!.join(' '))![1]);
        expect(hit).toBeGreaterThan(0);
        expect(n).toBe((s.name === 'routellm-mmlu' ? 14042 : 1319) - hit);
        expect(Math.abs(s.train.length / n - 0.5)).toBeLessThan(0.03);
        const t = evalTableFromRecords(s.name, s.test, new PriceTable(s.prices), s.models);
        const d = evaluateRouters(t, [], { bootstrap: 0, randomSeeds: 5, pair: s.pair });
        expect(d.pair!.strong).toBe('gpt-4-1106-preview');
        expect(d.random.pair!.apgr).toBeGreaterThan(0.45);
        expect(d.random.pair!.apgr).toBeLessThan(0.55);
        expect(d.zero.pair!.apgr).toBe(0.5);
      }
    });
  },
  ['routerbench-subset-via-routerdc'],
  ['routellm-evals-2model'],
);
