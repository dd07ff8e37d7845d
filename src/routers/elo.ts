import { z } from 'zod';
import { LlmrError, NotFittedError } from '../errors.js';
import { buildRouterIndex, isExactKind, loadRouterIndex, RouterIndexParams, saveRouterIndex } from '../vectorIndex/routerIndex.js';
import type { SearchHit, VectorIndex } from '../vectorIndex/VectorIndex.js';
import { leaveOneOutNeighbours } from '../tf/neighbours.js';
import { Rng } from '../util/rng.js';
import { ELO_PER_LOGIT, fitBradleyTerry, PairStats } from './bradleyTerryRatings.js';
import { calibrated, CalibrationSchema, fitCalibration, type Calibration } from './scoreCalibration.js';
import { rowPairs, type RowPairs } from './pairBatch.js';
import { bytesF32, bytesF64, f32Bytes, f64Bytes } from './params.js';
import { parseParams } from '../estimator/params.js';
import { neighbourIndexDefaults } from './indexDefaults.js';
import type { Explanation, FitOptions, OnlineBatch, PairObservation, Router, RouterSpec, RouterState, TrainingSet } from './Router.js';
import { fitScoreScale, fromUnit, ScoreScaleSchema, unitTargets, type ScoreScale } from './scoreScale.js';
import { checkTrainingSet } from './validate.js';

export const EloParamsSchema = z
  .object({
    /** Nearest training prompts whose pairs form the local ratings. */
    k: z.number().int().min(1).max(100000).default(50),
    /** Neighbour weight exp(γ · (similarity − best similarity)): the nearest counts 1; 0 weighs all k equally. */
    gamma: z.number().min(0).default(10),
    /** Final rating = globalWeight · global + (1 − globalWeight) · local (Eagle's P). */
    globalWeight: z.number().min(0).max(1).default(0.5),
    /** Gaussian prior precision of the global ratings around 0. */
    ridge: z.number().positive().default(0.01),
    /** Prior precision of the local ratings around the global ones (shrinks sparse neighbourhoods). */
    localPrior: z.number().positive().default(1),
    /** Keep tied pairs as half a win each way (else drop them). */
    ties: z.boolean().default(true),
    /** Score-scale mapping of the final ratings, fitted leave-one-out on training scores (see calibration.ts). */
    calibration: z.enum(['readout', 'platt']).default('readout'),
    /** Models with fewer observed scores than this get win-probability-vs-the-field instead. */
    minCalibration: z.number().int().min(1).default(10),
    /** Training rows (a seeded sample) used for the leave-one-out calibration fit. */
    calibrationRows: z.number().int().min(0).default(2000),
    /** Index: search (auto | exact | approximate), legacy exactBelow, m, efConstruction, ef, quantization, sparseValues. */
    ...RouterIndexParams,
    seed: z.number().int().default(42),
  })
  .strict();
export type EloParams = z.infer<typeof EloParamsSchema>;

const StateSchema = z.object({
  dim: z.number().int().positive(),
  rows: z.number().int().nonnegative(),
  index: z.enum(['exact', 'hnsw', 'sparse', 'flat', 'usearch', 'projected']),
  indexDescriptor: z.record(z.string(), z.unknown()).optional(),
  ids: z.array(z.string()),
  scale: ScoreScaleSchema,
  calibration: CalibrationSchema.nullable(),
  global: z.array(z.number()),
});

/**
 * Similarity-weighted ranking router (RouteLLM sw_ranking / Eagle). No gradient training:
 * - global Bradley–Terry (Elo) ratings from every pairwise observation;
 * - local ratings per query, fitted on the pairs of its k nearest training prompts (weighted by
 *   exp(γ(sim − sim_nearest)), prior centred on the global ratings), from the shared VectorIndex (exact or HNSW);
 * - final rating = P · global + (1 − P) · local; `update()` adds new observations online.
 * Output: a calibration of the final ratings (default `readout`), fitted leave-one-out on training rows with
 * scores (score scale); pairwise-only data gets each model's win probability against the field.
 */
export class EloRouter implements Router {
  readonly kind = 'elo';
  readonly params: EloParams;
  models: string[] = [];
  private dim = 0;
  private ids: string[] = [];
  private features: Float32Array[] = [];
  private pairs: RowPairs | null = null;
  private globalStats: PairStats | null = null;
  private global: Float64Array = new Float64Array(0);
  private index: VectorIndex | null = null;
  private scale: ScoreScale = { lo: 0, hi: 1, binary: false, observed: 0 };
  private calib: Calibration | null = null;

