import { UnknownOptionError } from '../errors.js';
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

export const DEFAULT_FEATURIZER = 'hashing';

export function featurizerSpec(kind: string): FeaturizerSpec {
  const spec = FEATURIZERS[kind];
  if (!spec) throw new UnknownOptionError('featurizer', kind, Object.keys(FEATURIZERS), 'featurizer');
  return spec;
}

export function createFeaturizer(kind: string = DEFAULT_FEATURIZER, config: Record<string, unknown> = {}): Featurizer {
  return featurizerSpec(kind).create(config);
}

export function loadFeaturizer(state: FeaturizerState): Promise<Featurizer> {
  return featurizerSpec(state.kind).load(state);
}
