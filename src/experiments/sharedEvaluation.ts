import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { recordsDigest } from '../data/digest.js';
import { importDataset } from '../data/importers/registry.js';
import { ROUTELLM_STRONG, ROUTELLM_WEAK } from '../data/importers/routellm.js';
import type { ScoreRecord } from '../data/schemas.js';
import { modelsOf } from '../data/schemas.js';
import { splitRecords } from '../data/split.js';
import { LlmrError } from '../errors.js';
import { createFeaturizer, DEFAULT_FEATURIZER } from '../featurizers/registry.js';
import type { PriceTableData } from '../prices/PriceTable.js';
import { PriceTable } from '../prices/PriceTable.js';
import { fitRouter } from '../routers/fitRouter.js';
import { routers, routerSpec } from '../routers/registry.js';
import { RouterPipeline } from '../routers/RouterPipeline.js';
import { buildTrainingSet } from '../routers/trainingSet.js';
import { guardFromPredictions, outOfFoldPredictions, type GuardOptions, type GuardState } from '../routers/zeroGuard.js';
import { guardedSeries } from '../eval/guardedSeries.js';
import { completeRecords, evalTableFromRecords, type EvalTable } from '../eval/evalTable.js';
import { evaluateRouters, type DatasetEval, type EvalOptions, type PairSpec, type RouterPredictions, type SeriesInput } from '../eval/evaluate.js';
import { pipelineDigest, predictionsFromFeatures } from '../eval/predict.js';
import type { ArtifactInfo, DatasetInfo } from '../eval/report/report.js';

/**
 * The real data sets under ../shared/data as train/test score tables, split as the issue specifies:
 * RouterBench subset: its train/test files; test rows with every model's score. RouteLLM MMLU and GSM8K:
 * contaminated prompts removed (by the importer), 50/50 by prompt hash. LLMRouter: its train/test.
 */
export interface SharedSet {
  name: string;
  train: ScoreRecord[];
  test: ScoreRecord[];
  models: string[];
  prices: PriceTableData;
  pair?: PairSpec;
  info: DatasetInfo;
}

export const SHARED_SET_NAMES = ['routerbench', 'routellm-mmlu', 'routellm-gsm8k', 'llmrouter'] as const;

function need(root: string, folder: string): string {
  const dir = join(root, folder);
  if (!existsSync(dir))
    throw new LlmrError(`shared data folder ${dir} is missing`, {
      where: dir,
      fix: 'put the shared data at ../shared/data beside the repository, or pass --shared <dir>',
    });
  return dir;
}

export async function loadSharedSets(root: string, only: readonly string[] = SHARED_SET_NAMES): Promise<SharedSet[]> {
  for (const n of only)
    if (!(SHARED_SET_NAMES as readonly string[]).includes(n))
      throw new LlmrError(`unknown shared set "${n}"; known: ${SHARED_SET_NAMES.join(', ')}`, {
        field: '--sets',
        code: 'unknown_option',
        fix: `use some of: ${SHARED_SET_NAMES.join(', ')}`,
      });
  const out: SharedSet[] = [];
  if (only.includes('routerbench')) {
    const dir = need(root, 'routerbench-subset-via-routerdc');
    const r = await importDataset('routerbench', dir);
    const train = r.splits.train as ScoreRecord[];
    const test = r.splits.test as ScoreRecord[];
    const models = modelsOf([...train, ...test]);
    out.push({
      name: 'routerbench',
      train,
      test,
      models,
      prices: r.prices ?? {},
      info: { source: `${dir} (importer routerbench)`, split: "the files' own train/test; test rows with all model scores", notes: r.notes },
    });
  }
  const wantRoutellm = only.filter((n) => n.startsWith('routellm-'));
  if (wantRoutellm.length) {
    const dir = need(root, 'routellm-evals-2model');
    const r = await importDataset('routellm', dir);
    for (const bench of ['mmlu', 'gsm8k'] as const) {
      const name = `routellm-${bench}`;
      if (!wantRoutellm.includes(name)) continue;
      const rows = r.splits[bench] as ScoreRecord[];
      const s = splitRecords(rows, { fractions: [0.5, 0.5], names: ['train', 'test'] });
      out.push({
        name,
        train: s.train!,
        test: s.test!,
        models: [ROUTELLM_STRONG, ROUTELLM_WEAK],
        prices: r.prices ?? {},
        pair: { strong: ROUTELLM_STRONG, weak: ROUTELLM_WEAK },
        info: {
          source: `${dir} (importer routellm, ${bench})`,
          split: '50/50 by prompt hash (src/data/split.ts, no salt); contaminated prompts excluded',
          notes: r.notes.filter((n) => n.startsWith(bench) || n.startsWith('prices')),
        },
      });
    }
  }
  if (only.includes('llmrouter')) {
    const dir = need(root, 'llmrouter-ulab-9model');
    const r = await importDataset('llmrouter', dir);
    const train = r.splits.train as ScoreRecord[];
    const test = r.splits.test as ScoreRecord[];
    out.push({
      name: 'llmrouter',
      train,
      test,
      models: modelsOf([...train, ...test]),
      prices: r.prices ?? {},
      info: { source: `${dir} (importer llmrouter)`, split: 'dcrouter_preprocessed train.json / test.json', notes: r.notes },
    });
  }
  return out;
}

