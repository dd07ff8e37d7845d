import { modelsOf } from '../data/schemas.js';
import { LlmrError } from '../errors.js';
import { oracle } from '../eval/baselines.js';
import type { CalibrationGoal } from '../eval/calibratePolicy.js';
import { evalTableFromRecords, modelMeans, type EvalTable } from '../eval/evalTable.js';
import { PriceTable } from '../prices/PriceTable.js';
import { evaluateRanker } from '../eval/rankers/evaluateRanker.js';
import type { RankDataset } from '../rankers/rankData.js';
import type { RankerPipeline } from '../rankers/RankerPipeline.js';
import { byPrice, calibrateCascade, cascadeCurve, priceOrderedChains, selectChain, type CascadeCurve, type CascadeTable } from '../cascade/cascade.js';
import type { CascadeReport } from '../eval/cascade/cascadeReport.js';
import { rewardTable } from '../cascade/rewardTable.js';

export interface CascadeExperimentOptions {
  /** Call order; default: chosen on the calibration split (selectChain). */
  chain?: string[];
  /** Longest chain selectChain tries. */
  maxLength?: number;
  goals?: CalibrationGoal[];
  command?: string;
  now?: Date;
}

export interface PreparedCascade {
  models: string[];
  /** Calibration split (held-out train prompts) and test split, with the reward of every logged response. */
  calT: EvalTable;
  cal: CascadeTable;
  testT: EvalTable;
  test: CascadeTable;
  /** The call order: given, or the best calibration AIQ among price-ordered chains (tried > 0). */
  selected: { chain: string[]; aiq: number; tried: number };
}

/**
 * The steps every cascade evaluation shares: reward tables for the calibration split (ds.records.validation:
 * train prompts the reward model did not train on) and the test split, and the chain chosen on calibration.
 * `testTable` replaces the test table built from ds.records.test (e.g. the table routers are evaluated on:
 * the same rows and costs; its ids must be test records' ids).
 */
export async function prepareCascade(
  pipeline: RankerPipeline,
  ds: RankDataset,
  opts: { chain?: string[]; maxLength?: number; testTable?: EvalTable } = {},
): Promise<PreparedCascade> {
  if (!ds.records || !ds.prices)
    throw new LlmrError(`cascade replay needs score records with responses and costs; ${ds.name} has none`, {
      field: 'dataset',
      fix: 'use --dataset routerbench',
    });
  const prices = new PriceTable(ds.prices);
  const models = opts.testTable ? [...opts.testTable.models] : modelsOf(ds.records.test);
  const calT = evalTableFromRecords(`${ds.name}-calibration`, ds.records.validation, prices, models);
  const testT = opts.testTable ?? evalTableFromRecords(ds.name, ds.records.test, prices, models);
  const cal = await rewardTable(pipeline, calT, ds.records.validation);
  const test = await rewardTable(pipeline, testT, ds.records.test);
  const selected = opts.chain ? { chain: opts.chain, aiq: Number.NaN, tried: 0 } : selectChain(cal, { maxLength: opts.maxLength ?? 3 });
  return { models, calT, cal, testT, test, selected };
}

/**
 * Offline cascade replay on a score table with logged responses (RouterBench): rewards for every model's
 * response from a reward model; the chain and τ chosen on the calibration split (held-out train prompts the
 * reward model did not train on; budget/quality goals calibrate chain and τ together); operating points, hull
 * and AIQ on the test split, next to single models
 * and the oracle; plus the classic 2-stage cascade (cheapest → best on calibration) for reference.
 */
export async function cascadeExperiment(pipeline: RankerPipeline, ds: RankDataset, opts: CascadeExperimentOptions = {}): Promise<CascadeReport> {
  const { models, calT, cal, testT, test, selected } = await prepareCascade(pipeline, ds, opts);
  const calMeans = modelMeans(calT);
  const order = byPrice(cal);
  const bestOnCal = order.reduce((b, j) => (calMeans.quality[j]! > calMeans.quality[b]! ? j : b), order[0]!);
  const classic = [models[order[0]!]!, models[bestOnCal]!].filter((m, k, a) => a.indexOf(m) === k);
  const { quality, cost } = modelMeans(testT);
  const singles = models.map((m, j) => ({ model: m, cost: cost[j]!, quality: quality[j]! }));
  const maxCost = Math.max(...singles.map((s) => s.cost));
  const curves: CascadeCurve[] = [
    cascadeCurve(test, selected.chain, { maxCost, name: `cascade ${selected.chain.join(' → ')}${opts.chain ? '' : ' (chosen on calibration)'}` }),
  ];
  if (classic.join() !== selected.chain.join()) curves.push(cascadeCurve(test, classic, { maxCost, name: `cascade ${classic.join(' → ')} (cheapest → best)` }));
  const alternatives = opts.chain ? [] : priceOrderedChains(cal, opts.maxLength ?? 3);
  const calibrations = (opts.goals ?? []).map((g) => calibrateCascade(g, cal, selected.chain, test, alternatives));
  const o = oracle(testT);
  const rewardEval = evaluateRanker(
    ds.name,
    'test',
    ds.test,
    await pipeline.comparePairs(ds.test),
    { name: pipeline.meta.name, kind: pipeline.kind },
    { bootstrap: 200 },
  );
  return {
    title: `Cascade replay on ${ds.name} (reward model ${pipeline.meta.name})`,
    createdAt: (opts.now ?? new Date()).toISOString(),
    command: opts.command,
    dataset: { name: ds.name, rows: testT.ids.length, digest: testT.digest, models },
    singles,
    oracle: { cost: o.cost, quality: o.quality },
    curves,
    calibrations,
    rewardModel: {
      name: pipeline.meta.name,
      version: pipeline.meta.version,
      kind: pipeline.kind,
      params: pipeline.ranker.params,
      testPairAccuracy: rewardEval.ranker.accuracy,
      testPairAccuracyCI: rewardEval.ranker.ci,
      lengthBaseline: rewardEval.baselines.length.accuracy,
    },
    notes: [
      ...ds.notes,
      `calibration split: ${calT.ids.length} RouterBench train prompts held out from reward-model training (hash split); test: ${testT.ids.length} prompts (${testT.dropped} dropped for a missing score)`,
      `chain ${opts.chain ? 'given' : `chosen among ${selected.tried} price-ordered chains of ≤ ${opts.maxLength ?? 3} models by calibration AIQ (${selected.aiq.toFixed(4)})`}`,
      `reward model pairwise accuracy on right-vs-wrong test pairs: ${rewardEval.ranker.accuracy.toFixed(3)} (length baseline ${rewardEval.baselines.length.accuracy.toFixed(3)})`,
      'AIQ up to the costliest single model’s mean cost (RouterBench convention); a cascade’s hull beyond it is cut at that cost (clipHull)',
    ],
  };
}
