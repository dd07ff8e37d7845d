import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { configFromEnv } from '../config.js';
import { LlmrError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import type { Featurizer } from './Featurizer.js';
import { flatten, vectorsToArrowIPC } from './vectorsToArrow.js';

export interface EmbeddingCacheOptions {
  /** Root folder; vectors go to <cacheDir>/embeddings/. Default: config.cacheDir (~/.cache/llmr). */
  cacheDir?: string;
  /** Segments per featurizer above which loading merges them into one file. */
  maxSegments?: number;
  /** Where warnings go (unreadable files). Default console.warn. */
  warn?: (message: string) => void;
}

export interface EmbeddingCacheStats {
  /** Texts answered from the cache. */
  hits: number;
  /** Texts not in the cache. */
  misses: number;
  /** Rows the featurizer computed (misses less duplicates within a call). */
  computed: number;
  /** Cache files skipped because they could not be read or failed verification. */
  corruptFiles: number;
}

interface Space {
  featurizerId: string;
  dir: string;
  dim: number;
  rows: Map<string, Float32Array>;
  pending: string[];
}

const KEY_RE = /^[0-9a-f]{64}$/;

/** sha256 of the text's UTF-8 bytes: the row key inside a featurizer's space. */
export function textKey(text: string): string {
  return sha256Hex(text);
}

/**
 * Persistent embedding cache: vectors keyed by featurizer.id() and sha256(text), stored as Arrow IPC files
 * under <cacheDir>/embeddings/<sha256(id)[:32]>/. Each flush appends one new segment file (written to a temp
 * name, then renamed, so readers never see a partial file and concurrent processes never overwrite each
 * other); loading merges segments and compacts them when there are many. A segment that fails to parse or
 * verify (schema, featurizer id, dimension, sha256 of its contents) is reported, deleted and its rows are
 * simply recomputed.
 *
 * Arrow schema: key: utf8 (64 hex chars), vector: fixed_size_list<float32>[dim]; metadata: featurizer, dim,
 * sha256.
 */
export class EmbeddingCache {
  readonly dir: string;
  readonly stats: EmbeddingCacheStats = { hits: 0, misses: 0, computed: 0, corruptFiles: 0 };
  private readonly maxSegments: number;
  private readonly warn: (message: string) => void;
  private readonly spaces = new Map<string, Space>();
  private counter = 0;

  constructor(opts: EmbeddingCacheOptions = {}) {
    this.dir = join(resolve(opts.cacheDir ?? configFromEnv().cacheDir), 'embeddings');
    this.maxSegments = opts.maxSegments ?? 16;
    this.warn = opts.warn ?? ((m) => console.warn(m));
  }

  /** Folder holding one featurizer's segments. */
  spaceDir(featurizerId: string): string {
    return join(this.dir, sha256Hex(featurizerId).slice(0, 32));
  }

  private space(featurizerId: string): Space {
    let s = this.spaces.get(featurizerId);
    if (!s) {
      s = { featurizerId, dir: this.spaceDir(featurizerId), dim: 0, rows: new Map(), pending: [] };
      this.readSegments(s);
      this.spaces.set(featurizerId, s);
    }
    return s;
  }

  private segmentFiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.arrow'))
      .sort();
  }

  private readSegments(s: Space): void {
    const files = this.segmentFiles(s.dir);
    const read: string[] = [];
    for (const f of files) {
      const path = join(s.dir, f);
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch {
        continue; // removed meanwhile (another process compacted): not corruption
      }
      try {
        const seg = decodeSegment(bytes, s.featurizerId);
        if (s.dim && seg.dim !== s.dim) throw new Error(`dimension ${seg.dim}, other segments have ${s.dim}`);
        s.dim = seg.dim;
        seg.keys.forEach((k, i) => s.rows.set(k, seg.vectors.subarray(i * seg.dim, (i + 1) * seg.dim)));
        read.push(path);
      } catch (e) {
        this.stats.corruptFiles++;
        this.warn(`[llmr] embedding cache file ${path} is unreadable (${(e as Error).message}); ignoring it, its rows will be recomputed`);
        rmSync(path, { force: true });
      }
    }
    if (read.length > this.maxSegments) {
      this.writeSegment(s, [...s.rows.keys()]);
      for (const p of read) rmSync(p, { force: true });
    }
  }

  /** Cached vectors (or undefined) for the given keys, in order. Counts hits and misses. */
  lookup(featurizerId: string, keys: readonly string[]): (Float32Array | undefined)[] {
    const s = this.space(featurizerId);
    return keys.map((k) => {
      const v = s.rows.get(k);
      if (v) this.stats.hits++;
      else this.stats.misses++;
      return v;
    });
  }

  /** Add rows (kept in memory until flush()). */
  put(featurizerId: string, keys: readonly string[], vectors: readonly Float32Array[]): void {
    if (keys.length !== vectors.length) throw new LlmrError(`embedding cache: ${keys.length} keys but ${vectors.length} vectors`);
    const s = this.space(featurizerId);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = vectors[i]!;
      if (!KEY_RE.test(k)) throw new LlmrError(`embedding cache key "${k}" is not a sha256 hex digest`, { fix: 'use textKey(text)' });
      if (!s.dim) s.dim = v.length;
      if (v.length !== s.dim)
        throw new LlmrError(`embedding cache: vector of length ${v.length} for featurizer ${featurizerId}, whose vectors have ${s.dim}`, {
          fix: 'featurizer.id() must change whenever its output changes',
        });
      if (!s.rows.has(k)) s.pending.push(k);
      s.rows.set(k, Float32Array.from(v));
    }
  }

  /** Rows held for a featurizer (loaded + added). */
  size(featurizerId: string): number {
    return this.space(featurizerId).rows.size;
  }

  /** Write every featurizer's new rows as one new segment each. */
  flush(): void {
    for (const s of this.spaces.values()) {
      if (s.pending.length === 0) continue;
      this.writeSegment(s, s.pending);
      s.pending = [];
    }
  }

  private writeSegment(s: Space, keys: readonly string[]): void {
    mkdirSync(s.dir, { recursive: true });
    const name = `${Date.now().toString(36).padStart(9, '0')}-${process.pid}-${(this.counter++).toString(36)}`;
    const tmp = join(s.dir, `.${name}.tmp`);
    const bytes = encodeSegment(
      s.featurizerId,
      s.dim,
      keys,
      keys.map((k) => s.rows.get(k)!),
    );
    try {
      writeFileSync(tmp, bytes);
      renameSync(tmp, join(s.dir, `${name}.arrow`));
    } catch (e) {
      rmSync(tmp, { force: true });
      this.warn(`[llmr] could not write the embedding cache in ${s.dir} (${(e as Error).message}); continuing without persisting`);
    }
  }
}

