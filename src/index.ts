/**
 * llm-router-tfjs: the typed public API. Importing it has no side effects (no backend started, no file read,
 * no server); entry points do that.
 *
 * @example
 * ```ts
 * import { initBackend, readRecords, trainRouter, RouterPipeline } from 'llm-router-tfjs';
 * await initBackend();                                     // best TF.js backend here (wasm without a GPU)
 * const records = await readRecords('logs.jsonl', 'scores');
 * const router = await trainRouter(records, { kind: 'knn' });
 * const d = await router.route({ prompt: 'Prove that sqrt(2) is irrational', policy: { kind: 'willingness-to-pay', wtp: 0.01 } });
 * console.log(d.model, d.alternatives);
 * await router.save('models/my-router/v1');
 * const same = await RouterPipeline.load('models/my-router/v1');
 * ```
 */

// estimators: one contract, one registry type, one seed rule
export type { Estimator, FitProgress, ModelState, Spec } from './estimator/Estimator.js';
export { Registry } from './estimator/Registry.js';
export { parseParams } from './estimator/params.js';
export { DEFAULT_SEED, resolveSeed, type SeedSource } from './estimator/seed.js';

// routers (scoring) and the pipeline that serves them
export { ROUTERS, routers, routerSpec, createRouter, loadRouter, type RouterKind } from './routers/registry.js';
export type {
  DataSize,
  Explanation,
  FitOptions,
  Neighbour,
  PairObservation,
  Router,
  RouterCapabilities,
  RouterSpec,
  RouterState,
  TrainingSet,
} from './routers/Router.js';
export { fitRouter, withPairs, type FitRouterOptions } from './routers/fitRouter.js';
export { trainRouter, pricesFromRecords, type TrainRouterOptions } from './routers/trainRouter.js';
export { buildTrainingSet, pairsFromScores, subsetTrainingSet } from './routers/trainingSet.js';
export { RouterPipeline, type PipelineMeta, type RouteRequest, type RouteResult } from './routers/RouterPipeline.js';
export { KnnRouter, KnnParamsSchema, type KnnParams } from './routers/knn.js';

// rankers (responses) and cascades
export { RANKERS, rankers, rankerSpec, createRanker, loadRanker, type RankerKind } from './rankers/registry.js';
export type { Ranker, RankerScoring, RankerSpec, RankerState, RankFeatures, RankTrainingSet } from './rankers/Ranker.js';
export { RankerPipeline, type RankerMeta, type TrainRankerOptions } from './rankers/RankerPipeline.js';
export { parseRankRequest, RankRequestSchema, RankResultSchema, type RankRequest, type RankResult } from './rankers/RankRequest.js';
export { textPairsFromRecords, type TextPair, type TextResponse } from './rankers/textPairs.js';
export { cascadeCurve, cascadeSeries, cascadeTable, calibrateCascade, selectChain, type CascadeTable } from './cascade/cascade.js';

// featurizers
export {
  createFeaturizer,
  loadFeaturizer,
  featurizerNames,
  FEATURIZERS,
  FEATURIZER_PRESETS,
  DEFAULT_FEATURIZER,
  type FeaturizerChoice,
} from './featurizers/registry.js';
export type { Featurizer, FeaturizerSpec, FeaturizerState } from './featurizers/Featurizer.js';
export { HashingFeaturizer, HashingConfigSchema, type HashingConfig } from './featurizers/hashing.js';
export { TextStatsFeaturizer } from './featurizers/textStats.js';

// policies and prices
export { decide, parsePolicy, PolicySchema, POLICY_KINDS, type CandidateScore, type Decision, type Policy, type RankedCandidate } from './policy/policy.js';
export { PriceTable, PriceTableSchema, type PriceEntry, type PriceTableData } from './prices/PriceTable.js';

// data
export { readRecords, validateFile, FILE_FORMATS, type FileFormat, type ValidationReport } from './data/readRecords.js';
export { ScoreRecordSchema, PairwiseRecordSchema, modelsOf, type PairwiseRecord, type RecordKind, type ScoreRecord } from './data/schemas.js';
export { splitRecords, type SplitOptions } from './data/split.js';
export { scoresToPairs } from './data/pairs.js';
export { importDataset, IMPORTERS } from './data/importers/registry.js';

// evaluation
export {
  evaluateRouters,
  type DatasetEval,
  type EvalOptions,
  type PairSpec,
  type RouterPredictions,
  type SeriesInput,
  type SeriesResult,
} from './eval/evaluate.js';
export { evalTableFromRecords, completeRecords, type EvalTable } from './eval/evalTable.js';
export { pipelinePredictions, predictionsFromFeatures } from './eval/predict.js';
export { calibrate, parseGoal, type CalibrationGoal, type CalibrationEntry } from './eval/calibratePolicy.js';
export { aiq, nonDecreasingHull, type CostQuality } from './eval/hull.js';
export { apgr, cpt, pgr } from './eval/routellm.js';
export { evaluateRanker, type RankerEval } from './eval/rankers/evaluateRanker.js';

// artifacts, backend, config, errors
export { readArtifact, verifyArtifact, listArtifacts, resolveArtifactDir, type Manifest } from './artifacts/artifact.js';
export { initBackend, backendLabel, BACKEND_ORDER, type BackendInfo, type BackendName } from './backend/backend.js';
export { configFromEnv, type LlmrConfig } from './config.js';
export { LlmrError, UnknownOptionError, ArtifactError, NotFittedError } from './errors.js';
export { libraryVersion, packageRoot } from './version.js';

// store (route records) and the HTTP service
export { RouteRecordSchema, RouteAttemptSchema, MemoryRouteSink, NullRouteSink, type RouteRecord, type RouteRecordSink } from './store/RouteRecord.js';
export { createApp, createService, openApi, ModelHolder, type AppOptions, type RankService, type Service } from '../serve/app.js';
export { startServer, type RunningServer, type ServeOptions } from '../serve/server.js';
export { rankService, loadRankService } from '../serve/rankService.js';
