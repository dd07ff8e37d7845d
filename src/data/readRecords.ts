import { basename } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import type { z } from 'zod';
import { LlmrError, UnknownOptionError } from '../errors.js';
import { parseCsv } from './csv.js';
import { readFileBytes } from './files.js';
import { flatRowToRecord, isFlatRow } from './flatTable.js';
import { closest } from '../util/closest.js';
import { RECORD_KEYS, RECORD_SCHEMAS, type PairwiseRecord, type RecordKind, type ScoreRecord } from './schemas.js';

export const FILE_FORMATS = ['jsonl', 'json', 'csv', 'arrow', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** File format from the name: .jsonl/.ndjson, .json, .csv, .arrow/.feather/.ipc, .parquet (each optionally .gz, except parquet/arrow). */
export function fileFormatOf(path: string): FileFormat {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.arrow') || name.endsWith('.feather') || name.endsWith('.ipc')) return 'arrow';
  if (name.endsWith('.parquet')) return 'parquet';
  throw new UnknownOptionError('data file extension', basename(path), ['.jsonl', '.jsonl.gz', '.json', '.csv', '.arrow', '.feather', '.parquet'], 'path');
}

/** One raw row before validation: the value, where it came from ("line 17", "row 3", "record 5") and whether it is a flat table row. */
export interface RawRow {
  value: unknown;
  where: string;
  rowNumber: number;
  flat: boolean;
  /** Set when the row could not be parsed at all (a non-JSON line of a JSONL file): validation reports it and goes on. */
  parseError?: string;
}

function jsonlRows(text: string, _name: string): RawRow[] {
  const out: RawRow[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, k) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      out.push({ value: JSON.parse(line) as unknown, where: `line ${k + 1}`, rowNumber: out.length + 1, flat: false });
    } catch (e) {
      // kept as a row, so `data validate` lists every bad line instead of stopping at the first
      out.push({ value: undefined, where: `line ${k + 1}`, rowNumber: out.length + 1, flat: false, parseError: `invalid JSON (${(e as Error).message})` });
    }
  });
  return out;
}

function jsonRows(text: string, name: string): RawRow[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new LlmrError(`${name}: invalid JSON (${(e as Error).message})`, {
      where: name,
      fix: 'a .json data file must be one JSON array of records (use .jsonl for one record per line)',
    });
  }
  if (!Array.isArray(v))
    throw new LlmrError(`${name}: expected a JSON array of records, got ${v === null ? 'null' : typeof v}`, {
      where: name,
      fix: 'wrap the records in [ ... ], or write JSONL',
    });
  return v.map((value, k) => ({ value, where: `record ${k + 1}`, rowNumber: k + 1, flat: false }));
}

/** Plain JS values from Arrow cells: bigint → number, nested vectors/structs → arrays/objects. */
function plainArrowValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object') {
    const o = v as { toArray?: () => unknown; toJSON?: () => unknown };
    if (typeof o.toJSON === 'function') {
      const j = o.toJSON();
      if (Array.isArray(j)) return j.map(plainArrowValue);
      if (j && typeof j === 'object') return Object.fromEntries(Object.entries(j).map(([k, x]) => [k, plainArrowValue(x)]));
      return j;
    }
  }
  return v;
}

function arrowRows(bytes: Uint8Array, name: string): RawRow[] {
  let table: ReturnType<typeof tableFromIPC>;
  try {
    // file format starts with "ARROW1"; stream format with the 0xFFFFFFFF continuation marker
    const magic = Buffer.from(bytes.subarray(0, 6)).toString('latin1');
    const stream = bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
    if (magic !== 'ARROW1' && !stream) throw new Error('no Arrow magic bytes');
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new LlmrError(`${name}: not a readable Arrow IPC file (${(e as Error).message})`, {
      where: name,
      fix: 'write Arrow IPC (file or stream format), e.g. pyarrow.feather.write_feather',
    });
  }
  const out: RawRow[] = [];
  let k = 0;
  for (const row of table) {
    k++;
    const obj = row ? (plainArrowValue(row) as Record<string, unknown>) : {};
    out.push({ value: obj, where: `row ${k}`, rowNumber: k, flat: true });
  }
  return out;
}

async function parquetRows(bytes: Uint8Array, name: string): Promise<RawRow[]> {
  let rows: Record<string, unknown>[];
  try {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
  } catch (e) {
    throw new LlmrError(`${name}: not a readable Parquet file (${(e as Error).message})`, { where: name, fix: 'write Parquet with snappy or no compression' });
  }
  return rows.map((r, k) => ({
    value: Object.fromEntries(Object.entries(r).map(([c, v]) => [c, typeof v === 'bigint' ? Number(v) : v])),
    where: `row ${k + 1}`,
    rowNumber: k + 1,
    flat: true,
  }));
}

/** Every row of a data file, unvalidated, in file order. */
export async function readRawRows(path: string, format: FileFormat = fileFormatOf(path)): Promise<RawRow[]> {
  const name = basename(path);
  const bytes = readFileBytes(path);
  switch (format) {
    case 'jsonl':
      return jsonlRows(bytes.toString('utf8'), name);
    case 'json':
      return jsonRows(bytes.toString('utf8'), name);
    case 'csv': {
      const { rows } = parseCsv(bytes.toString('utf8'), name);
      return rows.map((r, k) => ({ value: r.values, where: `line ${r.line}`, rowNumber: k + 1, flat: true }));
    }
    case 'arrow':
      return arrowRows(bytes, name);
    case 'parquet':
      return parquetRows(bytes, name);
  }
}

