import { LlmrError } from '../errors.js';
import { modelsOf, type ScoreRecord } from '../data/schemas.js';
import { createFeaturizer } from '../featurizers/registry.js';
import { PriceTable } from '../prices/PriceTable.js';
import { recordsDigest } from '../data/digest.js';
import { fitRouter } from './fitRouter.js';
import { routerSpec } from './registry.js';
import type { FitProgress } from './Router.js';
import { RouterPipeline } from './RouterPipeline.js';
import { buildTrainingSet } from './trainingSet.js';
import { guardFromPredictions, outOfFoldPredictions, type GuardOptions, type GuardState } from './zeroGuard.js';

export interface TrainRouterOptions {
  kind: string;
  params?: Record<string, unknown>;
  featurizer?: { kind: string; config?: Record<string, unknown> };
  /** Prices per model; when absent, observed per-call costs in the records are used. */
  prices?: PriceTable;
  /** Restrict/ordering of candidate models (default: every model in the data). */
  models?: string[];
  name?: string;
  version?: string;
  /** Explicit seed; wins over params.seed (default 42; see resolveSeed). */
  seed?: number;
  validation?: ScoreRecord[];
  onProgress?: (p: FitProgress & { stage: string }) => void;
  /** Optional cached transform (embedding cache); default featurizer.transform. */
  transform?: (f: import('../featurizers/Featurizer.js').Featurizer, texts: string[]) => Promise<Float32Array[]>;
  source?: string;
  backend?: string;
  /**
   * The Zero-router guard (zeroGuard.ts): k-fold cross-validated comparison of the router's decisions with
   * the best single model's, stored in the artifact; where the router is not better, it routes as the Zero
   * router. Default on with 5 folds (skipped below 4 rows per fold); false = off.
   */
  guard?: GuardOptions | false;
}

export function pricesFromRecords(records: readonly ScoreRecord[], models: readonly string[]): PriceTable {
  const costs: Record<string, (number | null | undefined)[]> = {};
  for (const m of models) costs[m] = records.map((r) => r.cost?.[m]);
  const t = PriceTable.fromObservedCosts(costs);
  const missing = models.filter((m) => !t.has(m));
  if (missing.length)
    throw new LlmrError(`no price for ${missing.join(', ')}: the data has no per-call cost for them and no price table was given`, {
      field: 'prices',
      fix: 'pass --prices prices.json ({"<model>": {"inputPerMTok": .., "outputPerMTok": .., "meanOutputTokens": ..}} or {"perCall": usd})',
    });
  return t;
}

/**
 * Train a servable router end to end from score records: fit the featurizer on the training prompts, build
 * the training set, fit the router with fitRouter (the one training path), attach prices.
 *
 * @example
 * ```ts
 * import { readRecords, trainRouter } from 'llm-router-tfjs';
 * const records = await readRecords('data/sample/llmrouter-train.jsonl.gz', 'scores');
 * const pipeline = await trainRouter(records, { kind: 'knn', params: { k: 40 } });
 * const decision = await pipeline.route({ prompt: 'Prove that sqrt(2) is irrational', policy: { kind: 'willingness-to-pay', wtp: 0.01 } });
 * console.log(decision.model, decision.alternatives);
 * await pipeline.save('models/my-router/v1');
 * ```
 */
export async function trainRouter(records: readonly ScoreRecord[], o: TrainRouterOptions): Promise<RouterPipeline> {
  if (records.length === 0) throw new LlmrError('no training records', { field: 'data', fix: 'pass a score-table file with at least one record' });
  routerSpec(o.kind);
  const models = o.models ?? modelsOf(records);
  const prices = o.prices ?? pricesFromRecords(records, models);
  const missing = models.filter((m) => !prices.has(m));
  if (missing.length) throw new LlmrError(`price table lacks ${missing.join(', ')}`, { field: 'prices', fix: 'add every candidate model to the price table' });
  const progress = o.onProgress ?? (() => {});
  const t0 = performance.now();
  const fz = o.featurizer ?? { kind: 'hashing' };
  const featurizer = createFeaturizer(fz.kind, fz.config ?? {});
  const prompts = records.map((r) => r.prompt);
  progress({ stage: 'featurize', epoch: 0, epochs: 1, message: `fitting ${fz.kind} featurizer on ${prompts.length} prompts` });
  await featurizer.fit(prompts);
  const transform = o.transform ?? ((f, t) => f.transform(t));
  // In batches, so long featurizations (transformer models) report progress.
  const x: Float32Array[] = [];
  const batch = 512;
  for (let i = 0; i < prompts.length; i += batch) {
    x.push(...(await transform(featurizer, prompts.slice(i, i + batch))));
    progress({ stage: 'featurize', epoch: Math.min(i + batch, prompts.length), epochs: prompts.length, message: 'prompts featurized' });
  }
  const data = buildTrainingSet(records, x, models);
  const validation = o.validation?.length
    ? buildTrainingSet(
        o.validation,
        await transform(
          featurizer,
          o.validation.map((r) => r.prompt),
        ),
        models,
      )
    : undefined;
  const router = await fitRouter(o.kind, o.params ?? {}, data, { seed: o.seed, validation, onProgress: (p) => progress({ ...p, stage: 'fit' }) });
  let guard: GuardState | undefined;
  const folds = o.guard === false ? 0 : (o.guard?.folds ?? 5);
  if (folds >= 2 && records.length >= 4 * folds) {
    progress({ stage: 'guard', epoch: 0, epochs: folds, message: `cross-validating against the Zero router (${folds} folds)` });
    const oof = await outOfFoldPredictions(data, (d, held) => fitRouter(o.kind, o.params ?? {}, d, { seed: o.seed, queryRows: held }), {
      folds,
      salt: o.guard ? o.guard.salt : undefined,
    });
    const cost = records.map((r) => Float64Array.from(models, (m) => prices.cost(m, r.prompt)));
    guard = guardFromPredictions(data, oof, cost, { ...(o.guard || {}), folds });
  }
  return new RouterPipeline(
    featurizer,
    router,
    prices,
    {
      name: o.name ?? `${o.kind}-router`,
      version: o.version ?? 'dev',
      backend: o.backend,
      trainingData: { digest: recordsDigest(records), rows: records.length, source: o.source, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) },
    },
    undefined,
    guard,
  );
}
