import { z } from 'zod';
import { LlmrError, NotFittedError } from '../errors.js';
import { buildRouterIndex, loadRouterIndex, RouterIndexParams, saveRouterIndex } from '../vectorIndex/routerIndex.js';
import type { SearchHit, VectorIndex } from '../vectorIndex/VectorIndex.js';
import type { Explanation, FitOptions, Router, RouterSpec, RouterState, TrainingSet } from './Router.js';
import { bytesF64, columnMeans, f64Bytes } from './params.js';
import { checkTrainingSet, requireScores } from './validate.js';
import { parseParams } from '../estimator/params.js';
import { neighbourIndexDefaults } from './indexDefaults.js';

export const KnnParamsSchema = z
  .object({
    /** Neighbours per query. */
    k: z.number().int().min(1).max(1000).default(40),
    /** Index: search (auto | exact | approximate), legacy exactBelow, m, efConstruction, ef, quantization, sparseValues. */
    ...RouterIndexParams,
    /** Weight = max(similarity, 0)^power; 0 gives a plain mean. */
    power: z.number().min(0).default(1),
    /**
     * Prior pseudo-count: each model's prediction is shrunk towards its training mean with this many virtual
     * neighbours of weight 1 (helps models with few neighbours scored). 0 disables it.
     */
    prior: z.number().min(0).default(0),
    seed: z.number().int().default(42),
  })
  .strict();
export type KnnParams = z.infer<typeof KnnParamsSchema>;

const KnnStateSchema = z.object({
  dim: z.number().int().positive(),
  rows: z.number().int().positive(),
  index: z.enum(['exact', 'hnsw', 'sparse', 'flat', 'usearch', 'projected']),
  indexDescriptor: z.record(z.string(), z.unknown()).optional(),
  ids: z.array(z.string()),
  means: z.array(z.number().nullable()),
});

/**
 * k-nearest-neighbour router: predicted quality of model m for a prompt = similarity-weighted mean of the
 * neighbours' scores for m (neighbours with no score for m are skipped; where none has one, the model's
 * training mean). Cosine similarity over normalised features; the index (sparse or dense exact, or HNSW) is
 * chosen by estimated cost (src/vectorIndex/buildIndex.ts).
 */
export class KnnRouter implements Router {
  readonly kind = 'knn';
  readonly params: KnnParams;
  models: string[] = [];
  private index: VectorIndex | null = null;
  private ids: string[] = [];
  private scores: Float64Array[] = [];
  private means: Float64Array = new Float64Array(0);
  private dim = 0;

  constructor(params: Partial<KnnParams> = {}) {
    this.params = parseParams('knn', KnnParamsSchema, params);
  }

  async fit(data: TrainingSet, opts: FitOptions = {}): Promise<this> {
    this.dim = checkTrainingSet('knn', data);
    requireScores('knn', data);
    this.models = [...data.models];
    this.ids = [...data.ids];
    this.scores = data.scores.map((r) => Float64Array.from(r));
    this.means = columnMeans(this.scores, this.models.length);
    const n = data.features.length;
    this.index = buildRouterIndex(data.features, this.params, this.params.k, (done) => opts.onProgress?.({ epoch: done, epochs: n, message: 'building HNSW index' }));
    return this;
  }

  private requireIndex(): VectorIndex {
    if (!this.index) throw new NotFittedError('knn router');
    return this.index;
  }

  private checkDim(x: Float32Array): void {
    if (x.length !== this.dim) throw new LlmrError(`feature vector has ${x.length} dims, the knn router was trained on ${this.dim}`, { field: 'features', fix: 'use the featurizer stored with the router artifact' });
  }

  predictOne(x: Float32Array): Float64Array {
    const index = this.requireIndex();
    this.checkDim(x);
    return this.fromHits(index.search(x, this.params.k));
  }

  /** Similarity-weighted mean of the neighbours' scores, shrunk towards each model's mean by `prior`. */
  private fromHits(hits: SearchHit[]): Float64Array {
    const nm = this.models.length;
    const num = new Float64Array(nm);
    const den = new Float64Array(nm);
    const { power, prior } = this.params;
    for (const h of hits) {
      const w = power === 0 ? 1 : Math.pow(Math.max(h.similarity, 0), power) || 1e-12;
      const row = this.scores[h.index]!;
      for (let j = 0; j < nm; j++) {
        const s = row[j]!;
        if (!Number.isNaN(s)) {
          num[j]! += w * s;
          den[j]! += w;
        }
      }
    }
    const out = new Float64Array(nm);
    for (let j = 0; j < nm; j++) {
      const mean = this.means[j]!;
      const mp = Number.isNaN(mean) ? 0 : mean;
      out[j] = den[j]! + prior > 0 ? (num[j]! + prior * mp) / (den[j]! + prior) : mp;
    }
    return out;
  }

