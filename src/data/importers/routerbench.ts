import { basename } from 'node:path';
import { LlmrError } from '../../errors.js';
import { PriceTable } from '../../prices/PriceTable.js';
import { parseCsv } from '../csv.js';
import { numberCell } from '../flatTable.js';
import { readTextFile } from '../files.js';
import { parsePyStringList } from '../pyLiteral.js';
import { ScoreRecordSchema, type ScoreRecord } from '../schemas.js';
import type { Importer, ScoreImportResult } from './types.js';
import { listFiles, locate } from './util.js';

const META_COLUMNS = new Set(['', 'sample_id', 'prompt', 'eval_name', 'oracle_model_to_route_to']);
const RESPONSE_SUFFIX = '|model_response';
const COST_SUFFIX = '|total_cost';

/**
 * A RouterBench list-literal cell (`"['text', ...]"`) as one string: the list's strings joined with "\n".
 * A cell that is not a list literal is kept as it is (counted by the caller).
 */
export function routerbenchText(cell: string, where: string): { text: string; literal: boolean } {
  const t = cell.trim();
  if (!t.startsWith('[')) return { text: cell, literal: false };
  return { text: parsePyStringList(t, where).join('\n'), literal: true };
}

/**
 * RouterBench 0-shot CSVs (as redistributed by RouterDC): one file per benchmark and split
 * (`<bench>_train.csv`, `<bench>_test.csv`). id = sample_id (a duplicated sample_id gets `#<pandas index>`),
 * prompt = the Python list literal parsed and joined with "\n", task = eval_name, scores = the 11 model
 * columns (blank → null), cost = `<model>|total_cost` (USD per call), responses = `<model>|model_response`.
 * Prices: observed mean USD per call over the train split.
 */
async function importRouterbench(inputDir: string): Promise<ScoreImportResult> {
  const dir = locate(inputDir, ['datasets/routerbench_zs', 'routerbench_zs', '.'], 'RouterBench CSV folder');
  const files = listFiles(dir, /_(train|test)\.csv$/);
  if (files.length === 0)
    throw new LlmrError(`no *_train.csv / *_test.csv files in ${dir}`, {
      where: dir,
      field: 'input',
      fix: 'point --input at the RouterDC checkout (datasets/routerbench_zs/*.csv)',
    });
  const splits: Record<string, ScoreRecord[]> = { train: [], test: [] };
  const notes: string[] = [];
  let blankScores = 0;
  let nonLiteral = 0;
  const perFile: string[] = [];
  const pandasIndex = new Map<ScoreRecord, string>();
  for (const file of files) {
    const name = basename(file);
    const split = name.endsWith('_train.csv') ? 'train' : 'test';
    const { header, rows } = parseCsv(readTextFile(file), name);
    for (const col of ['sample_id', 'prompt', 'eval_name'])
      if (!header.includes(col))
        throw new LlmrError(`${name}: missing column "${col}"`, { where: name, field: col, fix: 'expected the RouterBench 0-shot CSV columns' });
    const models = header.filter((h) => !META_COLUMNS.has(h) && !h.includes('|'));
    for (const row of rows) {
      const at = `${name} line ${row.line}`;
      const v = row.values;
      const prompt = routerbenchText(v.prompt!, `${at}: prompt`);
      if (!prompt.literal) nonLiteral++;
      const scores: Record<string, number | null> = {};
      const cost: Record<string, number | null> = {};
      const responses: Record<string, string> = {};
      for (const m of models) {
        let s: number | null;
        try {
          s = numberCell(v[m], m);
        } catch (e) {
          throw new LlmrError(`${at}: scores.${m}: ${(e as LlmrError).message}`, { where: at, field: `scores.${m}` });
        }
        if (s === null) blankScores++;
        scores[m] = s;
        const c = v[m + COST_SUFFIX];
        if (c !== undefined) {
          const cn = numberCell(c, m + COST_SUFFIX);
          if (cn !== null) cost[m] = cn;
        }
        const r = v[m + RESPONSE_SUFFIX];
        if (r !== undefined && r.trim() !== '') {
          const rt = routerbenchText(r, `${at}: ${m}${RESPONSE_SUFFIX}`);
          if (!rt.literal) nonLiteral++;
          responses[m] = rt.text;
        }
      }
      const rec = ScoreRecordSchema.parse({ id: v.sample_id!, prompt: prompt.text, task: v.eval_name || undefined, scores, cost, responses });
      splits[split]!.push(rec);
      pandasIndex.set(rec, v[''] ?? String(row.line));
    }
    perFile.push(`${name}: ${rows.length}`);
  }
  // sample_id is not unique in the source (ARC-Challenge reuses some val ids): suffix the pandas index
  const count = new Map<string, number>();
  for (const r of [...splits.train!, ...splits.test!]) count.set(r.id, (count.get(r.id) ?? 0) + 1);
  let renamed = 0;
  for (const list of Object.values(splits))
    for (const r of list) {
      if (count.get(r.id)! > 1) {
        r.id = `${r.id}#${pandasIndex.get(r)}`;
        renamed++;
      }
    }
  const trainCosts: Record<string, number[]> = {};
  for (const r of splits.train!) for (const [m, c] of Object.entries(r.cost ?? {})) if (typeof c === 'number') (trainCosts[m] ??= []).push(c);
  const prices = PriceTable.fromObservedCosts(trainCosts, 'RouterBench observed mean USD per call (train split)').toJSON();
  notes.push(`rows per file: ${perFile.join(', ')}`);
  notes.push(
    `prompts and responses parsed from Python list literals, strings joined with "\\n"${nonLiteral ? ` (${nonLiteral} cells were not list literals, kept as text)` : ''}`,
  );
  notes.push(`${blankScores} blank score cells → null (model not graded on that prompt)`);
  notes.push(`${renamed} rows share a sample_id with another row; their id is "<sample_id>#<pandas index>"`);
  notes.push('prices: observed mean USD per call per model over the train split (PriceTable.fromObservedCosts)');
  return { format: 'routerbench', kind: 'scores', splits, prices, notes };
}

export const routerbenchImporter: Importer = {
  name: 'routerbench',
  kind: 'scores',
  description: 'RouterBench 0-shot subset (RouterDC CSVs): 11 models, 0/1 scores, USD cost per call, responses',
  license: 'RouterBench terms, unverified (tests only, do not ship)',
  sharedFolder: 'routerbench-subset-via-routerdc',
  import: (dir) => importRouterbench(dir),
};
