import { createHash } from 'node:crypto';
import { LlmrError, UnknownOptionError } from '../errors.js';

export const DEFAULT_SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export const DEFAULT_FRACTIONS = [0.8, 0.1, 0.1] as const;

export interface SplitOptions {
  /** Fractions per split, summing to 1 (default 0.8/0.1/0.1). */
  fractions?: readonly number[];
  /** Names per split (default train/validation/test; must match fractions in length). */
  names?: readonly string[];
  /** Changes the assignment without changing its properties (default ''). */
  salt?: string;
  /**
   * How a prompt becomes a number in [0, 1) (default `salted`, see {@link promptUnit}). `sha256`, `sha1`,
   * `md5`: a plain hash of the UTF-8 text `salt + prompt` (no separator), its hex digest read as an integer
   * `h` and divided by 2^bits — Python `int(hashlib.sha256(p.encode()).hexdigest(), 16) / 2**256` —, or, with
   * `buckets` = N, `(h mod N) / N` — Python `int(...hexdigest(), 16) % N / N` —, so a split made by another
   * tool that way is reproduced exactly.
   */
  hash?: SplitHash;
  /** With a plain hash: `(h mod buckets) / buckets` instead of `h / 2^bits`. */
  buckets?: number;
}

export const SPLIT_HASHES = ['salted', 'sha256', 'sha1', 'md5'] as const;
export type SplitHash = (typeof SPLIT_HASHES)[number];

/** The split.json `method` line for a hash choice. */
export function splitMethod(hash: SplitHash = 'salted', buckets?: number): string {
  if (hash === 'salted') return 'sha256(salt \\0 prompt), first 52 bits / 2^52 → [0,1) → cumulative fractions';
  return `int(${hash}(salt + prompt).hexdigest(), 16) ${buckets ? `% ${buckets} / ${buckets}` : `/ 2^${HASH_BITS[hash]}`} → [0,1) → cumulative fractions`;
}

const HASH_BITS = { sha256: 256, sha1: 160, md5: 128 } as const;

/** A plain-hash unit: the digest of `salt + prompt` as an integer over 2^bits (or mod `buckets`). */
export function plainHashUnit(prompt: string, hash: Exclude<SplitHash, 'salted'>, salt = '', buckets?: number): number {
  const h = BigInt(
    '0x' +
      createHash(hash)
        .update(salt + prompt, 'utf8')
        .digest('hex'),
  );
  if (buckets !== undefined) return Number(h % BigInt(buckets)) / buckets;
  // BigInt → Number rounds to nearest like Python's int / int true division; dividing by a power of 2 is exact
  return Number(h) / 2 ** HASH_BITS[hash];
}

function checkHash(opts: SplitOptions): void {
  if (opts.hash !== undefined && !(SPLIT_HASHES as readonly string[]).includes(opts.hash))
    throw new UnknownOptionError('split hash', String(opts.hash), SPLIT_HASHES, 'hash');
  if (opts.buckets !== undefined) {
    if (!Number.isInteger(opts.buckets) || opts.buckets < 1)
      throw new LlmrError(`buckets must be a positive integer, got ${opts.buckets}`, { field: 'buckets', fix: 'e.g. --buckets 100' });
    if ((opts.hash ?? 'salted') === 'salted') throw new LlmrError('buckets needs a plain hash', { field: 'buckets', fix: 'add --hash sha256 (or md5, sha1)' });
  }
}

function checkFractions(fractions: readonly number[], names: readonly string[]): void {
  if (fractions.length === 0 || fractions.length !== names.length) {
    throw new LlmrError(`${fractions.length} fractions for ${names.length} split names`, {
      field: 'fractions',
      fix: 'give one fraction per split, e.g. --fractions 0.8,0.1,0.1 for train/validation/test',
    });
  }
  if (fractions.some((f) => !Number.isFinite(f) || f < 0))
    throw new LlmrError(`fractions must be non-negative numbers, got ${fractions.join(',')}`, { field: 'fractions', fix: 'e.g. --fractions 0.8,0.1,0.1' });
  const sum = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6)
    throw new LlmrError(`fractions must sum to 1, got ${fractions.join(',')} (sum ${sum})`, { field: 'fractions', fix: 'e.g. --fractions 0.8,0.1,0.1' });
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
  checkHash(opts);
  const hash = opts.hash ?? 'salted';
  const u = hash === 'salted' ? promptUnit(prompt, opts.salt ?? '') : plainHashUnit(prompt, hash, opts.salt ?? '', opts.buckets);
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
  if (parts.some((x) => !Number.isFinite(x)))
    throw new LlmrError(`--fractions must be comma-separated numbers, got "${s}"`, { field: '--fractions', fix: 'e.g. --fractions 0.8,0.1,0.1' });
  return parts;
}
