import { basename, join } from 'node:path';
import { z } from 'zod';
import { LlmrError } from '../../errors.js';
import type { PriceTableData } from '../../prices/PriceTable.js';
import { parseCsv } from '../csv.js';
import { readTextFile } from '../files.js';
import { ScoreRecordSchema, type ScoreRecord } from '../schemas.js';
import type { ImportOptions, Importer, ScoreImportResult } from './types.js';
import { listFiles, locate, parseSource, readJsonLines } from './util.js';

export const ROUTELLM_STRONG = 'gpt-4-1106-preview';
export const ROUTELLM_WEAK = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
/** Public list prices when these models were current, USD per 1M tokens (INDEX.md). */
export const ROUTELLM_LIST_PRICES = {
  [ROUTELLM_STRONG]: { inputPerMTok: 10, outputPerMTok: 30 },
  [ROUTELLM_WEAK]: { inputPerMTok: 0.6, outputPerMTok: 0.6 },
} as const;
/** Characters per token used to estimate output length from the GSM8K responses. */
export const CHARS_PER_TOKEN = 4;

const ContaminatedSchema = z.object({ eval_prompt: z.string() });
const QuestionSchema = z.object({ question_id: z.number(), category: z.string().optional(), turns: z.array(z.string()).min(1) });
const JudgementSchema = z.object({ question_id: z.coerce.number(), model: z.string(), score: z.coerce.number(), turn: z.coerce.number() });

/** "True"/"False" correctness cell → 1/0 (blank → null). */
export function correctnessCell(v: string | undefined, at: string): number | null {
  const s = (v ?? '').trim();
  if (s === 'True' || s === 'true' || s === '1' || s === '1.0') return 1;
  if (s === 'False' || s === 'false' || s === '0' || s === '0.0') return 0;
  if (s === '') return null;
  throw new LlmrError(`${at}: expected True or False, got ${JSON.stringify(v)}`, { where: at, fix: 'RouteLLM correctness cells are the strings True/False' });
}

function contaminated(benchDir: string, root: string): Set<string> {
  const f = join(benchDir, 'contaminated_prompts.jsonl');
  const name = `${basename(benchDir)}/contaminated_prompts.jsonl`;
  return new Set(readJsonLines(f, root).map((v, k) => parseSource(ContaminatedSchema, v, `${name} line ${k + 1}`).eval_prompt));
}

/**
 * RouteLLM evals (strong gpt-4-1106-preview vs weak Mixtral-8x7B): one split per benchmark.
 * - mmlu: 57 responses/mmlu_<subject>.csv, correctness True/False → 1/0; task 'mmlu', id `mmlu-<subject>-<row>`.
 * - gsm8k: gsm8k_responses.csv, correctness + responses; id `gsm8k-<row>`.
 * - mt_bench: question.jsonl × judgements.jsonl (GPT-4 single-answer grades 1-10 per turn); score = mean of
 *   the model's turn grades / 10 (so in [0.1, 1]); prompt = first turn; id `mt_bench-<question_id>`.
 * Rows whose prompt is in the benchmark's contaminated_prompts.jsonl (eval_prompt, exact text) are
 * excluded unless keepContaminated. Prices: list prices with meanOutputTokens = mean GSM8K response
 * length in characters / 4.
 */
