import { z } from 'zod';
import { LlmrError, NotFittedError } from '../errors.js';
import { ExactIndex, HnswIndex, type SearchHit, type VectorIndex } from '../vectorIndex/VectorIndex.js';
import type { Explanation, FitOptions, Router, RouterSpec, RouterState, TrainingSet } from './Router.js';
import { bytesF64, columnMeans, f64Bytes, parseParams } from './params.js';

export const KnnParamsSchema = z
  .object({
    /** Neighbours per query. */
    k: z.number().int().min(1).max(1000).default(40),
    /** Below this many training rows the index is exact (brute force); above, HNSW. */
    exactBelow: z.number().int().min(0).default(10000),
    /** HNSW graph degree. */
    m: z.number().int().min(2).max(128).default(16),
    efConstruction: z.number().int().min(8).default(200),
    /** HNSW search breadth (≥ k for good recall). */
    ef: z.number().int().min(1).default(100),
    /** Weight = max(similarity, 0)^power; 0 gives a plain mean. */
    power: z.number().min(0).default(1),
    /**
     * Prior pseudo-count: each model's prediction is shrunk towards its training mean with this many virtual
     * neighbours of weight 1 (helps models with few neighbours scored). 0 disables it.
     */
    prior: z.number().min(0).default(0),
    seed: z.number().int().default(42),
    /**
     * Keep the training prompts (first `PROMPT_CHARS` characters each) in the artifact, so explanations show
     * what the neighbours were. Off by default: an artifact then holds no training text, only ids.
     */
    keepPrompts: z.boolean().default(false),
  })
  .strict();
/** Characters of each training prompt a kNN artifact keeps with `keepPrompts`. */
export const PROMPT_CHARS = 200;
export type KnnParams = z.infer<typeof KnnParamsSchema>;

/**
 * k-nearest-neighbour router: predicted quality of model m for a prompt = similarity-weighted mean of the
 * neighbours' scores for m (neighbours with no score for m are skipped; where none has one, the model's
 * training mean). Cosine similarity over normalised features; exact index for small sets, HNSW above.
 */
export class KnnRouter implements Router {
  readonly kind = 'knn';
  readonly params: KnnParams;
  models: string[] = [];
  private index: VectorIndex | null = null;
  private ids: string[] = [];
  private prompts: string[] | null = null;
  private scores: Float64Array[] = [];
  private means: Float64Array = new Float64Array(0);
  private dim = 0;

  constructor(params: Partial<KnnParams> = {}) {
    this.params = parseParams('knn', KnnParamsSchema, params);
  }

  async fit(data: TrainingSet, opts: FitOptions = {}): Promise<this> {
    if (data.features.length === 0) throw new LlmrError('knn router needs at least one training row', { field: 'data', fix: 'pass a non-empty training set' });
    this.dim = data.features[0]!.length;
    this.models = [...data.models];
    this.ids = [...data.ids];
    this.prompts = this.params.keepPrompts && data.prompts ? data.prompts.map((p) => p.slice(0, PROMPT_CHARS)) : null;
    this.scores = data.scores.map((r) => Float64Array.from(r));
    this.means = columnMeans(this.scores, this.models.length);
    const n = data.features.length;
    if (n < this.params.exactBelow) {
      this.index = ExactIndex.build(data.features, this.dim);
    } else {
      const p = this.params;
      this.index = HnswIndex.build(data.features, this.dim, { m: p.m, efConstruction: p.efConstruction, efSearch: Math.max(p.ef, p.k), seed: p.seed }, (done) =>
        opts.onProgress?.({ epoch: done, epochs: n, message: 'building HNSW index' }),
      );
    }
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
        ...(this.prompts ? { prompt: this.prompts[h.index]! } : {}),
      })),
    };
  }

  async save(): Promise<RouterState> {
    const index = this.requireIndex();
    const nm = this.models.length;
    const flat = new Float64Array(this.scores.length * nm);
    this.scores.forEach((r, i) => flat.set(r, i * nm));
    return {
      state: { dim: this.dim, rows: this.scores.length, index: index.kind, ids: this.ids, means: Array.from(this.means, (v) => (Number.isNaN(v) ? null : v)) },
      files: { 'scores.f64': f64Bytes(flat), [index.kind === 'hnsw' ? 'index.hnsw' : 'index.f32']: index.serialize(), ...(this.prompts ? { 'prompts.json': new TextEncoder().encode(JSON.stringify(this.prompts)) } : {}) },
    };
  }

  static async load(params: Record<string, unknown>, st: RouterState, models: string[]): Promise<KnnRouter> {
    const r = new KnnRouter(params as Partial<KnnParams>);
    const s = st.state as { dim: number; rows: number; index: 'exact' | 'hnsw'; ids: string[]; means: (number | null)[] };
    r.models = [...models];
    r.dim = s.dim;
    r.ids = s.ids;
    r.means = Float64Array.from(s.means, (v) => (v === null ? Number.NaN : v));
    const flat = bytesF64(need(st.files, 'scores.f64'));
    const nm = models.length;
    r.scores = Array.from({ length: s.rows }, (_, i) => flat.slice(i * nm, (i + 1) * nm));
    const prompts = st.files['prompts.json'];
    if (prompts) r.prompts = JSON.parse(new TextDecoder().decode(prompts)) as string[];
    r.index = s.index === 'hnsw' ? HnswIndex.deserialize(need(st.files, 'index.hnsw'), s.dim, s.rows, Math.max(r.params.ef, r.params.k)) : ExactIndex.deserialize(need(st.files, 'index.f32'), s.dim);
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
  description: 'k nearest neighbours (exact or HNSW cosine index), similarity-weighted mean of neighbour scores',
  trainsOn: 'scores',
  create: (params) => new KnnRouter(params as Partial<KnnParams>),
  load: (params, state, models) => KnnRouter.load(params, state, models),
};
