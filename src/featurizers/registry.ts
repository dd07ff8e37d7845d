import { LlmrError, UnknownOptionError } from '../errors.js';
import { concatSpec } from './concat.js';
import type { Featurizer, FeaturizerSpec, FeaturizerState } from './Featurizer.js';
import { gloveSpec } from './glove.js';
import { hashingSpec } from './hashing.js';
import { textStatsSpec } from './textStats.js';
import { transformersSpec } from './transformers.js';

/** Every featurizer the product knows, by kind. Specs import heavy dependencies lazily. */
export const FEATURIZERS: Readonly<Record<string, FeaturizerSpec>> = {
  hashing: hashingSpec,
  glove: gloveSpec,
  transformers: transformersSpec,
  textstats: textStatsSpec,
  concat: concatSpec({ create: (kind, config) => createFeaturizer(kind, config), load: (state) => loadFeaturizer(state) }),
};

/** The default featurizer: hashing n-grams, no download. */
export const DEFAULT_FEATURIZER = 'hashing';

/** A featurizer kind and its hyper-parameters, as artifacts, configs and the CLI name one. */
export interface FeaturizerChoice {
  kind: string;
  config?: Record<string, unknown>;
}

/**
 * Named configurations, usable wherever a kind is (`--featurizer hashing+stats`); they create the featurizer
 * they stand for, so artifacts record (and load) that featurizer, not the preset name.
 * - `hashing+stats`: hashing n-grams plus standardised text statistics (weight 0.3). Measured with
 *   `llmr eval shared` against hashing alone (training/experiments/RESULTS.md, session 4): APGR on RouteLLM
 *   GSM8K kNN 0.583 → 0.641, MLP 0.573 → 0.604; MMLU MLP 0.647 → 0.664; RouterBench AIQ MLP 0.838 → 0.842; but
 *   kNN AIQ on the bundled LLMRouter sample 0.497 → 0.486, so it is not the default.
 */
export const FEATURIZER_PRESETS: Readonly<Record<string, Readonly<FeaturizerChoice>>> = {
  'hashing+stats': { kind: 'concat', config: { parts: [{ kind: 'hashing' }, { kind: 'textstats', weight: 0.3 }] } },
};

/** Every name `--featurizer` accepts: the kinds, then the presets. */
export function featurizerNames(): string[] {
  return [...Object.keys(FEATURIZERS), ...Object.keys(FEATURIZER_PRESETS)];
}

/** A preset resolved to the featurizer it names; any other kind as given. A preset takes no config. */
export function resolveFeaturizer(choice: FeaturizerChoice): FeaturizerChoice {
  const preset = FEATURIZER_PRESETS[choice.kind];
  if (!preset) return { kind: choice.kind, config: choice.config ?? {} };
  if (choice.config && Object.keys(choice.config).length > 0)
    throw new LlmrError(`featurizer preset "${choice.kind}" takes no config`, {
      field: 'featurizer.config',
      fix: `drop the config, or give the featurizer it stands for with your changes: --featurizer ${preset.kind} --featurizer-config '${JSON.stringify(preset.config)}'`,
    });
  return { kind: preset.kind, config: structuredClone(preset.config ?? {}) };
}

/** Featurizers that run a model (worth the embedding cache); the rest are cheaper to recompute. */
export function usesModel(choice: FeaturizerChoice): boolean {
  if (FEATURIZER_PRESETS[choice.kind]) return usesModel(FEATURIZER_PRESETS[choice.kind]!);
  if (FEATURIZERS[choice.kind]?.modelBacked) return true;
  const parts = (choice.config as { parts?: unknown } | undefined)?.parts;
  return choice.kind === 'concat' && Array.isArray(parts) && parts.some((p) => usesModel(p as FeaturizerChoice));
}

export function featurizerSpec(kind: string): FeaturizerSpec {
  const spec = Object.hasOwn(FEATURIZERS, kind) ? FEATURIZERS[kind] : undefined;
  if (!spec) throw new UnknownOptionError('featurizer', kind, featurizerNames(), 'featurizer');
  return spec;
}

/** A featurizer of `kind` (a registry kind or a preset) with `config`, not yet fitted. */
export function createFeaturizer(kind: string = DEFAULT_FEATURIZER, config: Record<string, unknown> = {}): Featurizer {
  const r = resolveFeaturizer({ kind, config });
  return featurizerSpec(r.kind).create(r.config);
}

export function loadFeaturizer(state: FeaturizerState): Promise<Featurizer> {
  return featurizerSpec(state.kind).load(state);
}
