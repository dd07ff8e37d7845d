import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Float64, Table, Utf8, vectorFromArray, tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { FLAT_PREFIXES } from '../data/flatTable.js';
import { writeFileAtomic } from '../data/files.js';
import type { PairwiseRecord, ScoreRecord } from '../data/schemas.js';
import { LlmrError } from '../errors.js';

export const EXPORT_FORMATS = ['jsonl', 'parquet', 'arrow'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface Column {
  name: string;
  kind: 'string' | 'double';
  data: (string | number | null)[];
}

/** Records → the flat-table columns of data/FORMATS.md (`score:<model>`, `cost:<model>`; pairs keep their names). */
function flatColumns(records: readonly (ScoreRecord | PairwiseRecord)[], shape: 'scores' | 'pairs'): Column[] {
  // biome-ignore lint/suspicious/noExplicitAny: one getter type for rows of both record shapes (scores and pairs)
  const col = (name: string, kind: Column['kind'], get: (r: any) => string | number | null | undefined): Column => ({
    name,
    kind,
    data: records.map((r) => get(r) ?? null),
  });
  if (shape === 'pairs')
    return [
      col('id', 'string', (r) => r.id),
      col('prompt', 'string', (r) => r.prompt),
      col('model_a', 'string', (r) => r.model_a),
      col('model_b', 'string', (r) => r.model_b),
      col('winner', 'string', (r) => r.winner),
    ];
  const models = [...new Set((records as ScoreRecord[]).flatMap((r) => Object.keys(r.scores)))].sort();
  return [
    col('id', 'string', (r) => r.id),
    col('prompt', 'string', (r) => r.prompt),
    ...models.map((m) => col(`${FLAT_PREFIXES.score}${m}`, 'double', (r) => r.scores[m])),
    ...models.map((m) => col(`${FLAT_PREFIXES.cost}${m}`, 'double', (r) => r.cost?.[m])),
  ];
}

/** Write score or pairwise records as JSONL (nested shape), Parquet or Arrow IPC (flat convention); atomic. */
export function writeRecordsFile(path: string, records: readonly (ScoreRecord | PairwiseRecord)[], shape: 'scores' | 'pairs', format: ExportFormat): void {
  mkdirSync(dirname(path), { recursive: true });
  if (format === 'jsonl') {
    writeFileAtomic(path, records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
    return;
  }
  const cols = flatColumns(records, shape);
  if (format === 'parquet') {
    const buf = parquetWriteBuffer({
      columnData: cols.map((c) => ({ name: c.name, data: c.data, type: c.kind === 'string' ? 'STRING' : 'DOUBLE', nullable: true })),
    });
    writeFileAtomic(path, new Uint8Array(buf));
    return;
  }
  if (format === 'arrow') {
    const table = new Table(Object.fromEntries(cols.map((c) => [c.name, vectorFromArray(c.data, c.kind === 'string' ? new Utf8() : new Float64())])));
    writeFileAtomic(path, tableToIPC(table, 'file'));
    return;
  }
  throw new LlmrError(`unknown export format "${format as string}"`, { field: '--format', fix: `use one of: ${EXPORT_FORMATS.join(', ')}` });
}