  constructor(params: Partial<EloParams> = {}) {
    this.params = parseParams('elo', EloParamsSchema, params);
  }

  async fit(data: TrainingSet, opts: FitOptions = {}): Promise<this> {
    this.dim = checkTrainingSet(this.kind, data);
    const p = this.params;
    this.models = [...data.models];
    this.ids = [...data.ids];
    this.features = [...data.features];
    this.pairs = rowPairs(data, { ties: p.ties });
    this.global = new Float64Array(0);
    this.collectGlobal();
    this.refitGlobal();
    this.buildIndex(opts);
    this.scale = fitScoreScale(data.scores);
    this.calib = null;
    if (this.scale.observed > 0 && p.calibrationRows > 0) {
      const n = data.features.length;
      const rows =
        n <= p.calibrationRows
          ? [...Array(n).keys()]
          : new Rng(opts.seed ?? p.seed)
              .permutation(n)
              .slice(0, p.calibrationRows)
              .sort((a, b) => a - b);
      const nm = this.models.length;
      const raw = new Float32Array(rows.length * nm);
      // Exact index: all leave-one-out neighbour lists from batched matMuls; HNSW: one search per row.
      const hits = isExactKind(this.index!.kind) ? await leaveOneOutNeighbours(this.features, rows, p.k) : null;
      rows.forEach((r, i) => {
        raw.set(this.ratingsFrom(hits ? hits[i]! : this.neighbours(data.features[r]!, r)).final, i * nm);
        if (i % 200 === 199) opts.onProgress?.({ epoch: i + 1, epochs: rows.length, message: 'leave-one-out calibration' });
      });
      this.calib = fitCalibration(p.calibration, raw, unitTargets(this.scale, data.scores, rows, nm), nm);
    }
    return this;
  }

  /** Global pair statistics from every stored observation. */
  private collectGlobal(): void {
    const stats = new PairStats(this.models.length);
    for (const l of this.pairs!.byRow) addRow(stats, l, 1);
    this.globalStats = stats;
  }

  private refitGlobal(): void {
    this.global = fitBradleyTerry(this.globalStats!, { ridge: this.params.ridge, start: this.global.length === this.models.length ? this.global : undefined });
  }

  private buildIndex(opts: FitOptions = {}): void {
    const p = this.params;
    const n = this.features.length;
    this.index = buildRouterIndex(this.features, p, p.k + 1, (done) => opts.onProgress?.({ epoch: done, epochs: n, message: 'building HNSW index' }));
  }

  private requireIndex(): VectorIndex {
    if (!this.index || !this.pairs) throw new NotFittedError('elo router');
    return this.index;
  }

  private checkDim(x: Float32Array, where: string): void {
    if (x.length !== this.dim)
      throw new LlmrError(`feature vector ${where} has ${x.length} dims, the elo router was trained on ${this.dim}`, {
        field: 'features',
        fix: 'use the featurizer stored with the router artifact',
      });
  }

  private neighbours(x: Float32Array, exclude = -1): SearchHit[] {
    const hits = this.requireIndex().search(x, this.params.k + (exclude >= 0 ? 1 : 0));
    return hits.filter((h) => h.index !== exclude).slice(0, this.params.k);
  }

  /** Global, local and final ratings for one query. */
  private ratings(x: Float32Array): { global: Float64Array; local: Float64Array; final: Float64Array; hits: SearchHit[] } {
    return this.ratingsFrom(this.neighbours(x));
  }

  /** Ratings from a query's neighbours: local Bradley–Terry fit on their weighted pairs, blended with global. */
  private ratingsFrom(hits: SearchHit[]): { global: Float64Array; local: Float64Array; final: Float64Array; hits: SearchHit[] } {
    const p = this.params;
    const stats = new PairStats(this.models.length);
    const top = hits.length > 0 ? hits[0]!.similarity : 0;
    for (const h of hits) {
      const w = p.gamma === 0 ? 1 : Math.exp(p.gamma * (h.similarity - top));
      addRow(stats, this.pairs!.byRow[h.index]!, w);
    }
    const local = fitBradleyTerry(stats, { ridge: p.localPrior, prior: this.global, iterations: 15 });
    const final = this.global.map((g, j) => p.globalWeight * g + (1 - p.globalWeight) * local[j]!);
    return { global: this.global, local, final, hits };
  }

