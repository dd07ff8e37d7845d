import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LlmrError } from '../../errors.js';
import { readTextFile } from '../files.js';

/** First of `candidates` (paths relative to `root`) that exists, else an LlmrError naming all tried. */
export function locate(root: string, candidates: readonly string[], what: string): string {
  for (const c of candidates) {
    const p = join(root, c);
    if (existsSync(p)) return p;
  }
  throw new LlmrError(`${what} not found under ${root} (looked for ${candidates.join(', ')})`, {
    where: root,
    field: 'input',
    fix: `point --input at the folder holding ${candidates[0]}`,
  });
}

/** Files in a folder whose names match, sorted for determinism. */
export function listFiles(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** JSON lines of a (possibly .gz) file, with errors naming file and line. */
export function readJsonLines(path: string, root = ''): unknown[] {
  const name = root ? relative(root, path) : path;
  return readTextFile(path)
    .split('\n')
    .map((l, k) => [l.trim(), k + 1] as const)
    .filter(([l]) => l !== '')
    .map(([l, line]) => {
      try {
        return JSON.parse(l) as unknown;
      } catch (e) {
        throw new LlmrError(`${name} line ${line}: invalid JSON (${(e as Error).message})`, {
          where: `${name}:${line}`,
          fix: 'each line must be one JSON object',
        });
      }
    });
}

export function readJsonFile(path: string, root = ''): unknown {
  const name = root ? relative(root, path) : path;
  try {
    return JSON.parse(readTextFile(path)) as unknown;
  } catch (e) {
    if (e instanceof LlmrError) throw e;
    throw new LlmrError(`${name}: invalid JSON (${(e as Error).message})`, { where: name, fix: 'the source file is damaged; copy it again' });
  }
}

/** zod-parse a source value with an error naming file and position. */
export function parseSource<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
  value: unknown,
  at: string,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(record)';
  throw new LlmrError(`${at}: ${field}: ${issue.message.replace(/^Invalid input: /, '')}`, {
    where: at,
    field,
    fix: 'the source file does not have the documented schema (see its PROVENANCE.md)',
  });
}

export const pct = (n: number, d: number) => (d === 0 ? '0%' : `${((100 * n) / d).toFixed(1)}%`);
