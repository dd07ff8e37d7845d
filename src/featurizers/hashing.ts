import { z } from 'zod';
import { LlmrError, NotFittedError } from '../errors.js';
import { fmix32, fnv1a32, sha256Hex } from '../util/hash.js';
import { l2normalize, parseFeaturizerConfig, type Featurizer, type FeaturizerSpec, type FeaturizerState } from './Featurizer.js';
import { charNgrams, wordTokens } from './tokenize.js';

export const HashingConfigSchema = z
  .object({
    /** Output dimension (number of hash buckets). */
    dim: z
      .number()
      .int()
      .min(16)
      .max(1 << 20)
      .default(4096),
    /** Word n-gram range [min, max]; null disables word features. */
    wordNgrams: z
      .tuple([z.number().int().min(1), z.number().int().min(1)])
      .nullable()
      .default([1, 2]),
    /** Character n-gram range inside word boundaries; null disables them. */
    charNgrams: z
      .tuple([z.number().int().min(1), z.number().int().min(1)])
      .nullable()
      .default([3, 5]),
    /** Weight of character n-gram features relative to word features. */
    charWeight: z.number().nonnegative().default(0.5),
    /** 1 + log(tf) instead of raw counts. */
    sublinearTf: z.boolean().default(true),
    /** Fit IDF weights on the training prompts (smooth IDF, as scikit-learn). */
    idf: z.boolean().default(true),
    /**
     * Random sign per n-gram (scikit-learn's alternate_sign), so colliding n-grams cancel in expectation. On the
     * LLMRouter sample it raised kNN AIQ from 0.485 to 0.497 at 4096 dims.
     */
    alternateSign: z.boolean().default(true),
    seed: z.number().int().default(0),
  })
  .strict();
export type HashingConfig = z.infer<typeof HashingConfigSchema>;

/**
 * Feature hashing of word and character n-grams, sublinear TF × IDF (fitted on the training prompts),
 * L2-normalised. No vocabulary, no download; deterministic for a given config and corpus.
 */
export class HashingFeaturizer implements Featurizer {
  readonly kind = 'hashing';
  readonly config: HashingConfig;
  private idfWeights: Float32Array | null = null;
  private nDocs = 0;

  constructor(config: Partial<HashingConfig> = {}) {
    this.config = parseFeaturizerConfig(
      'hashing',
      HashingConfigSchema,
      config,
      'see HashingConfigSchema: dim, wordNgrams, charNgrams, charWeight, sublinearTf, idf, alternateSign, seed',
    );
  }

  get dim(): number {
    return this.config.dim;
  }

  id(): string {
    const state = this.idfWeights
      ? sha256Hex(new Uint8Array(this.idfWeights.buffer, this.idfWeights.byteOffset, this.idfWeights.byteLength)).slice(0, 16)
      : 'nofit';
    return `hashing:${sha256Hex(JSON.stringify(this.config)).slice(0, 12)}:${state}`;
  }

  get fitted(): boolean {
    return !this.config.idf || this.idfWeights !== null;
  }

  /** Bucket index and sign for every n-gram of `text`, with its weight (word = 1, char = charWeight). */
  private terms(text: string): Map<number, number> {
    const { dim, wordNgrams, charNgrams: cr, charWeight, seed, alternateSign } = this.config;
    const counts = new Map<number, number>();
    const add = (gram: string, w: number) => {
      // FNV-1a's low bits mix poorly (they depend only on the inputs' low bits): finalise before taking buckets.
      const h = fmix32(fnv1a32(gram, (0x811c9dc5 ^ seed) >>> 0));
      const bucket = h % dim;
      // Sign from the top bit, independent of the bucket bits, so colliding n-grams cancel in expectation.
      const sign = alternateSign && h >>> 31 ? -1 : 1;
      counts.set(bucket, (counts.get(bucket) ?? 0) + sign * w);
    };
    const words = wordTokens(text);
    if (wordNgrams) {
      const [lo, hi] = wordNgrams;
      for (let n = lo; n <= hi; n++) for (let i = 0; i + n <= words.length; i++) add('w:' + words.slice(i, i + n).join(' '), 1);
    }
    if (cr && charWeight > 0) for (const g of charNgrams(words, cr[0], cr[1])) add('c:' + g, charWeight);
    return counts;
  }

  async fit(texts: readonly string[]): Promise<this> {
    if (!this.config.idf) return this;
    if (texts.length === 0)
      throw new LlmrError('cannot fit the hashing featurizer on zero prompts', { field: 'prompts', fix: 'pass at least one training prompt' });
    const df = new Float64Array(this.config.dim);
    for (const t of texts) for (const b of this.terms(t).keys()) df[b]! += 1;
    const n = texts.length;
    const idf = new Float32Array(this.config.dim);
    for (let b = 0; b < idf.length; b++) idf[b] = Math.log((1 + n) / (1 + df[b]!)) + 1;
    this.idfWeights = idf;
    this.nDocs = n;
    return this;
  }

  transformOne(text: string): Float32Array {
    if (!this.fitted) throw new NotFittedError('hashing featurizer (idf: true)');
    const v = new Float32Array(this.config.dim);
    for (const [b, c] of this.terms(text)) {
      if (c === 0) continue;
      const tf = this.config.sublinearTf ? Math.sign(c) * (1 + Math.log(Math.abs(c))) : c;
      v[b] = tf * (this.idfWeights ? this.idfWeights[b]! : 1);
    }
    return l2normalize(v);
  }

  async transform(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.transformOne(t));
  }

  async save(): Promise<FeaturizerState> {
    const files: Record<string, Uint8Array> = {};
    if (this.idfWeights) files['idf.f32'] = new Uint8Array(this.idfWeights.buffer.slice(0));
    return { kind: this.kind, config: { ...this.config, nDocs: this.nDocs }, files };
  }

  static async load(state: FeaturizerState): Promise<HashingFeaturizer> {
    const { nDocs, ...config } = state.config as HashingConfig & { nDocs?: number };
    const f = new HashingFeaturizer(config);
    const idf = state.files['idf.f32'];
    if (config.idf) {
      if (!idf) throw new LlmrError('hashing featurizer state lacks idf.f32', { fix: 're-train the artifact' });
      const copy = new Uint8Array(idf);
      f.idfWeights = new Float32Array(copy.buffer, 0, copy.byteLength / 4);
      if (f.idfWeights.length !== config.dim) throw new LlmrError(`idf.f32 has ${f.idfWeights.length} weights, config says dim ${config.dim}`);
    }
    f.nDocs = nDocs ?? 0;
    return f;
  }
}

export const hashingSpec: FeaturizerSpec = {
  kind: 'hashing',
  description: 'word 1-2 and char 3-5 gram feature hashing, sublinear TF-IDF, L2-normalised (no download)',
  create: (config) => new HashingFeaturizer(config as Partial<HashingConfig>),
  load: (state) => HashingFeaturizer.load(state),
  available: async () => ({ ok: true }),
};
