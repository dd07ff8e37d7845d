import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORTERS, importDataset, type ImportResult } from '../../src/data/importers/registry.js';
import { majorityVote } from '../../src/data/importers/pandalm.js';
import { splitTranscripts } from '../../src/data/importers/hhRlhf.js';
import { routerbenchText } from '../../src/data/importers/routerbench.js';
import { correctnessCell } from '../../src/data/importers/routellm.js';
import type { PairwiseRecord, ScoreRecord } from '../../src/data/schemas.js';
import { LlmrError, UnknownOptionError } from '../../src/errors.js';
import { PriceTable } from '../../src/prices/PriceTable.js';
import { describeShared, sharedPath } from '../helpers/shared.js';

const counts = (r: ImportResult) => Object.fromEntries(Object.entries(r.splits).map(([k, v]) => [k, v.length]));
const scoresOf = (r: ImportResult, split: string) => r.splits[split] as ScoreRecord[];
const pairsOf = (r: ImportResult, split: string) => r.splits[split] as PairwiseRecord[];

describe('importer registry', () => {
  it('lists the five formats and rejects an unknown one with the valid list', async () => {
    expect(Object.keys(IMPORTERS).sort()).toEqual(['hh-rlhf', 'llmrouter', 'pandalm', 'routellm', 'routerbench']);
    const err = await importDataset('lmsys-arena', '/nowhere').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownOptionError);
    expect((err as Error).message).toMatch(/valid: routerbench, llmrouter, routellm, pandalm, hh-rlhf/);
  });
  it('names the missing folder when --input is wrong', async () => {
    await expect(importDataset('llmrouter', '/nowhere')).rejects.toThrow(/not found under \/nowhere/);
  });
});

describe('quirk helpers', () => {
  it('RouterBench list-literal cells join several strings with \\n', () => {
    expect(routerbenchText(`['system says', "user's turn"]`, 'x').text).toBe("system says\nuser's turn");
    expect(routerbenchText('plain text', 'x')).toEqual({ text: 'plain text', literal: false });
  });
  it('RouteLLM correctness strings', () => {
    expect(correctnessCell('True', 'x')).toBe(1);
    expect(correctnessCell('False', 'x')).toBe(0);
    expect(correctnessCell('', 'x')).toBeNull();
    expect(() => correctnessCell('maybe', 'f.csv line 3')).toThrow(/f\.csv line 3: expected True or False/);
  });
  it('PandaLM majority: 2 of 3 wins; a tie majority or no majority is a tie', () => {
    expect(majorityVote(['a', 'a', 'b'])).toBe('a');
    expect(majorityVote(['b', 'tie', 'b'])).toBe('b');
    expect(majorityVote(['tie', 'tie', 'a'])).toBe('tie');
    expect(majorityVote(['a', 'b', 'tie'])).toBe('tie');
  });
  it('HH-RLHF transcripts split at the last shared Assistant turn', () => {
    const pre = '\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help me';
    expect(splitTranscripts(`${pre}\n\nAssistant: Sure.`, `${pre}\n\nAssistant: Sure, but no.`)).toEqual({
      prompt: 'Human: hi\n\nAssistant: hello\n\nHuman: help me',
      chosen: 'Sure.',
      rejected: 'Sure, but no.',
    });
    expect(splitTranscripts('abc', 'xyz')).toBeNull();
  });
});

describe('malformed source files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-import-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('RouterBench: a bad list literal names file, line and column', async () => {
    const d = join(dir, 'rb');
    mkdirSync(d);
    writeFileSync(join(d, 'x_train.csv'), `,sample_id,prompt,eval_name,m1,m1|total_cost\n0,a.1,"['ok']",x,1.0,0.1\n1,a.2,"['broken",x,0.0,0.1\n`);
    await expect(importDataset('routerbench', d)).rejects.toThrow(/x_train\.csv line 3: prompt: unterminated string literal/);
    writeFileSync(join(d, 'x_train.csv'), `,sample_id,prompt,eval_name,m1\n0,a.1,"['ok']",x,yes\n`);
    await expect(importDataset('routerbench', d)).rejects.toThrow(/x_train\.csv line 2: scores\.m1: .*expected a number, got "yes"/);
  });
  it('PandaLM: a bad annotator label names the record and field', async () => {
    const d = join(dir, 'pl');
    mkdirSync(d);
    const row = { idx: 0, cmp_key: 'a_b', instruction: 'i', input: '', response1: 'r1', response2: 'r2', annotator1: '1', annotator2: '3', annotator3: '1' };
    writeFileSync(join(d, 'testset-v1.json'), JSON.stringify([row]));
    const err = await importDataset('pandalm', d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmrError);
    expect((err as Error).message).toMatch(/testset-v1\.json record 1: annotator2:/);
  });
  it('HH-RLHF: invalid JSON names the line', async () => {
    const d = join(dir, 'hh');
    mkdirSync(d);
    const { gzipSync } = await import('node:zlib');
    writeFileSync(join(d, 'test.jsonl.gz'), gzipSync('{"chosen":"a","rejected":"b"}\n{oops\n'));
    await expect(importDataset('hh-rlhf', d)).rejects.toThrow(/line 2: invalid JSON/);
  });
});

