import { LlmrError } from '../errors.js';
import { closest } from '../util/closest.js';
import type { RecordKind } from './schemas.js';

/**
 * The flat-table convention (CSV, Arrow, Parquet, or flat JSON objects), documented in data/FORMATS.md.
 *
 * Score tables: `id`, `prompt`, optional `task`, then per model `score:<model>` (number; empty/null = not
 * scored), optional `cost:<model>` (USD for that call), `response:<model>`, `tokens_in:<model>`,
 * `tokens_out:<model>`. Pairwise logs: `id`, `prompt`, optional `task`, `model_a`, `model_b`, `winner`
 * (a|b|tie), optional `response_a`, `response_b`, `votes` ("a|b|tie" separated by `|`, or a JSON array).
 * A missing `id` becomes `row-<n>` (1-based). Cells may be strings (CSV) or typed values (Arrow/Parquet);
 * number cells also accept numeric strings and True/False (→ 1/0).
 */
export const FLAT_PREFIXES = { score: 'score:', cost: 'cost:', response: 'response:', tokensIn: 'tokens_in:', tokensOut: 'tokens_out:' } as const;

/** True when an object uses the flat convention rather than the nested record shape. */
export function isFlatRow(row: Record<string, unknown>, kind: RecordKind): boolean {
  if (kind === 'scores') return !('scores' in row) && Object.keys(row).some((k) => k.startsWith(FLAT_PREFIXES.score));
  return typeof row.votes === 'string';
}

function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

/** A number cell: number, bigint, numeric string, True/False; blank → null. Bad text → LlmrError on the column. */
export function numberCell(v: unknown, column: string): number | null {
  if (isBlank(v)) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === 'True' || s === 'true') return 1;
    if (s === 'False' || s === 'false') return 0;
    if (s === 'nan' || s === 'NaN') return null;
    const n = Number(s);
    if (Number.isFinite(n)) return n;
  }
  throw new LlmrError(`${column}: expected a number, got ${JSON.stringify(v)}`, {
    field: column,
    fix: 'scores and costs must be numbers (blank = not scored)',
  });
}

function textCell(v: unknown): string | undefined {
  if (isBlank(v)) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function parseVotes(v: unknown): unknown {
  if (isBlank(v)) return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('[')) {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        return s;
      }
    }
    return s.split('|').map((x) => x.trim());
  }
  return v;
}

const FLAT_BASE_COLUMNS = ['id', 'prompt', 'task'] as const;
const FLAT_PAIRWISE_COLUMNS = [...FLAT_BASE_COLUMNS, 'model_a', 'model_b', 'winner', 'response_a', 'response_b', 'votes'] as const;

/** An unknown flat column is an error (a `costs:gpt-4` column would otherwise be dropped without a word). */
function checkColumns(row: Record<string, unknown>, kind: RecordKind): void {
  for (const k of Object.keys(row)) {
    if (
      kind === 'pairwise'
        ? (FLAT_PAIRWISE_COLUMNS as readonly string[]).includes(k)
        : (FLAT_BASE_COLUMNS as readonly string[]).includes(k) || Object.values(FLAT_PREFIXES).some((p) => k.startsWith(p))
    )
      continue;
    const colon = k.indexOf(':');
    const prefix = kind === 'scores' && colon > 0 ? closest(k.slice(0, colon + 1), Object.values(FLAT_PREFIXES)) : undefined;
    const hint = prefix !== undefined ? prefix + k.slice(colon + 1) : closest(k, kind === 'pairwise' ? FLAT_PAIRWISE_COLUMNS : FLAT_BASE_COLUMNS);
    const valid =
      kind === 'pairwise'
        ? FLAT_PAIRWISE_COLUMNS.join(', ')
        : `${FLAT_BASE_COLUMNS.join(', ')}, ${Object.values(FLAT_PREFIXES)
            .map((p) => `${p}<model>`)
            .join(', ')}`;
    throw new LlmrError(`unknown column "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}`, {
      field: k,
      fix: `rename or drop the column; known columns: ${valid}`,
    });
  }
}

/**
 * Map one flat row to the nested record shape (not yet validated: the caller runs the zod schema, so bad
 * values are reported with the record's field path).
 */
export function flatRowToRecord(row: Record<string, unknown>, kind: RecordKind, rowNumber: number): Record<string, unknown> {
  checkColumns(row, kind);
  const id = textCell(row.id) ?? `row-${rowNumber}`;
  const base: Record<string, unknown> = { id, prompt: row.prompt === undefined || row.prompt === null ? row.prompt : String(row.prompt) };
  const task = textCell(row.task);
  if (task !== undefined) base.task = task;
  if (kind === 'pairwise') {
    for (const k of ['model_a', 'model_b', 'winner', 'response_a', 'response_b'] as const) {
      const t = textCell(row[k]);
      if (t !== undefined) base[k] = t;
    }
    const votes = parseVotes(row.votes);
    if (votes !== undefined) base.votes = votes;
    return base;
  }
  const scores: Record<string, number | null> = {};
  const cost: Record<string, number | null> = {};
  const responses: Record<string, string> = {};
  const tokens: Record<string, { input?: number; output?: number }> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith(FLAT_PREFIXES.score)) scores[k.slice(FLAT_PREFIXES.score.length)] = numberCell(v, k);
    else if (k.startsWith(FLAT_PREFIXES.cost)) {
      const c = numberCell(v, k);
      if (c !== null) cost[k.slice(FLAT_PREFIXES.cost.length)] = c;
    } else if (k.startsWith(FLAT_PREFIXES.response)) {
      const t = textCell(v);
      if (t !== undefined) responses[k.slice(FLAT_PREFIXES.response.length)] = t;
    } else if (k.startsWith(FLAT_PREFIXES.tokensIn) || k.startsWith(FLAT_PREFIXES.tokensOut)) {
      const isIn = k.startsWith(FLAT_PREFIXES.tokensIn);
      const m = k.slice((isIn ? FLAT_PREFIXES.tokensIn : FLAT_PREFIXES.tokensOut).length);
      const t = numberCell(v, k);
      if (t !== null) (tokens[m] ??= {})[isIn ? 'input' : 'output'] = t;
    }
  }
  base.scores = scores;
  if (Object.keys(cost).length) base.cost = cost;
  if (Object.keys(responses).length) base.responses = responses;
  if (Object.keys(tokens).length) base.tokens = tokens;
  return base;
}

/** The flat columns of a score record (inverse of flatRowToRecord for scores). */
export function scoreRecordToFlatRow(r: {
  id: string;
  prompt: string;
  task?: string;
  scores: Record<string, number | null>;
  cost?: Record<string, number | null>;
}): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = { id: r.id, prompt: r.prompt, task: r.task ?? null };
  for (const [m, s] of Object.entries(r.scores)) out[FLAT_PREFIXES.score + m] = s;
  for (const [m, c] of Object.entries(r.cost ?? {})) out[FLAT_PREFIXES.cost + m] = c;
  return out;
}