  private quality(r: Float64Array): Float64Array {
    return r.map((_, j) => fromUnit(this.scale, calibrated(this.calib, r, j, this.params.minCalibration)));
  }

  async predict(features: readonly Float32Array[]): Promise<Float64Array[]> {
    const index = this.requireIndex();
    features.forEach((x, i) => this.checkDim(x, `${i}`));
    return index.searchMany(features, this.params.k).map((hits) => this.quality(this.ratingsFrom(hits).final));
  }

  /**
   * Online update: new prompts (feature rows) with pairwise observations whose `row` indexes `batch.features`.
   * Global ratings are refitted on all observations and the new prompts join the neighbour index; the
   * calibration maps stay as fitted.
   */
  async update(batch: { features: readonly Float32Array[]; pairs: readonly PairObservation[]; ids?: readonly string[] }): Promise<this> {
    this.requireIndex();
    batch.features.forEach((x, i) => this.checkDim(x, `update row ${i}`));
    const nm = this.models.length;
    const base = this.features.length;
    const lists: number[][] = batch.features.map(() => []);
    batch.pairs.forEach((p, i) => {
      if (!(p.row >= 0 && p.row < batch.features.length) || !(p.a >= 0 && p.a < nm) || !(p.b >= 0 && p.b < nm) || p.a === p.b || !(p.y >= 0 && p.y <= 1))
        throw new LlmrError(`update pair ${i} is invalid (row ${p.row}, a ${p.a}, b ${p.b}, y ${p.y})`, {
          field: `pairs[${i}]`,
          fix: `row < ${batch.features.length}, a ≠ b < ${nm}, y ∈ [0,1]`,
        });
      if (!this.params.ties && p.y === 0.5) return;
      const [a, b, y] = p.a < p.b ? [p.a, p.b, p.y] : [p.b, p.a, 1 - p.y];
      lists[p.row]!.push(a, b, y);
    });
    for (const [i, x] of batch.features.entries()) {
      const l = Float64Array.from(lists[i]!);
      this.features.push(x);
      this.ids.push(batch.ids?.[i] ?? `update-${base + i}`);
      this.pairs!.byRow.push(l);
      addRow(this.globalStats!, l, 1);
    }
    this.pairs!.total += batch.pairs.length;
    this.refitGlobal();
    this.buildIndex();
    return this;
  }

  /** Online learning (Router.learn): pairwise observations over new prompts go through update(). */
  async learn(batch: OnlineBatch): Promise<this> {
    if (!batch.pairs?.length) return this;
    return this.update({ features: batch.features, pairs: batch.pairs, ids: batch.ids });
  }

  /** Global ratings in Elo points (400 per factor-10 odds), centred on the mean. */
  eloRatings(): Record<string, number> {
    this.requireIndex();
    const mean = this.global.reduce((s, v) => s + v, 0) / Math.max(1, this.global.length);
    return Object.fromEntries(this.models.map((m, j) => [m, Math.round(1000 + ELO_PER_LOGIT * (this.global[j]! - mean))]));
  }

  async explain(x: Float32Array): Promise<Explanation> {
    this.requireIndex();
    this.checkDim(x, 'to explain');
    const r = this.ratings(x);
    const elo = (v: Float64Array) => Object.fromEntries(this.models.map((m, j) => [m, Number((ELO_PER_LOGIT * v[j]!).toFixed(1))]));
    return {
      kind: this.kind,
      index: this.index!.kind,
      neighbours: r.hits.map((h) => ({ id: this.ids[h.index]!, similarity: Number(h.similarity.toFixed(6)), scores: {} })),
      ratings: { global: elo(r.global), local: elo(r.local), final: elo(r.final) },
      notes: ['ratings in Elo points relative to 0 (400 per factor-10 odds)'],
    };
  }

  /** The HNSW search breadth in use; null for the exact index or before fit. */
  get ef(): number | null {
    return this.index?.ef ?? null;
  }

