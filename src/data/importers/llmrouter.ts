import { z } from 'zod';
import type { PriceTableData } from '../../prices/PriceTable.js';
import { ScoreRecordSchema, type ScoreRecord } from '../schemas.js';
import type { Importer, ScoreImportResult } from './types.js';
import { locate, parseSource, pct, readJsonFile, readJsonLines } from './util.js';

const DcrouterRowSchema = z.object({ question: z.string(), scores: z.record(z.string(), z.number().nullable()), cluster_id: z.number().optional() });
const QueryRowSchema = z.object({ task_name: z.string(), query: z.string() });
const LlmCandidateSchema = z.object({ input_price: z.number().nonnegative(), output_price: z.number().nonnegative(), model: z.string().optional() });

/**
 * LLMRouter (ulab-uiuc) dcrouter_preprocessed train/test score tables. Task names are joined on the exact
 * question text with example_data/query_data (first match in file order, train then test); prices (USD per
 * 1M input/output tokens) come from llm_candidates/default_llm.json for the scored models. id =
 * `llmrouter-<split>-<row index>`.
 */
async function importLlmrouter(inputDir: string): Promise<ScoreImportResult> {
  const dc = locate(inputDir, ['data/dcrouter_preprocessed', 'dcrouter_preprocessed'], 'LLMRouter dcrouter_preprocessed folder');
  const qd = locate(inputDir, ['data/example_data/query_data', 'example_data/query_data'], 'LLMRouter query_data folder');
  const llmFile = locate(
    inputDir,
    ['data/example_data/llm_candidates/default_llm.json', 'example_data/llm_candidates/default_llm.json'],
    'LLMRouter default_llm.json',
  );
  const notes: string[] = [];

  const taskOf = new Map<string, string>();
  const tasksSeen = new Map<string, Set<string>>();
  for (const f of ['default_query_train.jsonl', 'default_query_test.jsonl']) {
    const path = `${qd}/${f}`;
    readJsonLines(path, inputDir).forEach((v, k) => {
      const q = parseSource(QueryRowSchema, v, `${f} line ${k + 1}`);
      if (!taskOf.has(q.query)) taskOf.set(q.query, q.task_name);
      (tasksSeen.get(q.query) ?? tasksSeen.set(q.query, new Set()).get(q.query)!).add(q.task_name);
    });
  }

  const splits: Record<string, ScoreRecord[]> = {};
  const models = new Set<string>();
  let ambiguous = 0;
  for (const split of ['train', 'test']) {
    const rows = readJsonFile(`${dc}/${split}.json`, inputDir);
    const list = parseSource(z.array(DcrouterRowSchema), rows, `dcrouter_preprocessed/${split}.json`);
    let joined = 0;
    splits[split] = list.map((r, k) => {
      const task = taskOf.get(r.question);
      if (task !== undefined) joined++;
      if ((tasksSeen.get(r.question)?.size ?? 0) > 1) ambiguous++;
      for (const m of Object.keys(r.scores)) models.add(m);
      return ScoreRecordSchema.parse({ id: `llmrouter-${split}-${k}`, prompt: r.question, task, scores: r.scores });
    });
    notes.push(`${split}: ${list.length} rows; task join on exact question text: ${joined}/${list.length} (${pct(joined, list.length)})`);
  }
  const trainPrompts = new Set(splits.train!.map((r) => r.prompt));
  const overlap = splits.test!.filter((r) => trainPrompts.has(r.prompt)).length;
  notes.push(
    `${overlap} of ${splits.test!.length} test questions also appear in train (source overlap, kept; drop them from train for a leak-free evaluation)`,
  );
  if (ambiguous) notes.push(`${ambiguous} questions appear under two task names in query_data; the first in file order is used`);
  notes.push('cluster_id (train only) is dropped');

  const llms = parseSource(z.record(z.string(), LlmCandidateSchema), readJsonFile(llmFile, inputDir), 'default_llm.json');
  const prices: PriceTableData = {};
  const unpriced: string[] = [];
  for (const m of models) {
    const e = llms[m];
    if (!e) {
      unpriced.push(m);
      continue;
    }
    prices[m] = { inputPerMTok: e.input_price, outputPerMTok: e.output_price, source: 'LLMRouter default_llm.json list price (USD per 1M tokens)' };
  }
  notes.push(
    `prices: input_price/output_price per 1M tokens from default_llm.json for ${Object.keys(prices).length} of ${models.size} scored models${unpriced.length ? ` (no price: ${unpriced.join(', ')})` : ''}; no output length is known, so meanOutputTokens is unset`,
  );
  return { format: 'llmrouter', kind: 'scores', splits, prices, notes };
}

export const llmrouterImporter: Importer = {
  name: 'llmrouter',
  kind: 'scores',
  description: 'LLMRouter (ulab-uiuc) 9-model score tables, 14 tasks, list prices per 1M tokens',
  license: 'MIT',
  sharedFolder: 'llmrouter-ulab-9model',
  import: (dir) => importLlmrouter(dir),
};
