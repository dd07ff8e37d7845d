import type { EvalTable } from '../eval/evalTable.js';
import { modelDigest } from '../eval/predict.js';
import type { ExtraSeries } from './sharedEvaluation.js';
import { loadRankDataset } from '../rankers/rankData.js';
import { cascadeSeries, rewardPairAccuracy, tauGrid, resolveChain } from '../cascade/cascade.js';
import { prepareCascade } from './cascadeExperiment.js';
import { trainRewardModel } from '../cascade/rewardModel.js';

export interface SharedCascadeOptions {
  /** Shared data root (the folder holding routerbench-subset-via-routerdc). */
  sharedRoot: string;
  /** TF.js backend name (recorded in the reward model's meta). */
  backend: string;
  /** Longest chain tried when choosing the call order on the calibration split. */
  maxLength?: number;
  /** Reward model hyper-parameter overrides (default CASCADE_REWARD_MODEL). */
  params?: Record<string, unknown>;
  featurizerConfig?: Record<string, unknown>;
  log?: (line: string) => void;
}

/**
 * The cascade as one more series of the RouterBench evaluation, as `llmr eval cascade` builds it: a
 * Bradley–Terry reward model trained on right-vs-wrong response pairs of the RouterBench TRAIN files (minus
 * 10 % of the train prompts by hash, the calibration split, which early-stops it); the call order chosen
 * on that calibration split (best calibration AIQ among price-ordered chains); then the τ sweep replayed on
 * `table` — the very rows and logged costs the routers are evaluated on. `table`'s ids must be RouterBench
 * test ids (the shared set's test table).
 */
export async function routerbenchCascade(table: EvalTable, opts: SharedCascadeOptions): Promise<ExtraSeries> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const ds = await loadRankDataset('routerbench', opts.sharedRoot);
  const pipeline = await trainRewardModel(ds, { params: opts.params, featurizerConfig: opts.featurizerConfig, backend: opts.backend });
  const trainSeconds = (Date.now() - t0) / 1000;
  log(`${table.name}: cascade reward model (${pipeline.kind}) trained on ${ds.train.length} train pairs in ${trainSeconds.toFixed(1)}s`);
  try {
    const maxLength = opts.maxLength ?? 3;
    const prep = await prepareCascade(pipeline, ds, { maxLength, testTable: table });
    const chain = prep.selected.chain;
    const digest = await modelDigest(pipeline.featurizer, pipeline.ranker, 'ranker');
    const taus = tauGrid(prep.test, resolveChain(prep.test, chain));
    const calAcc = rewardPairAccuracy(prep.cal);
    const testAcc = rewardPairAccuracy(prep.test);
    const series = cascadeSeries(prep.test, chain, {
      name: 'cascade',
      digest,
      taus,
      description: `calls ${chain.join(' → ')} in price order and accepts the first response whose ${pipeline.kind} reward ≥ τ (the last is always accepted); ${taus.length} τ values (reward quantiles on test, ±∞); chain chosen among ${prep.selected.tried} price-ordered chains of ≤ ${maxLength} models by AIQ on the calibration split (${prep.calT.ids.length} train prompts the reward model did not train on; calibration AIQ ${prep.selected.aiq.toFixed(4)})`,
    });
    log(`${table.name}: cascade ${chain.join(' → ')} replayed at ${taus.length} τ values in ${((Date.now() - t0) / 1000 - trainSeconds).toFixed(1)}s`);
    return {
      series: [series],
      artifacts: [
        {
          dataset: table.name,
          name: 'cascade',
          kind: `cascade (${pipeline.kind} reward model)`,
          digest,
          params: { ...pipeline.ranker.params, chain },
          trainRows: ds.train.length,
          trainSeconds,
        },
      ],
      notes: [
        `cascade reward model: ${pipeline.kind} on ${ds.train.length} right-vs-wrong response pairs from ${ds.records!.train.length} train prompts (early stopping on ${ds.validation.length} pairs of the ${ds.records!.validation.length} calibration prompts); right-vs-wrong pairwise accuracy of its rewards ${calAcc.accuracy.toFixed(3)} on calibration (${calAcc.pairs} pairs), ${testAcc.accuracy.toFixed(3)} on test (${testAcc.pairs} pairs)`,
      ],
    };
  } finally {
    pipeline.dispose();
  }
}
