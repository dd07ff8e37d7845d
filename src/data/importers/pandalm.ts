import { z } from 'zod';
import { LlmrError } from '../../errors.js';
import { PairwiseRecordSchema, type PairwiseRecord } from '../schemas.js';
import type { Importer, PairwiseImportResult } from './types.js';
import { locate, parseSource, readJsonFile } from './util.js';

type Vote = 'a' | 'b' | 'tie';
const label = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.enum(['0', '1', '2']));
/** Some responses are JSON booleans in the source (the model answered "True"): kept as Python would print them. */
const responseText = z.union([z.string(), z.boolean(), z.number()]).transform((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)));

const PandaRowSchema = z.object({
  idx: z.union([z.string(), z.number()]).transform(String),
  motivation_app: z.string().optional(),
  cmp_key: z.string(),
  instruction: z.string(),
  input: z.string().optional().default(''),
  response1: responseText,
  response2: responseText,
  annotator1: label,
  annotator2: label,
  annotator3: label,
});

const VOTE: Record<'0' | '1' | '2', Vote> = { '0': 'tie', '1': 'a', '2': 'b' };

/** Majority of the votes; a tie vote majority, or no majority at all, is 'tie'. */
export function majorityVote(votes: readonly Vote[]): Vote {
  const n = { a: 0, b: 0, tie: 0 };
  for (const v of votes) n[v]++;
  const half = votes.length / 2;
  if (n.a > half) return 'a';
  if (n.b > half) return 'b';
  return 'tie';
}

/** PandaLM prompt: the instruction, then the input (when any) after a blank line. */
export function pandalmPrompt(instruction: string, input: string): string {
  return input.trim() === '' ? instruction : `${instruction}\n\n${input}`;
}

/**
 * PandaLM human test set (testset-v1.json): 999 pairs, 3 annotator labels each ("0" tie, "1" response1,
 * "2" response2) → winner by majority (tie when the majority says tie or there is none), votes kept.
 * model_a/model_b from cmp_key "<a>_<b>" (assumed: response1 is model_a; the source does not say).
 */
async function importPandalm(inputDir: string): Promise<PairwiseImportResult> {
  const file = locate(inputDir, ['data/testset-v1.json', 'testset-v1.json'], 'PandaLM testset-v1.json');
  const raw = readJsonFile(file, inputDir);
  if (!Array.isArray(raw)) throw new LlmrError('testset-v1.json: expected a JSON array', { where: file });
  const agree = { all3: 0, two: 0, none: 0 };
  const winners = { a: 0, b: 0, tie: 0 };
  let nonString = 0;
  const records: PairwiseRecord[] = raw.map((v, k) => {
    const at = `testset-v1.json record ${k + 1}`;
    const r = parseSource(PandaRowSchema, v, at);
    const o = v as Record<string, unknown>;
    if (typeof o.response1 !== 'string' || typeof o.response2 !== 'string') nonString++;
    const parts = r.cmp_key.split('_');
    if (parts.length !== 2 || !parts[0] || !parts[1])
      throw new LlmrError(`${at}: cmp_key "${r.cmp_key}" is not "<modelA>_<modelB>"`, { where: at, field: 'cmp_key' });
    const votes = [r.annotator1, r.annotator2, r.annotator3].map((x) => VOTE[x]);
    const distinct = new Set(votes).size;
    if (distinct === 1) agree.all3++;
    else if (distinct === 2) agree.two++;
    else agree.none++;
    const winner = majorityVote(votes);
    winners[winner]++;
    return PairwiseRecordSchema.parse({
      id: `pandalm-${r.idx}`,
      prompt: pandalmPrompt(r.instruction, r.input),
      task: r.motivation_app,
      model_a: parts[0],
      model_b: parts[1],
      winner,
      response_a: r.response1,
      response_b: r.response2,
      votes,
    });
  });
  const notes = [
    `${records.length} pairs; majority winner: a (response1) ${winners.a}, b (response2) ${winners.b}, tie ${winners.tie}`,
    `annotator agreement: all 3 agree ${agree.all3}, 2 of 3 ${agree.two}, no majority ${agree.none} (→ tie)`,
    'model_a/model_b from cmp_key "<a>_<b>", assuming response1 comes from the first model (unverified upstream)',
    `${nonString} pairs have a response stored as a JSON boolean/number; converted to text ("True"/"False")`,
    'prompt = instruction + "\\n\\n" + input (input omitted when empty); task = motivation_app',
  ];
  return { format: 'pandalm', kind: 'pairwise', splits: { all: records }, notes };
}

export const pandalmImporter: Importer = {
  name: 'pandalm',
  kind: 'pairwise',
  description: 'PandaLM human pairwise test set: 999 pairs of 5 Alpaca-tuned 7B models, 3 annotators each',
  license: 'Apache-2.0',
  sharedFolder: 'pandalm-human-pairwise',
  import: (dir) => importPandalm(dir),
};
