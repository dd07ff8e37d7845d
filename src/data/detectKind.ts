import { LlmrError, UnknownOptionError } from '../errors.js';
import { FLAT_PREFIXES } from './flatTable.js';
import type { RawRow } from './readRecords.js';
import type { RecordKind } from './schemas.js';

export const RECORD_KINDS: readonly RecordKind[] = ['scores', 'pairwise'];

export function parseKind(kind: string): RecordKind {
  if (!(RECORD_KINDS as readonly string[]).includes(kind)) throw new UnknownOptionError('record kind', kind, RECORD_KINDS, '--kind');
  return kind as RecordKind;
}

/** Guess the record kind from the first row: `scores` / `score:<model>` columns → scores; `winner` → pairwise. */
export function detectKind(rows: readonly RawRow[], file: string): RecordKind {
  const first = rows[0]?.value;
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    const keys = Object.keys(first);
    if (keys.includes('scores') || keys.some((k) => k.startsWith(FLAT_PREFIXES.score))) return 'scores';
    if (keys.includes('winner')) return 'pairwise';
  }
  throw new LlmrError(`${file}: cannot tell whether this is a score table or a pairwise log`, {
    where: file,
    field: '--kind',
    fix: 'pass --kind scores or --kind pairwise (see data/FORMATS.md)',
  });
}