/** zod's message without the generic prefix: "Invalid input: expected number, received string" → "expected number, received string". */
function issueText(issue: z.core.$ZodIssue): string {
  return issue.message.replace(/^Invalid input: /, '');
}

/**
 * Validate one raw row as a record of `kind`. Returns the record, or an LlmrError naming file, line/row and
 * field, e.g. `data.jsonl line 17: scores.gpt-4: expected number, received string`.
 */
export function checkRow<K extends RecordKind>(
  row: RawRow,
  kind: K,
  file: string,
): { ok: true; record: K extends 'scores' ? ScoreRecord : PairwiseRecord } | { ok: false; error: LlmrError } {
  const at = `${file} ${row.where}`;
  if (row.parseError !== undefined)
    return { ok: false, error: new LlmrError(`${at}: ${row.parseError}`, { where: at, fix: 'each line must be one JSON object' }) };
  let value = row.value;
  try {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return {
        ok: false,
        error: new LlmrError(`${at}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, {
          where: at,
          fix: 'each record is one object',
        }),
      };
    }
    const obj = value as Record<string, unknown>;
    if (row.flat || isFlatRow(obj, kind)) value = flatRowToRecord(obj, kind, row.rowNumber);
  } catch (e) {
    if (e instanceof LlmrError) return { ok: false, error: new LlmrError(`${at}: ${e.message}`, { where: at, field: e.field, fix: e.fix }) };
    throw e;
  }
  const r = RECORD_SCHEMAS[kind].safeParse(value);
  if (r.success) return { ok: true, record: r.data as K extends 'scores' ? ScoreRecord : PairwiseRecord };
  const issue = r.error.issues[0]!;
  const more = r.error.issues.length > 1 ? ` (+${r.error.issues.length - 1} more)` : '';
  const fix =
    kind === 'scores'
      ? 'a score record is {"id", "prompt", "scores": {"<model>": number|null}, ...}; see data/FORMATS.md'
      : 'a pairwise record is {"id", "prompt", "model_a", "model_b", "winner": "a"|"b"|"tie", ...}; see data/FORMATS.md';
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.map(String).join('.');
    const key = issue.keys[0]!;
    const field = parent ? `${parent}.${key}` : key;
    const known = parent === '' ? RECORD_KEYS[kind] : ['input', 'output'];
    const hint = closest(key, known);
    const text = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
    return {
      ok: false,
      error: new LlmrError(`${at}: ${text}${more}`, {
        where: at,
        field,
        fix: hint ? `rename "${key}" to "${hint}"` : `remove "${key}"; known keys: ${known.join(', ')}`,
      }),
    };
  }
  const field = issue.path.map(String).join('.') || '(record)';
  return { ok: false, error: new LlmrError(`${at}: ${field}: ${issueText(issue)}${more}`, { where: at, field, fix }) };
}

/**
 * Read and validate every record of a data file (JSONL, .jsonl.gz, JSON array, CSV, Arrow IPC, Parquet).
 * The first invalid record throws an LlmrError naming file, line/row and field.
 */
export async function readRecords(path: string, kind: 'scores'): Promise<ScoreRecord[]>;
export async function readRecords(path: string, kind: 'pairwise'): Promise<PairwiseRecord[]>;
export async function readRecords(path: string, kind: RecordKind): Promise<ScoreRecord[] | PairwiseRecord[]>;
export async function readRecords(path: string, kind: RecordKind): Promise<ScoreRecord[] | PairwiseRecord[]> {
  if (!(kind in RECORD_SCHEMAS)) throw new UnknownOptionError('record kind', String(kind), Object.keys(RECORD_SCHEMAS), 'kind');
  const file = basename(path);
  const out: (ScoreRecord | PairwiseRecord)[] = [];
  for (const row of await readRawRows(path)) {
    const r = checkRow(row, kind, file);
    if (!r.ok) throw r.error;
    out.push(r.record);
  }
  return out as ScoreRecord[] | PairwiseRecord[];
}

/** Outcome of validating a whole file: counts and up to `maxErrors` error messages. */
export interface ValidationReport {
  file: string;
  kind: RecordKind;
  rows: number;
  valid: number;
  errors: string[];
  duplicateIds: string[];
}

/** Validate every row (not stopping at the first error), and report duplicate ids. */
export async function validateFile(path: string, kind: RecordKind, maxErrors = 20): Promise<ValidationReport> {
  const file = basename(path);
  const rows = await readRawRows(path);
  const errors: string[] = [];
  const seen = new Set<string>();
  const dup = new Set<string>();
  let valid = 0;
  for (const row of rows) {
    const r = checkRow(row, kind, file);
    if (r.ok) {
      valid++;
      if (seen.has(r.record.id)) dup.add(r.record.id);
      seen.add(r.record.id);
    } else if (errors.length < maxErrors) errors.push(r.error.message);
  }
  return { file: path, kind, rows: rows.length, valid, errors, duplicateIds: [...dup].slice(0, maxErrors) };
}