  async predict(features: readonly Float32Array[]): Promise<Float64Array[]> {
    const index = this.requireIndex();
    features.forEach((x) => this.checkDim(x));
    return index.searchMany(features, this.params.k).map((hits) => this.fromHits(hits));
  }

  async explain(x: Float32Array): Promise<Explanation> {
    const index = this.requireIndex();
    this.checkDim(x);
    const hits = index.search(x, this.params.k);
    return {
      kind: this.kind,
      index: index.kind,
      neighbours: hits.map((h) => ({
        id: this.ids[h.index]!,
        similarity: Number(h.similarity.toFixed(6)),
        scores: Object.fromEntries(this.models.map((m, j) => [m, Number.isNaN(this.scores[h.index]![j]!) ? null : this.scores[h.index]![j]!])),
      })),
    };
  }

  /** The HNSW search breadth in use; null for the exact index or before fit. */
  get ef(): number | null {
    return this.index?.ef ?? null;
  }

  async save(): Promise<RouterState> {
    const ix = saveRouterIndex(this.requireIndex());
    const nm = this.models.length;
    const flat = new Float64Array(this.scores.length * nm);
    this.scores.forEach((r, i) => flat.set(r, i * nm));
    return {
      state: { dim: this.dim, rows: this.scores.length, index: ix.kind, indexDescriptor: ix.descriptor, ids: this.ids, means: Array.from(this.means, (v) => (Number.isNaN(v) ? null : v)) },
      files: { 'scores.f64': f64Bytes(flat), [ix.file]: ix.bytes },
    };
  }

  static async load(params: Record<string, unknown>, st: RouterState, models: readonly string[]): Promise<KnnRouter> {
    const r = new KnnRouter(params as Partial<KnnParams>);
    const parsed = KnnStateSchema.safeParse(st.state);
    if (!parsed.success) throw new LlmrError(`knn router state is malformed: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`, { field: 'state', fix: 're-train or re-save the artifact' });
    const s = parsed.data;
    if (s.ids.length !== s.rows || s.means.length !== models.length) throw new LlmrError(`knn router state lists ${s.ids.length} ids for ${s.rows} rows and ${s.means.length} means for ${models.length} models`, { field: 'state', fix: 're-train or re-save the artifact' });
    r.models = [...models];
    r.dim = s.dim;
    r.ids = s.ids;
    r.means = Float64Array.from(s.means, (v) => (v === null ? Number.NaN : v));
    const flat = bytesF64(need(st.files, 'scores.f64'));
    const nm = models.length;
    if (flat.length !== s.rows * nm) throw new LlmrError(`knn scores.f64 holds ${flat.length} values, expected ${s.rows} × ${nm}`, { field: 'files' });
    r.scores = Array.from({ length: s.rows }, (_, i) => flat.slice(i * nm, (i + 1) * nm));
    r.index = loadRouterIndex({ kind: s.index, descriptor: s.indexDescriptor, dim: s.dim, rows: s.rows }, st.files, Math.max(r.params.ef, r.params.k));
    return r;
  }
}

function need(files: Record<string, Uint8Array>, name: string): Uint8Array {
  const f = files[name];
  if (!f) throw new LlmrError(`router state lacks file ${name}`, { fix: 're-train or re-save the artifact' });
  return f;
}

export const knnSpec: RouterSpec = {
  kind: 'knn',
  description: 'k nearest neighbours (exact sparse/dense or HNSW cosine index, chosen by cost), similarity-weighted mean of neighbour scores',
  trainsOn: 'scores',
  capabilities: { gradient: false, neighbours: true, explains: true },
  fastParams: { k: 7 },
  sizeDefaults: neighbourIndexDefaults,
  create: (params) => new KnnRouter(params as Partial<KnnParams>),
  load: (params, state, models) => KnnRouter.load(params, state, models),
};