  async save(): Promise<RouterState> {
    const index = this.requireIndex();
    const pr = this.pairs!;
    const flat: number[] = [];
    pr.byRow.forEach((l, r) => {
      for (let k = 0; k < l.length; k += 3) flat.push(r, l[k]!, l[k + 1]!, l[k + 2]!);
    });
    const feats = new Float32Array(this.features.length * this.dim);
    this.features.forEach((f, i) => feats.set(f, i * this.dim));
    const files: Record<string, Uint8Array> = { 'features.f32': f32Bytes(feats), 'pairs.f64': f64Bytes(Float64Array.from(flat)) };
    // Exact indexes are rebuilt from features.f32 at load (no second copy of the vectors); HNSW graphs are stored.
    const ix = isExactKind(index.kind) ? null : saveRouterIndex(index);
    if (ix) files[ix.file] = ix.bytes;
    return {
      state: {
        dim: this.dim,
        rows: this.features.length,
        index: index.kind,
        ...(ix ? { indexDescriptor: ix.descriptor } : {}),
        ids: this.ids,
        scale: this.scale,
        calibration: this.calib,
        global: Array.from(this.global),
      },
      files,
    };
  }

  /** Drop the index and stored rows (no native tensors to free). */
  dispose(): void {
    this.index = null;
    this.pairs = null;
    this.features = [];
  }

  static async load(params: Record<string, unknown>, st: RouterState, models: readonly string[]): Promise<EloRouter> {
    const r = new EloRouter(params as Partial<EloParams>);
    const parsed = StateSchema.safeParse(st.state);
    if (!parsed.success)
      throw new LlmrError(`elo router state is malformed: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`, {
        field: 'state',
        fix: 're-train or re-save the artifact',
      });
    const s = parsed.data;
    const need = (name: string) => {
      const f = st.files[name];
      if (!f) throw new LlmrError(`elo router state lacks file ${name}`, { fix: 're-train or re-save the artifact' });
      return f;
    };
    const feats = bytesF32(need('features.f32'));
    if (feats.length !== s.rows * s.dim)
      throw new LlmrError(`elo features.f32 holds ${feats.length} values, expected ${s.rows} × ${s.dim}`, { field: 'files' });
    r.models = [...models];
    r.dim = s.dim;
    r.ids = s.ids;
    r.scale = s.scale;
    r.calib = s.calibration;
    r.global = Float64Array.from(s.global);
    r.features = Array.from({ length: s.rows }, (_, i) => feats.slice(i * s.dim, (i + 1) * s.dim));
    const flat = bytesF64(need('pairs.f64'));
    const lists: number[][] = Array.from({ length: s.rows }, () => []);
    const nm = models.length;
    for (let k = 0; k + 4 <= flat.length; k += 4) {
      const [row, a, b, y] = [flat[k]!, flat[k + 1]!, flat[k + 2]!, flat[k + 3]!];
      if (!(row >= 0 && row < s.rows && a >= 0 && a < nm && b >= 0 && b < nm && y >= 0 && y <= 1))
        throw new LlmrError(`elo pairs.f64 entry ${k / 4} is out of range`, { field: 'files', fix: 're-train or re-save the artifact' });
      lists[row]!.push(a, b, y);
    }
    r.pairs = { nModels: nm, byRow: lists.map((l) => Float64Array.from(l)), total: Math.floor(flat.length / 4) };
    r.collectGlobal();
    r.index = isExactKind(s.index)
      ? buildRouterIndex(r.features, { ...r.params, search: 'exact', exactBelow: undefined }, r.params.k + 1)
      : loadRouterIndex({ kind: s.index, descriptor: s.indexDescriptor, dim: s.dim, rows: s.rows }, st.files, Math.max(r.params.ef, r.params.k + 1));
    return r;
  }
}

function addRow(stats: PairStats, l: Float64Array, w: number): void {
  for (let k = 0; k < l.length; k += 3) stats.add(l[k]!, l[k + 1]!, l[k + 2]!, w);
}

export const eloSpec: RouterSpec = {
  kind: 'elo',
  description:
    'similarity-weighted Bradley–Terry/Elo ratings (RouteLLM sw_ranking, Eagle): global + nearest-neighbour ratings, online update(); calibrated to the score scale',
  trainsOn: 'either',
  capabilities: { gradient: false, neighbours: true, explains: true, learnsOnline: 'pairs' },
  fastParams: { k: 10 },
  sizeDefaults: neighbourIndexDefaults,
  create: (params) => new EloRouter(params as Partial<EloParams>),
  load: (params, state, models) => EloRouter.load(params, state, models),
};
