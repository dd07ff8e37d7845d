import { z } from 'zod';
import { LlmrError, NotFittedError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { parseFeaturizerConfig, type Featurizer, type FeaturizerSpec, type FeaturizerState } from './Featurizer.js';

/**
 * Shape statistics of a prompt that bag-of-n-gram and embedding vectors lose once L2-normalised: how long it
 * is, how many numbers, lines and sentences it has, how much of it is digits, code punctuation or non-ASCII.
 * Length is the classic difficulty signal (on RouteLLM's GSM8K, log length correlates +0.14 with GPT-4's gain
 * over Mixtral); meant as a small extra part of a `concat` featurizer, next to `hashing`.
 */
export const TEXT_STATS = [
  'logChars',
  'logWords',
  'logNumbers',
  'logLines',
  'logSentences',
  'digitShare',
  'codeShare',
  'nonAsciiShare',
  'upperShare',
  'meanWordLength',
] as const;

export const TextStatsConfigSchema = z
  .object({
    /** z-scores are clipped to ±clip (a 50k-character paste must not dominate the vector). */
    clip: z.number().positive().max(100).default(4),
  })
  .strict();
export type TextStatsConfig = z.infer<typeof TextStatsConfigSchema>;

const WORD = /[\p{L}\p{N}_']+/gu;
const NUMBER = /\d+(?:[.,]\d+)*/g;
const SENTENCE_END = /[.?!](?:\s|$)/g;
const CODE = /[{}()[\];=<>_#$\\|`~^*/+-]/g;

function count(re: RegExp, s: string): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(s)) n++;
  return n;
}

/** The raw statistics of one prompt, in TEXT_STATS order. */
export function textStats(text: string): Float64Array {
  const chars = text.length;
  const words = text.match(WORD) ?? [];
  let digits = 0;
  let nonAscii = 0;
  let upper = 0;
  for (let i = 0; i < chars; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c > 127) nonAscii++;
  }
  const share = (n: number) => (chars ? n / chars : 0);
  const wordChars = words.reduce((a, w) => a + w.length, 0);
  return Float64Array.from([
    Math.log1p(chars),
    Math.log1p(words.length),
    Math.log1p(count(NUMBER, text)),
    Math.log1p(text.split('\n').length - 1),
    Math.log1p(count(SENTENCE_END, text)),
    share(digits),
    share(count(CODE, text)),
    share(nonAscii),
    share(upper),
    words.length ? wordChars / words.length : 0,
  ]);
}

/**
 * Standardised text statistics (z-scores fitted on the training prompts, clipped, divided by √n so the
 * vector's norm is about 1). Not L2-normalised: the magnitude is the information.
 */
export class TextStatsFeaturizer implements Featurizer {
  readonly kind = 'textstats';
  readonly config: TextStatsConfig;
  private mean: Float64Array | null = null;
  private std: Float64Array | null = null;

  constructor(config: Partial<TextStatsConfig> = {}) {
    this.config = parseFeaturizerConfig('textstats', TextStatsConfigSchema, config, 'textstats takes {"clip": number > 0} only');
  }

  get dim(): number {
    return TEXT_STATS.length;
  }

  id(): string {
    const state = this.mean && this.std ? sha256Hex(new Uint8Array(new Float64Array([...this.mean, ...this.std]).buffer)).slice(0, 16) : 'nofit';
    return `textstats:${sha256Hex(JSON.stringify(this.config)).slice(0, 12)}:${state}`;
  }

  async fit(texts: readonly string[]): Promise<this> {
    if (texts.length === 0)
      throw new LlmrError('cannot fit the textstats featurizer on zero prompts', { field: 'prompts', fix: 'pass at least one training prompt' });
    const d = this.dim;
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const t of texts) {
      const s = textStats(t);
      for (let j = 0; j < d; j++) (mean[j]! += s[j]!), (sq[j]! += s[j]! * s[j]!);
    }
    const n = texts.length;
    const std = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      mean[j]! /= n;
      const v = sq[j]! / n - mean[j]! * mean[j]!;
      // A constant statistic (e.g. no prompt has a line break) contributes 0 rather than dividing by 0.
      std[j] = v > 1e-12 ? Math.sqrt(v) : Number.POSITIVE_INFINITY;
    }
    this.mean = mean;
    this.std = std;
    return this;
  }

  async transform(texts: readonly string[]): Promise<Float32Array[]> {
    const { mean, std } = this;
    if (!mean || !std) throw new NotFittedError('textstats featurizer');
    const { clip } = this.config;
    const scale = 1 / Math.sqrt(this.dim);
    return texts.map((t) => {
      const s = textStats(t);
      return Float32Array.from(s, (x, j) => Math.min(clip, Math.max(-clip, (x - mean[j]!) / std[j]!)) * scale);
    });
  }

  async save(): Promise<FeaturizerState> {
    if (!this.mean || !this.std) throw new NotFittedError('textstats featurizer');
    // mean then std, float64; a constant statistic's std is stored as +Infinity.
    const moments = new Float64Array([...this.mean, ...this.std]);
    return { kind: this.kind, config: { ...this.config, stats: [...TEXT_STATS] }, files: { 'moments.f64': new Uint8Array(moments.buffer) } };
  }

  static async load(state: FeaturizerState): Promise<TextStatsFeaturizer> {
    const { stats, ...config } = state.config as TextStatsConfig & { stats?: string[] };
    const bytes = state.files['moments.f64'];
    const d = TEXT_STATS.length;
    if (!Array.isArray(stats) || stats.join() !== TEXT_STATS.join() || !bytes || bytes.byteLength !== 2 * d * 8)
      throw new LlmrError(`textstats featurizer state does not hold the statistics this version computes (${TEXT_STATS.join(', ')})`, {
        field: 'featurizer.config.stats',
        fix: 're-train the artifact with this version',
      });
    const f = new TextStatsFeaturizer(config);
    const moments = new Float64Array(new Uint8Array(bytes).buffer);
    f.mean = moments.slice(0, d);
    f.std = moments.slice(d);
    return f;
  }
}

export const textStatsSpec: FeaturizerSpec = {
  kind: 'textstats',
  description: 'standardised prompt statistics (length, numbers, lines, code/digit share); a small part of a concat featurizer',
  create: (config) => new TextStatsFeaturizer(config as Partial<TextStatsConfig>),
  load: (state) => TextStatsFeaturizer.load(state),
  available: async () => ({ ok: true }),
};
