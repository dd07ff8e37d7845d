import { LlmrError } from '../errors.js';
import type { Featurizer } from '../featurizers/Featurizer.js';
import type { PriceTable } from '../prices/PriceTable.js';
import type { Router } from '../routers/Router.js';
import type { RouterPipeline } from '../routers/RouterPipeline.js';
import { sha256Hex } from '../util/hash.js';
import type { EvalTable } from './evalTable.js';
import type { RouterPredictions } from './evaluate.js';

/** Column j of the result = router column of table model j; a model the router does not know → error. */
function columnMap(router: Router, t: EvalTable, name: string): number[] {
  const idx = new Map(router.models.map((m, j) => [m, j]));
  const missing = t.models.filter((m) => !idx.has(m));
  if (missing.length)
    throw new LlmrError(`router "${name}" does not know model(s) ${missing.join(', ')} of the test data; it knows: ${router.models.join(', ')}`, {
      field: 'models',
      fix: 'evaluate on data with the models the router was trained on (or pass --models)',
    });
  return t.models.map((m) => idx.get(m)!);
}

/**
 * A router's predictions on an EvalTable from precomputed features of the table's prompts (same row
 * order): predicted quality per table model, and the expected cost per call the router decides with — the
 * pipeline's own prices, or `prices` when the evaluation is run under another price table (`eval router
 * --prices`).
 */
export async function predictionsFromFeatures(
  p: RouterPipeline,
  t: EvalTable,
  features: readonly Float32Array[],
  name: string,
  digest?: string,
  prices: PriceTable = p.prices,
): Promise<RouterPredictions> {
  if (features.length !== t.ids.length) throw new LlmrError(`${features.length} feature rows for ${t.ids.length} test rows`, { field: 'features' });
  const cols = columnMap(p.router, t, name);
  const raw = await p.router.predict(features);
  const pred = raw.map((r) => Float64Array.from(cols, (c) => r[c]!));
  const expectedCost = t.prompts.map((prompt) => Float64Array.from(t.models, (m) => prices.cost(m, prompt)));
  return { name, kind: p.router.kind, digest, pred, expectedCost };
}

/** Featurize the table's prompts with the pipeline's featurizer (in chunks) and predict. */
export async function pipelinePredictions(
  p: RouterPipeline,
  t: EvalTable,
  name = p.meta.name,
  digest?: string,
  chunk = 1024,
  prices?: PriceTable,
): Promise<RouterPredictions> {
  const feats: Float32Array[] = [];
  for (let i = 0; i < t.prompts.length; i += chunk) feats.push(...(await p.featurizer.transform(t.prompts.slice(i, i + chunk))));
  return predictionsFromFeatures(p, t, feats, name, digest, prices);
}

/** A fitted model that can save itself: a router or a ranker. */
export interface SavableModel {
  readonly kind: string;
  readonly params: Record<string, unknown>;
  save(): Promise<{ state: Record<string, unknown>; files: Record<string, Uint8Array> }>;
}

/**
 * Identity of a fitted featurizer + model without writing them: sha256 over kind, params, featurizer config,
 * the model's candidates (routers) and the sha256 of every saved file and of the JSON state (what the
 * artifact's manifest would pin). Files are named `featurizer/…` and `<role>/…`.
 */
export async function modelDigest(featurizer: Featurizer, model: SavableModel, role: string, models?: readonly string[]): Promise<string> {
  const f = await featurizer.save();
  const r = await model.save();
  const files = Object.fromEntries(
    [
      ...Object.entries(f.files).map(([k, v]) => [`featurizer/${k}`, sha256Hex(v)]),
      ...Object.entries(r.files).map(([k, v]) => [`${role}/${k}`, sha256Hex(v)]),
    ].sort(),
  );
  return sha256Hex(
    JSON.stringify({
      kind: model.kind,
      params: model.params,
      featurizer: { kind: f.kind, config: f.config },
      models,
      state: sha256Hex(JSON.stringify(r.state)),
      files,
    }),
  );
}

/** Identity of a trained router pipeline (modelDigest of its featurizer and router). */
export async function pipelineDigest(p: RouterPipeline): Promise<string> {
  return modelDigest(p.featurizer, p.router, 'router', p.router.models);
}
