import { z } from 'zod';
import { LlmrError, NotFittedError } from '../errors.js';
import { buildRouterIndex, loadRouterIndex, RouterIndexParams, saveRouterIndex } from '../vectorIndex/routerIndex.js';
import { ExactIndex, type SearchHit, type VectorIndex } from '../vectorIndex/VectorIndex.js';
import type { Explanation, FitOptions, OnlineBatch, Router, RouterSpec, RouterState, TrainingSet } from './Router.js';
import { bytesF32, bytesF64, columnMeans, f32Bytes, f64Bytes } from './params.js';
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
    /** Online memory (learn()): newly labelled prompts kept beside the training rows, at most this many (oldest dropped first). */
    maxOnline: z.number().int().min(0).default(10_000),
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

const KnnStateSchema = z.object({
  dim: z.number().int().positive(),
  rows: z.number().int().positive(),
  index: z.enum(['exact', 'hnsw', 'sparse', 'flat', 'usearch', 'projected']),
  indexDescriptor: z.record(z.string(), z.unknown()).optional(),
  ids: z.array(z.string()),
  means: z.array(z.number().nullable()),
  /** Ids of the online rows (learn()); their features and scores are in online.f32 / online-scores.f64. */
  online: z.array(z.string()).optional(),
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
  private prompts: string[] | null = null;
  private scores: Float64Array[] = [];
  private means: Float64Array = new Float64Array(0);
  private dim = 0;
  /** Online memory: rows added by learn(), searched with an exact index of their own beside the training index. */
  private onlineIds: string[] = [];
  private onlineFeatures: Float32Array[] = [];
  private onlineScores: Float64Array[] = [];
  private onlineIndex: ExactIndex | null = null;

  constructor(params: Partial<KnnParams> = {}) {
    this.params = parseParams('knn', KnnParamsSchema, params);
  }

  async fit(data: TrainingSet, opts: FitOptions = {}): Promise<this> {
    this.dim = checkTrainingSet('knn', data);
    requireScores('knn', data);
    this.models = [...data.models];
    this.ids = [...data.ids];
    this.prompts = this.params.keepPrompts && data.prompts ? data.prompts.map((p) => p.slice(0, PROMPT_CHARS)) : null;
    this.scores = data.scores.map((r) => Float64Array.from(r));
    this.means = columnMeans(this.scores, this.models.length);
    const n = data.features.length;
    this.index = buildRouterIndex(data.features, this.params, this.params.k, (done) =>
      opts.onProgress?.({ epoch: done, epochs: n, message: 'building HNSW index' }),
    );
    return this;
  }

  private requireIndex(): VectorIndex {
    if (!this.index) throw new NotFittedError('knn router');
    return this.index;
  }

  private checkDim(x: Float32Array): void {
    if (x.length !== this.dim)
      throw new LlmrError(`feature vector has ${x.length} dims, the knn router was trained on ${this.dim}`, {
        field: 'features',
        fix: 'use the featurizer stored with the router artifact',
      });
  }

  predictOne(x: Float32Array): Float64Array {
    this.requireIndex();
    this.checkDim(x);
    return this.fromHits(this.searchAll([x], this.params.k)[0]!);
  }

  /** Training-index hits merged with online-memory hits (online rows numbered after the training rows). */
  private searchAll(features: readonly Float32Array[], k: number): SearchHit[][] {
    const main = this.requireIndex().searchMany(features, k);
    if (!this.onlineIndex) return main;
    const base = this.scores.length;
    const extra = this.onlineIndex.searchMany(features, k);
    return main.map((hits, i) =>
      [...hits, ...extra[i]!.map((h) => ({ index: h.index + base, similarity: h.similarity }))].sort((a, b) => b.similarity - a.similarity).slice(0, k),
    );
  }

  private rowScores(i: number): Float64Array {
    return i < this.scores.length ? this.scores[i]! : this.onlineScores[i - this.scores.length]!;
  }

  private rowId(i: number): string {
    return i < this.ids.length ? this.ids[i]! : this.onlineIds[i - this.ids.length]!;
  }

  /** Rows in the online memory. */
  get onlineRows(): number {
    return this.onlineIds.length;
  }

  /**
   * Online learning: newly labelled prompts join the neighbour memory at once (score rows in the router's model
   * order, NaN where not rated); bounded by `maxOnline`, oldest dropped first. A row with an id already in the
   * memory replaces it. Training rows and model means are left as fitted; save() persists the memory.
   */
  async learn(batch: OnlineBatch): Promise<this> {
    this.requireIndex();
    const nm = this.models.length;
    const scores = batch.scores ?? [];
    if (scores.length !== batch.features.length || batch.ids.length !== batch.features.length)
      throw new LlmrError(`learn(): ${batch.ids.length} ids, ${batch.features.length} feature rows and ${scores.length} score rows`, {
        field: 'batch',
        fix: 'one id, feature row and score row per prompt',
      });
    batch.features.forEach((x, i) => {
      this.checkDim(x);
      if (scores[i]!.length !== nm) throw new LlmrError(`learn(): score row ${i} has ${scores[i]!.length} values for ${nm} models`, { field: `scores[${i}]` });
      const at = this.onlineIds.indexOf(batch.ids[i]!);
      if (at >= 0) {
        this.onlineIds.splice(at, 1);
        this.onlineFeatures.splice(at, 1);
        this.onlineScores.splice(at, 1);
      }
      this.onlineIds.push(batch.ids[i]!);
      this.onlineFeatures.push(x);
      this.onlineScores.push(Float64Array.from(scores[i]!));
    });
    const drop = this.onlineIds.length - this.params.maxOnline;
    if (drop > 0) {
      this.onlineIds.splice(0, drop);
      this.onlineFeatures.splice(0, drop);
      this.onlineScores.splice(0, drop);
    }
    this.onlineIndex = this.onlineIds.length ? ExactIndex.build(this.onlineFeatures, this.dim) : null;
    return this;
  }

  /** Similarity-weighted mean of the neighbours' scores, shrunk towards each model's mean by `prior`. */
  private fromHits(hits: SearchHit[]): Float64Array {
    const nm = this.models.length;
    const num = new Float64Array(nm);
    const den = new Float64Array(nm);
    const { power, prior } = this.params;
    for (const h of hits) {
      const w = power === 0 ? 1 : Math.max(h.similarity, 0) ** power || 1e-12;
      const row = this.rowScores(h.index);
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
    this.requireIndex();
    features.forEach((x) => this.checkDim(x));
    return this.searchAll(features, this.params.k).map((hits) => this.fromHits(hits));
  }

  async explain(x: Float32Array): Promise<Explanation> {
    const index = this.requireIndex();
    this.checkDim(x);
    const hits = this.searchAll([x], this.params.k)[0]!;
    return {
      kind: this.kind,
      index: index.kind,
      neighbours: hits.map((h) => ({
        id: this.rowId(h.index),
        similarity: Number(h.similarity.toFixed(6)),
        scores: Object.fromEntries(this.models.map((m, j) => [m, Number.isNaN(this.rowScores(h.index)[j]!) ? null : this.rowScores(h.index)[j]!])),
        ...(this.prompts?.[h.index] !== undefined ? { prompt: this.prompts[h.index] } : {}),
      })),
      ...(this.onlineIds.length ? { onlineRows: this.onlineIds.length } : {}),
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
    const files: Record<string, Uint8Array> = { 'scores.f64': f64Bytes(flat), [ix.file]: ix.bytes };
    if (this.prompts) files['prompts.json'] = new TextEncoder().encode(JSON.stringify(this.prompts));
    if (this.onlineIds.length) {
      const feats = new Float32Array(this.onlineIds.length * this.dim);
      this.onlineFeatures.forEach((f, i) => feats.set(f, i * this.dim));
      const sc = new Float64Array(this.onlineIds.length * nm);
      this.onlineScores.forEach((r, i) => sc.set(r, i * nm));
      files['online.f32'] = f32Bytes(feats);
      files['online-scores.f64'] = f64Bytes(sc);
    }
    return {
      state: {
        dim: this.dim,
        rows: this.scores.length,
        index: ix.kind,
        indexDescriptor: ix.descriptor,
        ids: this.ids,
        means: Array.from(this.means, (v) => (Number.isNaN(v) ? null : v)),
        ...(this.onlineIds.length ? { online: this.onlineIds } : {}),
      },
      files,
    };
  }

  static async load(params: Record<string, unknown>, st: RouterState, models: readonly string[]): Promise<KnnRouter> {
    const r = new KnnRouter(params as Partial<KnnParams>);
    const parsed = KnnStateSchema.safeParse(st.state);
    if (!parsed.success)
      throw new LlmrError(`knn router state is malformed: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`, {
        field: 'state',
        fix: 're-train or re-save the artifact',
      });
    const s = parsed.data;
    if (s.ids.length !== s.rows || s.means.length !== models.length)
      throw new LlmrError(`knn router state lists ${s.ids.length} ids for ${s.rows} rows and ${s.means.length} means for ${models.length} models`, {
        field: 'state',
        fix: 're-train or re-save the artifact',
      });
    r.models = [...models];
    r.dim = s.dim;
    r.ids = s.ids;
    r.means = Float64Array.from(s.means, (v) => (v === null ? Number.NaN : v));
    const flat = bytesF64(need(st.files, 'scores.f64'));
    const nm = models.length;
    if (flat.length !== s.rows * nm) throw new LlmrError(`knn scores.f64 holds ${flat.length} values, expected ${s.rows} × ${nm}`, { field: 'files' });
    r.scores = Array.from({ length: s.rows }, (_, i) => flat.slice(i * nm, (i + 1) * nm));
    const prompts = st.files['prompts.json'];
    if (prompts) r.prompts = JSON.parse(new TextDecoder().decode(prompts)) as string[];
    r.index = loadRouterIndex({ kind: s.index, descriptor: s.indexDescriptor, dim: s.dim, rows: s.rows }, st.files, Math.max(r.params.ef, r.params.k));
    if (s.online?.length) {
      const n = s.online.length;
      const feats = bytesF32(need(st.files, 'online.f32'));
      const sc = bytesF64(need(st.files, 'online-scores.f64'));
      if (feats.length !== n * s.dim || sc.length !== n * nm)
        throw new LlmrError(`knn online memory holds ${feats.length} feature and ${sc.length} score values for ${n} rows`, {
          field: 'files',
          fix: 're-save the artifact',
        });
      r.onlineIds = [...s.online];
      r.onlineFeatures = Array.from({ length: n }, (_, i) => feats.slice(i * s.dim, (i + 1) * s.dim));
      r.onlineScores = Array.from({ length: n }, (_, i) => sc.slice(i * nm, (i + 1) * nm));
      r.onlineIndex = ExactIndex.build(r.onlineFeatures, s.dim);
    }
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
  capabilities: { gradient: false, neighbours: true, explains: true, learnsOnline: 'scores' },
  fastParams: { k: 7 },
  sizeDefaults: neighbourIndexDefaults,
  create: (params) => new KnnRouter(params as Partial<KnnParams>),
  load: (params, state, models) => KnnRouter.load(params, state, models),
};
