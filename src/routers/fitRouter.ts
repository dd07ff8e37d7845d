import { resolveSeed } from '../estimator/seed.js';
import { routerSpec } from './registry.js';
import type { FitProgress, Router, RouterSpec, TrainingSet } from './Router.js';
import { pairsFromScores } from './trainingSet.js';

export interface FitRouterOptions {
  /** Early stopping / calibration rows, same models as `data` (pairs derived as for `data`). */
  validation?: TrainingSet;
  /** An explicit seed (a flag); wins over `params.seed` (see resolveSeed for the precedence). */
  seed?: number;
  /** Prompts that will be scored in one batch, when known (an evaluation's test rows): picks size defaults. */
  queryRows?: number;
  onProgress?: (p: FitProgress) => void;
}

/** `data` with the pairwise observations a pairs-capable router learns from, derived from the scores when absent. */
export function withPairs(spec: RouterSpec, data: TrainingSet): TrainingSet {
  return spec.trainsOn === 'scores' || data.pairs ? data : { ...data, pairs: pairsFromScores(data.scores) };
}

/**
 * The one way a router is trained on featurized data (the CLI, `eval shared`, experiments and benchmarks all
 * call it): the kind's size defaults (spec.sizeDefaults) under `params`, one seed (flag > params > default,
 * set both as the `seed` hyper-parameter and the fit seed), pairs derived from scores for routers that
 * learn from pairs, then `fit`.
 *
 * @example
 * ```ts
 * import { buildTrainingSet, fitRouter, HashingFeaturizer } from 'llm-router-tfjs';
 * const f = await new HashingFeaturizer().fit(records.map((r) => r.prompt));
 * const data = buildTrainingSet(records, await f.transform(records.map((r) => r.prompt)));
 * const router = await fitRouter('knn', { k: 20 }, data, { seed: 1 });
 * const quality = await router.predict(await f.transform(['Prove that 17 is prime']));
 * ```
 */
export async function fitRouter(kind: string, params: Record<string, unknown>, data: TrainingSet, opts: FitRouterOptions = {}): Promise<Router> {
  const spec = routerSpec(kind);
  const sized = spec.sizeDefaults?.({ trainRows: data.features.length, queryRows: opts.queryRows }) ?? {};
  const { seed } = resolveSeed({ flag: opts.seed, params: params.seed });
  const router = spec.create({ ...sized, ...params, seed });
  await router.fit(withPairs(spec, data), { seed, validation: opts.validation && withPairs(spec, opts.validation), onProgress: opts.onProgress });
  return router;
}
