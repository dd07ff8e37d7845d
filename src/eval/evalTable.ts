import { LlmrError } from '../errors.js';
import type { ScoreRecord } from '../data/schemas.js';
import { modelsOf } from '../data/schemas.js';
import type { PriceTable } from '../prices/PriceTable.js';
import { sha256Hex } from '../util/hash.js';

/**
 * A score-table test set as matrices: what each model scored on each prompt and what that call cost.
 * Every metric in src/eval is a pure function over one of these plus a router's predicted scores.
 */
export interface EvalTable {
  name: string;
  ids: string[];
  prompts: string[];
  models: string[];
  /** quality[row][model]; complete (rows missing a score were dropped on build). */
  quality: Float64Array[];
  /** cost[row][model]: USD of that call — the logged cost where the record has one, else the price table's expected cost. */
  cost: Float64Array[];
  tasks?: (string | undefined)[];
  /** How many cost cells came from the records' logs and how many from the price table. */
  costSource: { logged: number; priceTable: number };
  /** Rows left out because a model had no score on them. */
  dropped: number;
  /** sha256 of the rows' ids, scores and costs (identifies the exact test set in reports). */
  digest: string;
}

/** The records that have a score for every one of `models` (the rows an EvalTable keeps), in order. */
export function completeRecords(records: readonly ScoreRecord[], models: readonly string[]): ScoreRecord[] {
  return records.filter((r) => models.every((m) => typeof r.scores[m] === 'number'));
}

/**
 * Build an EvalTable from score records. Rows where any of `models` has no score are dropped (RouterBench
 * evaluates rows with every model's score). Costs: `record.cost[model]` where present (logged USD per call),
 * else `prices.cost(model, prompt)`.
 */
export function evalTableFromRecords(
  name: string,
  records: readonly ScoreRecord[],
  prices: PriceTable,
  models: readonly string[] = modelsOf(records),
): EvalTable {
  if (models.length === 0)
    throw new LlmrError(`${name}: the test data names no models`, { field: 'scores', fix: 'each record needs scores: {"<model>": number}' });
  for (const m of models)
    if (!prices.has(m) && !records.some((r) => typeof r.cost?.[m] === 'number'))
      throw new LlmrError(`${name}: model "${m}" has neither logged costs nor a price`, { field: 'prices', fix: `add "${m}" to the price table` });
  const t: EvalTable = {
    name,
    ids: [],
    prompts: [],
    models: [...models],
    quality: [],
    cost: [],
    tasks: [],
    costSource: { logged: 0, priceTable: 0 },
    dropped: 0,
    digest: '',
  };
  for (const r of records) {
    const q = Float64Array.from(models, (m) => {
      const v = r.scores[m];
      return typeof v === 'number' ? v : Number.NaN;
    });
    if (q.some((v) => Number.isNaN(v))) {
      t.dropped++;
      continue;
    }
    const c = Float64Array.from(models, (m) => {
      const v = r.cost?.[m];
      if (typeof v === 'number' && Number.isFinite(v)) {
        t.costSource.logged++;
        return v;
      }
      t.costSource.priceTable++;
      return prices.cost(m, r.prompt);
    });
    t.ids.push(r.id);
    t.prompts.push(r.prompt);
    t.quality.push(q);
    t.cost.push(c);
    t.tasks!.push(r.task);
  }
  if (t.ids.length === 0)
    throw new LlmrError(`${name}: no row has a score for every model (${models.join(', ')})`, {
      field: 'scores',
      fix: 'evaluate on rows scored for every candidate, or pass fewer models',
    });
  if (t.tasks!.every((x) => x === undefined)) delete t.tasks;
  t.digest = tableDigest(t);
  return t;
}

export function tableDigest(t: Pick<EvalTable, 'ids' | 'models' | 'quality' | 'cost'>): string {
  const body = t.ids.map((id, i) => [id, Array.from(t.quality[i]!), Array.from(t.cost[i]!)]);
  return sha256Hex(JSON.stringify({ models: t.models, rows: body }));
}

/** The sub-table of the given rows (in order; repeats allowed), e.g. one task. */
export function subsetTable(t: EvalTable, rows: readonly number[], name = t.name): EvalTable {
  const out: EvalTable = {
    ...t,
    name,
    ids: rows.map((r) => t.ids[r]!),
    prompts: rows.map((r) => t.prompts[r]!),
    quality: rows.map((r) => t.quality[r]!),
    cost: rows.map((r) => t.cost[r]!),
    tasks: t.tasks ? rows.map((r) => t.tasks![r]) : undefined,
  };
  out.digest = tableDigest(out);
  return out;
}

/** Mean quality and mean cost of each model over the table (or the given rows). */
export function modelMeans(t: EvalTable, rows?: ArrayLike<number>): { quality: Float64Array; cost: Float64Array } {
  const m = t.models.length;
  const quality = new Float64Array(m);
  const cost = new Float64Array(m);
  const n = rows ? rows.length : t.ids.length;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    const q = t.quality[i]!;
    const c = t.cost[i]!;
    for (let j = 0; j < m; j++) {
      quality[j]! += q[j]!;
      cost[j]! += c[j]!;
    }
  }
  for (let j = 0; j < m; j++) {
    quality[j]! /= n;
    cost[j]! /= n;
  }
  return { quality, cost };
}