/** Series evaluated beside a set's routers (e.g. a cascade), with their artifacts and report notes. */
export interface ExtraSeries {
  series: SeriesInput[];
  artifacts: ArtifactInfo[];
  notes: string[];
}

export interface SharedRunOptions extends EvalOptions {
  /** Router kinds to train (default: every key of the ROUTERS registry). */
  routers?: readonly string[];
  /** Hyper-parameters per kind, e.g. {knn: {k: 40}}. */
  params?: Record<string, Record<string, unknown>>;
  /** Featurizer kind or preset (default hashing) and its config. */
  featurizer?: string;
  featurizerConfig?: Record<string, unknown>;
  /** Seed of router training (wins over params.seed; default 42, as `llmr train router`); `seed` seeds the bootstrap and random router. */
  trainSeed?: number;
  /** Series to evaluate beside the routers on the same test table (src/experiments/sharedCascade.ts: the cascade on RouterBench). */
  extraSeriesFor?: (table: EvalTable, set: SharedSet) => Promise<ExtraSeries>;
  /** The Zero-router guard of every router (default 5 folds), evaluated as "<kind> (guarded)" beside the raw router; false = raw only. */
  guard?: GuardOptions | false;
  log?: (line: string) => void;
}

export interface SharedRunResult {
  dataset: DatasetEval & { info: DatasetInfo };
  artifacts: ArtifactInfo[];
  /** Kinds that failed to train or predict on this set (kind "extra series": extraSeriesFor threw), with the error. */
  failures: { kind: string; error: string }[];
}

