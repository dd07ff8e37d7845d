import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { l2normalize, parseFeaturizerConfig, type Featurizer, type FeaturizerSpec, type FeaturizerState } from './Featurizer.js';

/**
 * Several featurizers side by side: each part's (L2-normalised) vector times its weight, concatenated and
 * L2-normalised again, so a part's weight is its share of the squared norm before the final normalisation.
 * Typical use: lexical hashing n-grams plus a semantic embedding (glove or transformers).
 *
 * The parts are resolved through a `resolve` function handed in by the registry (no import cycle).
 */
export const ConcatConfigSchema = z
  .object({
    parts: z
      .array(
        z
          .object({
            kind: z.string().min(1),
            config: z.record(z.string(), z.unknown()).default({}),
            weight: z.number().positive().max(100).default(1),
          })
          .strict(),
      )
      .min(2)
      .max(8),
  })
  .strict();
export type ConcatConfig = z.infer<typeof ConcatConfigSchema>;

export interface PartResolver {
  create(kind: string, config: Record<string, unknown>): Featurizer;
  load(state: FeaturizerState): Promise<Featurizer>;
}

function parseConfig(raw: Record<string, unknown>): ConcatConfig {
  return parseFeaturizerConfig(
    'concat',
    ConcatConfigSchema,
    raw,
    'give {"parts": [{"kind": "hashing"}, {"kind": "glove", "weight": 0.5}]}: 2-8 parts, each with kind, optional config and weight > 0',
  );
}

const PREFIX = /^p(\d+)\/(.+)$/;

export class ConcatFeaturizer implements Featurizer {
  readonly kind = 'concat';
  readonly config: ConcatConfig;

  constructor(
    config: ConcatConfig,
    readonly parts: Featurizer[],
  ) {
    this.config = config;
  }

  static create(raw: Record<string, unknown>, resolve: PartResolver): ConcatFeaturizer {
    const config = parseConfig(raw);
    return new ConcatFeaturizer(
      config,
      config.parts.map((p, i) => {
        if (p.kind === 'concat')
          throw new LlmrError('a concat featurizer cannot contain another concat featurizer', {
            field: `featurizer.parts.${i}.kind`,
            fix: 'list every part in one concat',
          });
        return resolve.create(p.kind, p.config);
      }),
    );
  }

  get dim(): number {
    return this.parts.reduce((a, p) => a + p.dim, 0);
  }

  id(): string {
    return `concat:${sha256Hex(JSON.stringify(this.parts.map((p, i) => [p.id(), this.config.parts[i]!.weight]))).slice(0, 16)}`;
  }

  async fit(texts: readonly string[]): Promise<this> {
    for (const p of this.parts) await p.fit(texts);
    return this;
  }

  async transform(texts: readonly string[]): Promise<Float32Array[]> {
    const outs: Float32Array[][] = [];
    for (const p of this.parts) outs.push(await p.transform(texts));
    const dim = this.dim;
    return texts.map((_, i) => {
      const v = new Float32Array(dim);
      let off = 0;
      outs.forEach((o, k) => {
        const w = Math.sqrt(this.config.parts[k]!.weight);
        const part = o[i]!;
        for (let j = 0; j < part.length; j++) v[off + j] = part[j]! * w;
        off += this.parts[k]!.dim;
      });
      return l2normalize(v);
    });
  }

  async save(): Promise<FeaturizerState> {
    const files: Record<string, Uint8Array> = {};
    const states: FeaturizerState[] = [];
    for (const [i, p] of this.parts.entries()) {
      const s = await p.save();
      for (const [name, bytes] of Object.entries(s.files)) files[`p${i}/${name}`] = bytes;
      states.push({ ...s, files: {} });
    }
    return { kind: 'concat', config: { ...this.config, saved: states.map((s) => ({ kind: s.kind, config: s.config })) }, files };
  }

  static async load(state: FeaturizerState, resolve: PartResolver): Promise<ConcatFeaturizer> {
    const { saved, ...raw } = state.config as { saved?: { kind: string; config: Record<string, unknown> }[] };
    const config = parseConfig(raw);
    if (!Array.isArray(saved) || saved.length !== config.parts.length)
      throw new LlmrError('concat featurizer state lists no saved parts', { field: 'featurizer.config.saved', fix: 're-save the artifact with this version' });
    const filesOf = saved.map(() => ({}) as Record<string, Uint8Array>);
    for (const [name, bytes] of Object.entries(state.files)) {
      const m = PREFIX.exec(name);
      if (!m || !filesOf[Number(m[1])])
        throw new LlmrError(`concat featurizer file "${name}" belongs to no part`, { field: 'featurizer.files', fix: 're-save the artifact' });
      filesOf[Number(m[1])]![m[2]!] = bytes;
    }
    const parts: Featurizer[] = [];
    for (const [i, s] of saved.entries()) parts.push(await resolve.load({ kind: s.kind, config: s.config, files: filesOf[i]! }));
    return new ConcatFeaturizer(config, parts);
  }
}

/** The registry passes itself in, so this module does not import the registry. */
export function concatSpec(resolve: PartResolver): FeaturizerSpec {
  return {
    kind: 'concat',
    description: 'several featurizers side by side (e.g. hashing n-grams + glove or transformer embeddings), weighted, L2-normalised',
    create: (config = {}) => ConcatFeaturizer.create(config, resolve),
    load: (state) => ConcatFeaturizer.load(state, resolve),
    // Each part reports its own availability when created.
    available: async () => ({ ok: true }),
  };
}
