import { evaluateRanker, type EvaluateRankerOptions, type RankerEval } from './evaluateRanker.js';
import type { RankDataset } from '../../rankers/rankData.js';
import { RankerPipeline, type TrainRankerOptions } from '../../rankers/RankerPipeline.js';

export interface TrainEvalOptions extends EvaluateRankerOptions {
  kind: string;
  params?: Record<string, unknown>;
  featurizer?: TrainRankerOptions['featurizer'];
  /** Split to score (default test). Tune on 'validation'; report 'test'. */
  split?: 'validation' | 'test';
  onProgress?: TrainRankerOptions['onProgress'];
}

/**
 * Train a ranker on a data set's train split (its validation split drives early stopping) and score it on
 * the held-out split against the baselines.
 */
export async function trainAndEvaluateRanker(
  ds: RankDataset,
  opts: TrainEvalOptions,
): Promise<{ eval: RankerEval; pipeline: RankerPipeline; seconds: number }> {
  const t0 = performance.now();
  const name = `${opts.kind}-${ds.name}`;
  const pipeline = await RankerPipeline.train(ds.train, {
    kind: opts.kind,
    params: opts.params,
    featurizer: opts.featurizer,
    validation: ds.validation,
    meta: { name, version: 'eval' },
    onProgress: opts.onProgress,
  });
  const seconds = (performance.now() - t0) / 1000;
  const split = opts.split ?? 'test';
  const pairs = ds[split];
  const prob = await pipeline.comparePairs(pairs);
  return { eval: evaluateRanker(ds.name, split, pairs, prob, { name, kind: opts.kind }, opts), pipeline, seconds };
}