async function importRoutellm(inputDir: string, opts: ImportOptions): Promise<ScoreImportResult> {
  const evals = locate(inputDir, ['routellm/evals', 'evals', '.'], 'RouteLLM evals folder');
  const keep = opts.keepContaminated ?? false;
  const notes: string[] = [];
  const splits: Record<string, ScoreRecord[]> = {};
  const filter = (bench: string, rows: ScoreRecord[]): ScoreRecord[] => {
    const bad = contaminated(join(evals, bench), inputDir);
    const hit = rows.filter((r) => bad.has(r.prompt)).length;
    notes.push(
      `${bench}: ${rows.length} rows; ${hit} match contaminated_prompts.jsonl (${bad.size} listed) → ${keep ? 'kept (--keep-contaminated)' : 'excluded'}`,
    );
    return keep ? rows : rows.filter((r) => !bad.has(r.prompt));
  };

  // MMLU
  const mmluFiles = listFiles(join(evals, 'mmlu', 'responses'), /^mmlu_.*\.csv$/);
  if (mmluFiles.length === 0) throw new LlmrError(`no mmlu_*.csv in ${join(evals, 'mmlu', 'responses')}`, { where: evals, field: 'input' });
  const mmlu: ScoreRecord[] = [];
  for (const f of mmluFiles) {
    const name = basename(f);
    const subject = name.replace(/^mmlu_/, '').replace(/\.csv$/, '');
    const { rows } = parseCsv(readTextFile(f), name);
    rows.forEach((r, k) => {
      const at = `${name} line ${r.line}`;
      mmlu.push(
        ScoreRecordSchema.parse({
          id: `mmlu-${subject}-${k}`,
          prompt: r.values.prompt ?? '',
          task: 'mmlu',
          scores: {
            [ROUTELLM_STRONG]: correctnessCell(r.values[ROUTELLM_STRONG], `${at}: ${ROUTELLM_STRONG}`),
            [ROUTELLM_WEAK]: correctnessCell(r.values[ROUTELLM_WEAK], `${at}: ${ROUTELLM_WEAK}`),
          },
        }),
      );
    });
  }
  splits.mmlu = filter('mmlu', mmlu);

  // GSM8K
  const gsmName = 'gsm8k_responses.csv';
  const gsmRows = parseCsv(readTextFile(join(evals, 'gsm8k', gsmName)), gsmName).rows;
  const respChars: Record<string, number[]> = { [ROUTELLM_STRONG]: [], [ROUTELLM_WEAK]: [] };
  const gsm = gsmRows.map((r, k) => {
    const at = `${gsmName} line ${r.line}`;
    const responses: Record<string, string> = {};
    for (const m of [ROUTELLM_STRONG, ROUTELLM_WEAK]) {
      const t = r.values[`${m}_response`];
      if (t !== undefined && t !== '') {
        responses[m] = t;
        respChars[m]!.push(t.length);
      }
    }
    return ScoreRecordSchema.parse({
      id: `gsm8k-${k}`,
      prompt: r.values.prompt ?? '',
      task: 'gsm8k',
      scores: {
        [ROUTELLM_STRONG]: correctnessCell(r.values[ROUTELLM_STRONG], `${at}: ${ROUTELLM_STRONG}`),
        [ROUTELLM_WEAK]: correctnessCell(r.values[ROUTELLM_WEAK], `${at}: ${ROUTELLM_WEAK}`),
      },
      responses,
    });
  });
  splits.gsm8k = filter('gsm8k', gsm);

  // MT-Bench
  const mt = join(evals, 'mt_bench');
  const questions = readJsonLines(join(mt, 'question.jsonl'), inputDir).map((v, k) => parseSource(QuestionSchema, v, `question.jsonl line ${k + 1}`));
  const grades = new Map<string, number[]>();
  let badGrades = 0;
  readJsonLines(join(mt, 'judgements.jsonl'), inputDir).forEach((v, k) => {
    const j = parseSource(JudgementSchema, v, `judgements.jsonl line ${k + 1}`);
    if (!(j.score >= 1 && j.score <= 10)) {
      badGrades++; // FastChat writes -1 when the judge's output has no rating
      return;
    }
    const key = `${j.question_id}\u0000${j.model}`;
    (grades.get(key) ?? grades.set(key, []).get(key)!).push(j.score);
  });
  const mtRecords = questions.map((q) => {
    const scores: Record<string, number | null> = {};
    for (const m of [ROUTELLM_STRONG, ROUTELLM_WEAK]) {
      const g = grades.get(`${q.question_id}\u0000${m}`);
      scores[m] = g?.length ? g.reduce((a, b) => a + b, 0) / g.length / 10 : null;
    }
    return ScoreRecordSchema.parse({ id: `mt_bench-${q.question_id}`, prompt: q.turns[0]!, task: 'mt_bench', scores });
  });
  notes.push(
    `mt_bench: score = mean of the GPT-4 judge's 1-10 grades over the 2 turns, divided by 10${badGrades ? ` (${badGrades} unrated judgements skipped)` : ''}; prompt = first turn`,
  );
  splits.mt_bench = filter('mt_bench', mtRecords);

  const prices: PriceTableData = {};
  for (const m of [ROUTELLM_STRONG, ROUTELLM_WEAK] as const) {
    const chars = respChars[m]!;
    const meanOutputTokens = chars.length ? Math.round(chars.reduce((a, b) => a + b, 0) / chars.length / CHARS_PER_TOKEN) : undefined;
    prices[m] = {
      ...ROUTELLM_LIST_PRICES[m],
      meanOutputTokens,
      source: `public list price USD per 1M tokens; meanOutputTokens = mean GSM8K response chars / ${CHARS_PER_TOKEN}`,
    };
  }
  notes.push(
    `prices: list prices (gpt-4-1106-preview 10/30, Mixtral 0.60/0.60 USD per 1M tokens); meanOutputTokens from GSM8K responses at ${CHARS_PER_TOKEN} chars/token: ${ROUTELLM_STRONG} ${prices[ROUTELLM_STRONG]!.meanOutputTokens}, ${ROUTELLM_WEAK} ${prices[ROUTELLM_WEAK]!.meanOutputTokens}`,
  );
  return { format: 'routellm', kind: 'scores', splits, prices, notes };
}

export const routellmImporter: Importer = {
  name: 'routellm',
  kind: 'scores',
  description: 'RouteLLM evals: GPT-4 Turbo vs Mixtral-8x7B on MMLU, GSM8K (correct/incorrect) and MT-Bench (1-10 grades)',
  license: 'Apache-2.0',
  sharedFolder: 'routellm-evals-2model',
  import: (dir, opts) => importRoutellm(dir, opts),
};