describeShared('routerbench importer (real data)', () => {
  let r: ImportResult;
  beforeAll(async () => {
    r = await importDataset('routerbench', sharedPath('routerbench-subset-via-routerdc'));
  });
  it('row counts match PROVENANCE.md: 3,178 total, per file 1,039/445/299/128/887/380', () => {
    expect(counts(r)).toEqual({ train: 1039 + 299 + 887, test: 445 + 128 + 380 });
    const note = r.notes.find((n) => n.startsWith('rows per file'))!;
    for (const part of [
      'arc_challenge_train.csv: 1039',
      'arc_challenge_test.csv: 445',
      'mbpp_train.csv: 299',
      'mbpp_test.csv: 128',
      'winograde_train.csv: 887',
      'winograde_test.csv: 380',
    ])
      expect(note).toContain(part);
  });
  it('11 models, task = eval_name, ids unique (duplicated sample_ids suffixed)', () => {
    const all = [...scoresOf(r, 'train'), ...scoresOf(r, 'test')];
    expect(Object.keys(all[0]!.scores)).toHaveLength(11);
    expect(new Set(all.map((x) => x.task))).toEqual(new Set(['arc-challenge', 'mbpp', 'winogrande']));
    expect(new Set(all.map((x) => x.id)).size).toBe(3178);
    expect(all.find((x) => x.id === 'mbpp.dev.1')).toBeDefined();
    expect(all.filter((x) => x.id.includes('#'))).toHaveLength(28);
  });
  it('prompts are parsed from Python list literals (no brackets left, escapes decoded)', () => {
    const rec = scoresOf(r, 'test').find((x) => x.id === 'mbpp.dev.1')!;
    expect(rec.prompt).toBe('Write a python function to identify non-prime numbers.');
    expect(scoresOf(r, 'train').every((x) => !x.prompt.startsWith("['"))).toBe(true);
    expect(rec.responses!['gpt-3.5-turbo-1106']).toMatch(/^Here's a Python function/);
    expect(rec.responses!['claude-instant-v1']).toContain('\n');
  });
  it('blank score cells become null: 62 in arc test, 92 in arc train (gpt-3.5 has 2 and 12)', () => {
    const blanks = (split: string, m?: string) =>
      scoresOf(r, split).reduce((n, x) => n + Object.entries(x.scores).filter(([k, v]) => v === null && (!m || k === m)).length, 0);
    expect(blanks('test')).toBe(62);
    expect(blanks('train')).toBe(92);
    expect(blanks('test', 'gpt-3.5-turbo-1106')).toBe(2);
    expect(blanks('train', 'gpt-3.5-turbo-1106')).toBe(12);
  });
  it('per-call USD costs kept; mean gpt-4 ARC test cost ≈ $5.06 per 1k (PROVENANCE.md)', () => {
    const arc = scoresOf(r, 'test').filter((x) => x.task === 'arc-challenge');
    const c = arc.map((x) => x.cost!['gpt-4-1106-preview']!).filter((v) => typeof v === 'number');
    expect((1000 * c.reduce((a, b) => a + b, 0)) / c.length).toBeCloseTo(5.06, 1);
    const mistral = scoresOf(r, 'test')
      .filter((x) => x.task === 'mbpp')
      .map((x) => x.scores['mistralai/mistral-7b-chat'] ?? 0);
    expect(mistral.reduce((a, b) => a + b, 0) / mistral.length).toBeCloseTo(0.383, 2);
  });
  it('prices: observed mean per call over the train split, gpt-4 ≫ mistral-7b', () => {
    const pt = new PriceTable(r.prices!);
    expect(pt.models).toHaveLength(11);
    expect(pt.cost('gpt-4-1106-preview', 'x')).toBeGreaterThan(20 * pt.cost('mistralai/mistral-7b-chat', 'x'));
  });
});

describeShared('llmrouter importer (real data)', () => {
  let r: ImportResult;
  beforeAll(async () => {
    r = await importDataset('llmrouter', sharedPath('llmrouter-ulab-9model'));
  });
  it('5,608 train + 500 test rows, 9 models', () => {
    expect(counts(r)).toEqual({ train: 5608, test: 500 });
    expect(Object.keys(scoresOf(r, 'train')[0]!.scores)).toHaveLength(9);
  });
  it('task names joined on exact question text: full coverage, 14 train tasks, 10 × 50 test', () => {
    expect(r.notes).toContain('train: 5608 rows; task join on exact question text: 5608/5608 (100.0%)');
    expect(r.notes).toContain('test: 500 rows; task join on exact question text: 500/500 (100.0%)');
    expect(new Set(scoresOf(r, 'train').map((x) => x.task)).size).toBe(14);
    const test = new Map<string, number>();
    for (const x of scoresOf(r, 'test')) test.set(x.task!, (test.get(x.task!) ?? 0) + 1);
    expect([...test.values()]).toEqual(Array(10).fill(50));
  });
  it('notes the source train/test overlap (119 test questions also in train)', () => {
    expect(r.notes).toContain('119 of 500 test questions also appear in train (source overlap, kept; drop them from train for a leak-free evaluation)');
  });
  it('train means span 0.175 (chatqa-8b) to 0.621 (nemotron-51b)', () => {
    const mean = (m: string) => scoresOf(r, 'train').reduce((a, x) => a + (x.scores[m] ?? 0), 0) / 5608;
    expect(mean('llama3-chatqa-1.5-8b')).toBeCloseTo(0.175, 2);
    expect(mean('llama-3.1-nemotron-51b-instruct')).toBeCloseTo(0.621, 2);
  });
  it('prices per 1M tokens from default_llm.json (input_price field, not the feature text)', () => {
    expect(Object.keys(r.prices!)).toHaveLength(9);
    expect(r.prices!['qwen2.5-7b-instruct']).toMatchObject({ inputPerMTok: 0.2, outputPerMTok: 0.2 });
    for (const p of Object.values(r.prices!)) expect(p.inputPerMTok).toBeGreaterThanOrEqual(0.1), expect(p.inputPerMTok).toBeLessThanOrEqual(0.9);
  });
});

describeShared('routellm importer (real data)', () => {
  let r: ImportResult;
  let kept: ImportResult;
  const G = 'gpt-4-1106-preview';
  const M = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
  beforeAll(async () => {
    r = await importDataset('routellm', sharedPath('routellm-evals-2model'));
    kept = await importDataset('routellm', sharedPath('routellm-evals-2model'), { keepContaminated: true });
  });
  const outcomes = (recs: ScoreRecord[]) => {
    const o = { both: 0, gpt4Only: 0, mixtralOnly: 0, neither: 0 };
    for (const x of recs) {
      const g = x.scores[G] === 1;
      const m = x.scores[M] === 1;
      o[g && m ? 'both' : g ? 'gpt4Only' : m ? 'mixtralOnly' : 'neither']++;
    }
    return o;
  };
  it('one split per benchmark; 14,042 MMLU / 1,319 GSM8K / 80 MT-Bench before exclusion', () => {
    expect(counts(kept)).toEqual({ mmlu: 14042, gsm8k: 1319, mt_bench: 80 });
  });
  it('contaminated prompts excluded by default (5 MMLU, 12 GSM8K, 8 MT-Bench), with a note', () => {
    expect(counts(r)).toEqual({ mmlu: 14042 - 5, gsm8k: 1319 - 12, mt_bench: 80 - 8 });
    expect(r.notes.some((n) => /^gsm8k: 1319 rows; 12 match contaminated_prompts\.jsonl .* excluded$/.test(n))).toBe(true);
    expect(kept.notes.some((n) => n.includes('kept (--keep-contaminated)'))).toBe(true);
  });
  it('True/False → 1/0: outcome counts match PROVENANCE.md', () => {
    expect(outcomes(scoresOf(kept, 'mmlu'))).toEqual({ both: 8818, gpt4Only: 2497, mixtralOnly: 742, neither: 1985 });
    expect(outcomes(scoresOf(kept, 'gsm8k'))).toEqual({ both: 747, gpt4Only: 383, mixtralOnly: 95, neither: 94 });
  });
  it('MT-Bench: mean of the 2 turn grades / 10, in [0.1, 1], both models scored on all 80', () => {
    const mt = scoresOf(kept, 'mt_bench');
    for (const x of mt) for (const v of Object.values(x.scores)) expect(v).toBeGreaterThanOrEqual(0.1), expect(v).toBeLessThanOrEqual(1);
    const mean = (m: string) => mt.reduce((a, x) => a + x.scores[m]!, 0) / mt.length;
    expect(mean(G)).toBeGreaterThan(mean(M));
    expect(mt[0]!.prompt).toMatch(/^Compose an engaging travel blog post/);
  });
  it('GSM8K responses kept; prices = list prices with meanOutputTokens from response length / 4', () => {
    expect(scoresOf(kept, 'gsm8k')[0]!.responses![M]).toMatch(/Janet/);
    expect(scoresOf(r, 'gsm8k').some((x) => x.prompt.startsWith('Janet’s ducks lay 16 eggs'))).toBe(false);
    expect(r.prices![G]).toMatchObject({ inputPerMTok: 10, outputPerMTok: 30 });
    expect(r.prices![M]).toMatchObject({ inputPerMTok: 0.6, outputPerMTok: 0.6 });
    const chars = scoresOf(kept, 'gsm8k').map((x) => x.responses![G]!.length);
    expect(r.prices![G]!.meanOutputTokens).toBe(Math.round(chars.reduce((a, b) => a + b, 0) / chars.length / 4));
  });
});

describeShared('pandalm importer (real data)', () => {
  let r: ImportResult;
  beforeAll(async () => {
    r = await importDataset('pandalm', sharedPath('pandalm-human-pairwise'));
  });
  it('999 pairs; majority 472 b / 422 a / 105 tie; 879 unanimous', () => {
    const all = pairsOf(r, 'all');
    expect(all).toHaveLength(999);
    const w = { a: 0, b: 0, tie: 0 };
    for (const x of all) w[x.winner]++;
    expect(w).toEqual({ a: 422, b: 472, tie: 105 });
    expect(all.filter((x) => new Set(x.votes).size === 1)).toHaveLength(879);
  });
  it('models from cmp_key, 5 models, 10 pairs; prompt = instruction + input; boolean responses as text', () => {
    const all = pairsOf(r, 'all');
    const first = all[0]!;
    expect([first.model_a, first.model_b]).toEqual(['bloom-7b', 'llama-7b']);
    expect(new Set(all.flatMap((x) => [x.model_a, x.model_b])).size).toBe(5);
    expect(new Set(all.map((x) => `${x.model_a}_${x.model_b}`)).size).toBe(10);
    expect(first.prompt).toMatch(/^The sentence you are given might be too wordy[\s\S]*\n\nIf you have any questions/);
    expect(first.votes).toEqual(['b', 'b', 'b']);
    expect(all.find((x) => x.id === 'pandalm-157')!.response_a).toBe('True');
  });
});

describeShared('hh-rlhf importer (real data)', () => {
  let r: ImportResult;
  beforeAll(async () => {
    r = await importDataset('hh-rlhf', sharedPath('hh-rlhf-harmless-test'));
  });
  it('2,312 pairs from gzip JSONL, anonymous models, balanced a/b labels', () => {
    const all = pairsOf(r, 'all');
    expect(all).toHaveLength(2312);
    expect(new Set(all.map((x) => `${x.model_a}/${x.model_b}`))).toEqual(new Set(['response_a/response_b']));
    const a = all.filter((x) => x.winner === 'a').length;
    expect(Math.abs(a - 1156)).toBeLessThan(80);
    expect(all.every((x) => x.winner !== 'tie')).toBe(true);
  });
  it('prompt is the shared prefix; responses are the final Assistant turns', () => {
    const x = pairsOf(r, 'all')[0]!;
    expect(x.prompt).toMatch(/^Human: what are some pranks with a pen/);
    expect(x.prompt).toMatch(/Human: okay some of these do not have anything to do with pens$/);
    const chosen = x.winner === 'a' ? x.response_a : x.response_b;
    expect(chosen).toMatch(/^No, sorry!/);
    expect(pairsOf(r, 'all').every((p) => !p.response_a!.includes('\n\nHuman:'))).toBe(true);
  });
  it('the a/b placement is deterministic', async () => {
    const again = await importDataset('hh-rlhf', sharedPath('hh-rlhf-harmless-test'));
    expect(pairsOf(again, 'all').map((x) => x.winner)).toEqual(pairsOf(r, 'all').map((x) => x.winner));
  });
});
