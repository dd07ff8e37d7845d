import { createHash } from 'node:crypto';
import { LlmrError } from '../errors.js';

export const DEFAULT_SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export const DEFAULT_FRACTIONS = [0.8, 0.1, 0.1] as const;

export interface SplitOptions {
  /** Fractions per split, summing to 1 (default 0.8/0.1/0.1). */
  fractions?: readonly number[];
  /** Names per split (default train/validation/test; must match fractions in length). */
  names?: readonly string[];
  /** Changes the assignment without changing its properties (default ''). */
  salt?: string;
}

function checkFractions(fractions: readonly number[], names: readonly string[]): void {
  if (fractions.length === 0 || fractions.length !== names.length) {
    throw new LlmrError(`${fractions.length} fractions for ${names.length} split names`, { field: 'fractions', fix: 'give one fraction per split, e.g. --fractions 0.8,0.1,0.1 for train/validation/test' });
  }
  if (fractions.some((f) => !Number.isFinite(f) || f < 0)) throw new LlmrError(`fractions must be non-negative numbers, got ${fractions.join(',')}`, { field: 'fractions', fix: 'e.g. --fractions 0.8,0.1,0.1' });
  const sum = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new LlmrError(`fractions must sum to 1, got ${fractions.join(',')} (sum ${sum})`, { field: 'fractions', fix: 'e.g. --fractions 0.8,0.1,0.1' });
}

/** A uniform number in [0, 1) from the salted prompt text (sha256, first 52 bits). */
export function promptUnit(prompt: string, salt = ''): number {
  const hex = createHash('sha256').update(salt).update('\u0000').update(prompt).digest('hex').slice(0, 13);
  return parseInt(hex, 16) / 2 ** 52;
}

/**
 * The split a prompt belongs to: a pure function of (prompt text, salt, fractions), so the same prompt is
 * always in the same split, whatever file or order it comes in, and duplicated prompts never leak across
 * splits.
 */
export function splitOf(prompt: string, opts: SplitOptions = {}): string {
  const fractions = opts.fractions ?? DEFAULT_FRACTIONS;
  const names = opts.names ?? DEFAULT_SPLIT_NAMES.slice(0, fractions.length);
  checkFractions(fractions, names);
  const u = promptUnit(prompt, opts.salt ?? '');
  let acc = 0;
  for (let k = 0; k < fractions.length; k++) {
    acc += fractions[k]!;
    if (u < acc) return names[k]!;
  }
  // rounding: the last split with a non-zero fraction
  for (let k = fractions.length - 1; k >= 0; k--) if (fractions[k]! > 0) return names[k]!;
  return names[names.length - 1]!;
}

/** Partition records by prompt hash; every named split is present (possibly empty); record order is kept. */
export function splitRecords<T extends { prompt: string }>(records: readonly T[], opts: SplitOptions = {}): Record<string, T[]> {
  const fractions = opts.fractions ?? DEFAULT_FRACTIONS;
  const names = opts.names ?? DEFAULT_SPLIT_NAMES.slice(0, fractions.length);
  checkFractions(fractions, names);
  const out: Record<string, T[]> = Object.fromEntries(names.map((n) => [n, [] as T[]]));
  for (const r of records) out[splitOf(r.prompt, { ...opts, fractions, names })]!.push(r);
  return out;
}

/** Parse "0.8,0.1,0.1" (CLI flag) into numbers, with an error naming the flag. */
export function parseFractions(s: string): number[] {
  const parts = s.split(',').map((x) => Number(x.trim()));
  if (parts.some((x) => !Number.isFinite(x))) throw new LlmrError(`--fractions must be comma-separated numbers, got "${s}"`, { field: '--fractions', fix: 'e.g. --fractions 0.8,0.1,0.1' });
  return parts;
}
