import { LlmrError } from '../errors.js';

/** The seed used when no source gives one (every estimator and command). */
export const DEFAULT_SEED = 42;

export type SeedSource = 'flag' | 'params' | 'config' | 'default';

/**
 * The one seed of a training run, from its sources in this precedence: an explicit flag (`--seed`, an API
 * option) > the estimator's params (`--params '{"seed": 7}'`) > a config file's `seed` > DEFAULT_SEED.
 * Undefined sources are skipped; a source that is set but not an integer is an LlmrError naming it.
 *
 * @example
 * ```ts
 * resolveSeed({ params: 7, config: 3 });   // { seed: 7, source: 'params' }
 * resolveSeed({});                         // { seed: 42, source: 'default' }
 * ```
 */
export function resolveSeed(sources: { flag?: unknown; params?: unknown; config?: unknown }): { seed: number; source: SeedSource } {
  const fields: Record<Exclude<SeedSource, 'default'>, string> = { flag: '--seed', params: 'params.seed', config: 'config.seed' };
  for (const source of ['flag', 'params', 'config'] as const) {
    const v = sources[source];
    if (v === undefined || v === null || v === '') continue;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new LlmrError(`${fields[source]} must be an integer, got ${JSON.stringify(v)}`, { field: fields[source], fix: 'pass an integer seed, e.g. 42' });
    return { seed: n, source };
  }
  return { seed: DEFAULT_SEED, source: 'default' };
}
