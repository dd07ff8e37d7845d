import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LlmrError } from '../errors.js';

/** Bytes of a file, gunzipped when the name ends in .gz. Missing file → LlmrError naming it. */
export function readFileBytes(path: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new LlmrError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: path, fix: 'check the path', cause: e });
  }
  if (!path.endsWith('.gz')) return buf;
  try {
    return gunzipSync(buf);
  } catch (e) {
    throw new LlmrError(`${path}: not a valid gzip file (${(e as Error).message})`, { where: path, fix: 'gzip the file, or drop the .gz suffix', cause: e });
  }
}

export function readTextFile(path: string): string {
  return readFileBytes(path).toString('utf8');
}

/** Write atomically (temp file + rename), creating the folder; gzip when the name ends in .gz. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  // mtime 0 in the gzip header (Node writes none) keeps .gz output byte-identical across runs
  const out = path.endsWith('.gz') ? gzipSync(bytes, { level: 9 }) : bytes;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, out);
  renameSync(tmp, path);
}

/** One JSON object per line (LF, trailing newline); gzip when the path ends in .gz. */
export function writeJsonl(path: string, records: readonly unknown[]): void {
  writeFileAtomic(path, records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
