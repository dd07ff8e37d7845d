import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRanker, lengthBias } from '../../src/eval/rankers/evaluateRanker.js';
import { fileRankDataset } from '../../src/rankers/rankData.js';
import { cliSandbox } from '../helpers/cli.js';
import { syntheticPairs } from './synthetic.js';

const { tmp, llmr } = cliSandbox('llmr-rank-own-');

/** Pairwise records of the synthetic pairs (response_a/response_b, winner). */
function pairsFile(name: string, n: number, seed: number): string {
  const recs = syntheticPairs(n, seed).map((p) => ({
    id: p.id,
    prompt: p.prompt,
    model_a: p.a.model!,
    model_b: p.b.model!,
    winner: p.y === 1 ? 'a' : p.y === 0 ? 'b' : 'tie',
    response_a: p.a.text,
    response_b: p.b.text,
  }));
  const f = join(tmp, name);
  writeFileSync(f, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return f;
}

describe('length bias in the ranker evaluation', () => {
  it('a "longer wins" ranker scores 1 where the longer wins, 0 where it loses, and always picks the longer', () => {
    // pairs: a longer in 0,1; b longer in 2,3. Labels: longer wins in 0 and 2, loses in 1 and 3.
    const longerIsA = [1, 1, 0, 0];
    const y = [1, 0, 0, 1];
    const lb = lengthBias(longerIsA, y, longerIsA, 0)!;
    expect(lb.longerWins).toMatchObject({ accuracy: 1, n: 2 });
    expect(lb.longerLoses).toMatchObject({ accuracy: 0, n: 2 });
    expect(lb.picksLonger).toBe(1);
    expect(lb.labelsPickLonger).toBe(0.5);
    const anti = lengthBias([0, 0, 1, 1], y, longerIsA, 0)!;
    expect(anti.longerLoses.accuracy).toBe(1);
    expect(anti.picksLonger).toBe(0);
  });
  it('evaluateRanker reports it; equal lengths and ties are left out', () => {
    const pairs = [
      { id: '1', prompt: 'p', a: { text: 'long answer' }, b: { text: 'short' }, y: 1 },
      { id: '2', prompt: 'p', a: { text: 'long answer' }, b: { text: 'short' }, y: 0 },
      { id: '3', prompt: 'p', a: { text: 'same' }, b: { text: 'four' }, y: 1 },
      { id: '4', prompt: 'p', a: { text: 'long answer' }, b: { text: 'short' }, y: 0.5 },
    ];
    const e = evaluateRanker('t', 'test', pairs, [0.9, 0.9, 0.9, 0.9], { name: 'r', kind: 'x' }, { bootstrap: 0 });
    expect(e.length).toMatchObject({ n: 2, picksLonger: 1, labelsPickLonger: 0.5 });
    expect(e.length!.longerWins.accuracy).toBe(1);
    expect(e.length!.longerLoses.accuracy).toBe(0);
  });
});

describe("llmr eval ranker --data (a user's own pairs file)", () => {
  it('reads any pairwise file: with --ranker every pair is scored; without, --kind trains on its hash split', async () => {
    const own = pairsFile('own.jsonl', 120, 5);
    const ds = await fileRankDataset(own);
    expect(ds.train.length + ds.validation.length + ds.test.length).toBe(120);
    expect((await fileRankDataset(own, { split: 'all' })).test).toHaveLength(120);

    const train = pairsFile('train.jsonl', 200, 1);
    const params = JSON.stringify({ epochs: 20, batchSize: 16, lr: 0.02, embed: 8, hidden: [8], dropout: 0, patience: 0, valFraction: 0 });
    const t = await llmr(
      'train',
      'ranker',
      'pairwise',
      '--data',
      train,
      '--params',
      params,
      '--featurizer-config',
      '{"dim":128,"charNgrams":null}',
      '--name',
      'own-r',
    );
    expect(t.code, t.stderr).toBe(0);
    const e = await llmr('eval', 'ranker', '--ranker', 'own-r', '--data', own, '--bootstrap', '50', '--report', join(tmp, 'rep'));
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/own\.jsonl all: own-r\/\S+ accuracy (\d\.\d+)/);
    const acc = Number(/accuracy (\d\.\d+)/.exec(e.stdout)![1]);
    expect(acc).toBeGreaterThan(0.8);
    expect(e.stdout).toMatch(/length bias: accuracy \d\.\d+ where the longer wins/);
    const rep = JSON.parse(readFileSync(join(tmp, 'rep', 'report.json'), 'utf8')) as { evals: { pairs: number; split: string; length?: { n: number } }[] };
    expect(rep.evals[0]!.pairs).toBe(120);
    expect(rep.evals[0]!.split).toBe('all');
    expect(rep.evals[0]!.length!.n).toBeGreaterThan(0);
    expect(readFileSync(join(tmp, 'rep', 'report.md'), 'utf8')).toMatch(/## Length bias/);

    const tr = await llmr('eval', 'ranker', '--data', own, '--params', params, '--featurizer-config', '{"dim":128,"charNgrams":null}', '--bootstrap', '0');
    expect(tr.code, tr.stderr).toBe(0);
    expect(tr.stdout).toMatch(/own\.jsonl test: pairwise-own\.jsonl accuracy \d\.\d+ on \d+ non-tie pairs/);
    const bad = await llmr('eval', 'ranker', '--data', join(tmp, 'missing.jsonl'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/missing\.jsonl/);
  }, 300_000);
});