function checksum(keys: readonly string[], flat: Float32Array): string {
  return sha256Hex(Buffer.concat([Buffer.from(keys.join('\n')), Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength)]));
}

function encodeSegment(featurizerId: string, dim: number, keys: readonly string[], vectors: readonly Float32Array[]): Uint8Array {
  const flat = flatten(vectors, dim);
  const meta = new Map([
    ['featurizer', featurizerId],
    ['dim', String(dim)],
    ['sha256', checksum(keys, flat)],
  ]);
  return vectorsToArrowIPC('key', keys, flat, dim, meta);
}

function decodeSegment(bytes: Uint8Array, featurizerId: string): { dim: number; keys: string[]; vectors: Float32Array } {
  const table = tableFromIPC(bytes);
  const meta = table.schema.metadata;
  if (meta.get('featurizer') !== featurizerId) throw new Error(`it belongs to featurizer "${meta.get('featurizer')}"`);
  const dim = Number(meta.get('dim'));
  if (!Number.isInteger(dim) || dim <= 0) throw new Error(`bad dim metadata "${meta.get('dim')}"`);
  const keyCol = table.getChild('key');
  const vecCol = table.getChild('vector');
  if (!keyCol || !vecCol || String(vecCol.type) !== `FixedSizeList[${dim}]<Float32>`) throw new Error('unexpected schema');
  const keys = keyCol.toArray() as string[];
  const vectors = new Float32Array(table.numRows * dim);
  let row = 0;
  for (const d of vecCol.data) {
    const child = d.children[0]!;
    const start = (child.offset + d.offset * dim) | 0;
    vectors.set((child.values as Float32Array).subarray(start, start + d.length * dim), row * dim);
    row += d.length;
  }
  if (keys.length !== table.numRows || row !== table.numRows) throw new Error('column lengths differ');
  for (const k of keys) if (typeof k !== 'string' || !KEY_RE.test(k)) throw new Error('malformed key');
  if (checksum(keys, vectors) !== meta.get('sha256')) throw new Error('sha256 mismatch');
  return { dim, keys, vectors };
}

/**
 * featurizer.transform(texts) through the cache: only texts whose (featurizer id, sha256) is not cached are
 * computed (each distinct text once), new rows are flushed to disk, and the result keeps the input order.
 * Returned vectors are copies: callers may modify them.
 */
export async function cachedTransform(featurizer: Featurizer, texts: readonly string[], cache: EmbeddingCache): Promise<Float32Array[]> {
  const id = featurizer.id();
  const keys = texts.map(textKey);
  const found = cache.lookup(id, keys);
  const todo = new Map<string, number>();
  found.forEach((v, i) => {
    if (!v && !todo.has(keys[i]!)) todo.set(keys[i]!, i);
  });
  if (todo.size > 0) {
    const idx = [...todo.values()];
    const computed = await featurizer.transform(idx.map((i) => texts[i]!));
    if (computed.length !== idx.length) throw new LlmrError(`featurizer ${featurizer.kind} returned ${computed.length} vectors for ${idx.length} texts`);
    cache.stats.computed += computed.length;
    const newKeys = idx.map((i) => keys[i]!);
    cache.put(id, newKeys, computed);
    cache.flush();
    const byKey = new Map(newKeys.map((k, j) => [k, computed[j]!]));
    return keys.map((k, i) => Float32Array.from(found[i] ?? byKey.get(k)!));
  }
  return found.map((v) => Float32Array.from(v!));
}