/** Train every requested router kind on a set's train split and evaluate all of them on its test split. */
export async function trainAndEvaluate(set: SharedSet, opts: SharedRunOptions = {}): Promise<SharedRunResult> {
  const log = opts.log ?? (() => {});
  const kinds = opts.routers ?? routers.kinds;
  for (const k of kinds) routerSpec(k);
  const prices = new PriceTable(set.prices);
  const t0 = Date.now();
  const featurizer = await createFeaturizer(opts.featurizer ?? DEFAULT_FEATURIZER, opts.featurizerConfig ?? {}).fit(set.train.map((r) => r.prompt));
  const test = completeRecords(set.test, set.models);
  const xTrain = await featurizer.transform(set.train.map((r) => r.prompt));
  const xTest = await featurizer.transform(test.map((r) => r.prompt));
  log(
    `${set.name}: featurized ${set.train.length} train + ${test.length} test prompts (${featurizer.kind}, ${featurizer.dim} dims) in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
  );
  const table = evalTableFromRecords(set.name, test, prices, set.models);
  table.dropped = set.test.length - test.length;
  const trainSet = buildTrainingSet(set.train, xTrain, set.models);
  const trainDigest = recordsDigest(set.train);
  const preds: RouterPredictions[] = [];
  const artifacts: ArtifactInfo[] = [];
  const failures: SharedRunResult['failures'] = [];
  const guarded: SeriesInput[] = [];
  const guardFolds = opts.guard === false ? 0 : (opts.guard?.folds ?? 5);
  const trainCost = set.train.map((r) => Float64Array.from(set.models, (m) => prices.cost(m, r.prompt)));
  for (const kind of kinds) {
    const t1 = Date.now();
    try {
      // the kind's size defaults (the neighbour routers' index for train × test rows) under the user's params
      const router = await fitRouter(kind, opts.params?.[kind] ?? {}, trainSet, { seed: opts.trainSeed, queryRows: test.length });
      const trainSeconds = (Date.now() - t1) / 1000;
      // as trainRouter does: out-of-fold predictions on the training rows → the Zero-router guard
      let guard: GuardState | undefined;
      if (guardFolds >= 2 && set.train.length >= 4 * guardFolds) {
        const oof = await outOfFoldPredictions(
          trainSet,
          (d, held) => fitRouter(kind, opts.params?.[kind] ?? {}, d, { seed: opts.trainSeed, queryRows: held }),
          { folds: guardFolds },
        );
        guard = guardFromPredictions(trainSet, oof, trainCost, { ...(opts.guard || {}), folds: guardFolds });
      }
      const pipeline = new RouterPipeline(
        featurizer,
        router,
        prices,
        { name: `${set.name}-${kind}`, version: 'eval', trainingData: { digest: trainDigest, rows: set.train.length, source: set.info.source } },
        undefined,
        guard,
      );
      const digest = await pipelineDigest(pipeline);
      const p = await predictionsFromFeatures(pipeline, table, xTest, kind, digest);
      preds.push(p);
      if (guard) guarded.push(guardedSeries(table, p, guard, opts.wtpPoints));
      artifacts.push({ dataset: set.name, name: kind, kind, digest, params: router.params, trainRows: set.train.length, trainSeconds });
      router.dispose?.();
      log(
        `${set.name}: ${kind} trained in ${trainSeconds.toFixed(1)}s, ${guard ? `guard (${guardFolds} folds) + ` : ''}predicted in ${((Date.now() - t1) / 1000 - trainSeconds).toFixed(1)}s`,
      );
    } catch (e) {
      const msg = e instanceof LlmrError ? e.describe() : e instanceof Error ? e.message : String(e);
      failures.push({ kind, error: msg });
      log(`${set.name}: ${kind} FAILED: ${msg.split('\n')[0]}`);
    }
  }
  let extra: ExtraSeries = { series: [], artifacts: [], notes: [] };
  if (opts.extraSeriesFor) {
    try {
      extra = await opts.extraSeriesFor(table, set);
      artifacts.push(...extra.artifacts);
    } catch (e) {
      const msg = e instanceof LlmrError ? e.describe() : e instanceof Error ? e.message : String(e);
      failures.push({ kind: 'extra series', error: msg });
      log(`${set.name}: extra series FAILED: ${msg.split('\n')[0]}`);
    }
  }
  const t2 = Date.now();
  // a reference router that failed to train cannot be compared with: say so instead of failing the set
  const reference = opts.reference && preds.some((p) => p.name === opts.reference) ? opts.reference : null;
  const referenceNote = opts.reference && !reference ? [`reference router ${opts.reference} did not train on this set: no paired comparison`] : [];
  const ev = evaluateRouters(table, preds, { ...opts, pair: set.pair ?? opts.pair, extraSeries: [...guarded, ...extra.series], reference });
  log(
    `${set.name}: evaluated ${preds.length} routers${extra.series.length ? ` + ${extra.series.length} extra series` : ''} + baselines in ${((Date.now() - t2) / 1000).toFixed(1)}s`,
  );
  const notes = [
    ...(set.info.notes ?? []),
    ...extra.notes,
    ...failures.map((f) => `${f.kind === 'extra series' ? f.kind : `router ${f.kind}`} failed: ${f.error.split('\n')[0]}`),
    ...referenceNote,
  ];
  return { dataset: { ...ev, info: { ...set.info, trainRows: set.train.length, trainDigest, notes } }, artifacts, failures };
}
