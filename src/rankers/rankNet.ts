import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LlmrError, NotFittedError } from '../errors.js';
import { dense, embeddingLookup, maskedBceWithLogits } from '../tf/ops.js';
import { readTidy } from '../tf/read.js';
import { glorotUniform, packWeights, unpackWeights, variableFrom, WeightSpecSchema } from '../tf/weights.js';
import { TRAIN_PARAMS, trainConfigOf, trainVariables, type Objective, type StepContext, type TrainResult } from '../train/harness.js';
import { Rng } from '../util/rng.js';
import {
  sigmoidSym,
  type RankFeatures,
  type Ranker,
  type RankerScoring,
  type RankerSpec,
  type RankerState,
  type RankFitOptions,
  type RankTrainingSet,
} from './Ranker.js';
import { parseParams } from '../estimator/params.js';
import { compareSparse, densifyRows } from './sparse.js';
import { TEXT_FEATURE_COUNT } from './textFeatures.js';

/** Hyper-parameters shared by the pairwise ranker and the Bradley–Terry reward model. */
export const RankNetParamsSchema = z
  .object({
    ...TRAIN_PARAMS,
    epochs: TRAIN_PARAMS.epochs.default(60),
    batchSize: TRAIN_PARAMS.batchSize.default(32),
    lr: TRAIN_PARAMS.lr.default(3e-3),
    patience: TRAIN_PARAMS.patience.default(8),
    valFraction: TRAIN_PARAMS.valFraction.default(0.15),
    weightDecay: TRAIN_PARAMS.weightDecay.default(1e-3),
    /** Width of the shared projection of prompt and response features; 0 = no projection and no MLP (linear model). */
    embed: z.number().int().min(0).max(1024).default(16),
    /** Hidden layer widths of the MLP over the (pair) representation. */
    hidden: z.array(z.number().int().min(1).max(4096)).max(3).default([16]),
    dropout: z.number().min(0).max(0.9).default(0.3),
    /** A linear term over the response's featurizer vector (bag of n-grams), besides the MLP. */
    linear: z.boolean().default(true),
    /** A learned bias per model that wrote the response (unknown models get 0). Needs `model` on the items. */
    modelBias: z.boolean().default(false),
    /** How ties (y = 0.5) train: 'half' = soft target 0.5 (pull P towards ½), 'skip' = leave them out. */
    ties: z.enum(['half', 'skip']).default('half'),
  })
  .strict();
export type RankNetParams = z.infer<typeof RankNetParamsSchema>;

const StateSchema = z.object({
  dim: z.number().int().positive(),
  extraMean: z.array(z.number()),
  extraStd: z.array(z.number()),
  models: z.array(z.string()),
  weights: WeightSpecSchema,
});

const WEIGHTS_FILE = 'weights.f32';
const CHUNK = 256;

/** Tensors of one batch of ordered pairs (a, b) of items. */
interface PairBatch {
  xa: tf.Tensor2D;
  xb: tf.Tensor2D;
  xp: tf.Tensor2D;
  ca: tf.Tensor2D;
  cb: tf.Tensor2D;
  ma: tf.Tensor1D;
  mb: tf.Tensor1D;
}

/**
 * One network for both ranker families, scoring a directed pair with g(a, b) and giving
 * d(a, b) = g(a, b) − g(b, a), P(a better) = σ(d). Antisymmetric by construction: d(b, a) = −d(a, b).
 *
 *   g(a, b) = w·x_a + q·c_a + bias[model_a] + MLP(z)
 *   e_* = x_* · P (shared projection of prompt and response features)
 *   pairwise (PairRanker):  z = [e_p, e_a, e_b, e_a − e_b, e_a ⊙ e_b, e_p ⊙ e_a, e_p ⊙ e_b, c_a, c_b, c_a − c_b]
 *   reward (Bradley–Terry): z = [e_p, e_a, e_p ⊙ e_a, c_a]  → g(a, ·) = r(a), d = r(a) − r(b)
 *
 * x = the featurizer's vector of the response, c = standardised cheap text features. Trained with the soft
 * BCE of d against y ∈ {0, ½, 1}, i.e. softplus(−d) for a won pair: the Bradley–Terry loss
 * −log σ(r_chosen − r_rejected) written without tf.logSigmoid (whose gradient throws on wasm).
 */
export class RankNet implements Ranker {
  readonly params: RankNetParams;
  private vars: Record<string, tf.Variable> | null = null;
  private dim = 0;
  private extraMean = new Float32Array(TEXT_FEATURE_COUNT);
  private extraStd = new Float32Array(TEXT_FEATURE_COUNT).fill(1);
  /** Model vocabulary for the per-model bias; id 0 = unknown. */
  private modelNames: string[] = [];
  /** Training history of the last fit; null after load. */
  lastTrain: TrainResult | null = null;

  constructor(
    readonly kind: string,
    readonly scoring: RankerScoring,
    params: Partial<RankNetParams> = {},
  ) {
    this.params = parseParams(kind, RankNetParamsSchema, params, 'ranker');
  }

  private get pairwise(): boolean {
    return this.scoring === 'pairwise';
  }

  private requireVars(): Record<string, tf.Variable> {
    if (!this.vars) throw new NotFittedError(`${this.kind} ranker`);
    return this.vars;
  }

  private zWidth(): number {
    const k = this.params.embed;
    const c = TEXT_FEATURE_COUNT;
    return this.pairwise ? 7 * k + 3 * c : 3 * k + c;
  }

  private initVars(dim: number, nModels: number, seed: number): void {
    const rng = new Rng(seed);
    const p = this.params;
    const init: Record<string, { values: Float32Array; shape: number[] }> = {
      q: { values: new Float32Array(TEXT_FEATURE_COUNT), shape: [TEXT_FEATURE_COUNT, 1] },
    };
    if (p.linear) init.w = { values: new Float32Array(dim), shape: [dim, 1] };
    if (p.modelBias) init.mb = { values: new Float32Array(nModels + 1), shape: [nModels + 1, 1] };
    if (p.embed > 0) {
      init.proj = { values: glorotUniform(rng, dim, p.embed, Math.sqrt(dim / 64)), shape: [dim, p.embed] };
      let width = this.zWidth();
      p.hidden.forEach((h, i) => {
        init[`w${i}`] = { values: glorotUniform(rng, width, h), shape: [width, h] };
        init[`b${i}`] = { values: new Float32Array(h), shape: [h] };
        width = h;
      });
      init.wOut = { values: glorotUniform(rng, width, 1, 0.1), shape: [width, 1] };
    }
    this.setVars(init);
  }

  private setVars(init: Record<string, { values: Float32Array; shape: number[] }>): void {
    this.dispose();
    this.vars = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, variableFrom(v.values, v.shape, `${this.kind}_${k}`)]));
  }

  /** Dense tensors of a batch of ordered pairs. */
  private batch(data: RankFeatures, pairs: readonly (readonly [number, number])[]): PairBatch {
    const items = data.items;
    const c = TEXT_FEATURE_COUNT;
    const extras = (side: 0 | 1) => {
      const buf = new Float32Array(pairs.length * c);
      pairs.forEach((pr, i) => {
        const e = items[pr[side]]!.extra;
        for (let j = 0; j < c; j++) buf[i * c + j] = (e[j]! - this.extraMean[j]!) / this.extraStd[j]!;
      });
      return tf.tensor2d(buf, [pairs.length, c]);
    };
    const ids = (side: 0 | 1) =>
      tf.tensor1d(
        Int32Array.from(pairs, (pr) => this.modelId(items[pr[side]]!.model)),
        'int32',
      );
    const rows = (vecs: Parameters<typeof densifyRows>[0]) => tf.tensor2d(densifyRows(vecs, this.dim), [pairs.length, this.dim]);
    return {
      xa: rows(pairs.map((pr) => items[pr[0]]!.x)),
      xb: rows(pairs.map((pr) => items[pr[1]]!.x)),
      xp: rows(pairs.map((pr) => data.prompts[items[pr[0]]!.prompt]!)),
      ca: extras(0),
      cb: extras(1),
      ma: ids(0),
      mb: ids(1),
    };
  }

  private modelId(model: string | undefined): number {
    if (!this.params.modelBias || model === undefined) return 0;
    const i = this.modelNames.indexOf(model);
    return i < 0 ? 0 : i + 1;
  }

  /** g(first, second) for the rows of a batch, [n, 1]. */
  private g(
    x1: tf.Tensor2D,
    c1: tf.Tensor2D,
    m1: tf.Tensor1D,
    e: { p: tf.Tensor2D; a: tf.Tensor2D; b: tf.Tensor2D } | null,
    c2: tf.Tensor2D,
    ctx?: StepContext,
  ): tf.Tensor2D {
    const v = this.requireVars();
    const p = this.params;
    let out = dense(c1, v.q as unknown as tf.Tensor2D);
    if (v.w) out = tf.add(out, dense(x1, v.w as unknown as tf.Tensor2D));
    if (v.mb) out = tf.add(out, embeddingLookup(v.mb as unknown as tf.Tensor2D, m1));
    if (e) {
      const drop = (t: tf.Tensor2D) => (ctx?.training && p.dropout > 0 ? (tf.dropout(t, p.dropout, undefined, ctx.rng.int(2 ** 31)) as tf.Tensor2D) : t);
      const parts = this.pairwise
        ? [e.p, e.a, e.b, tf.sub(e.a, e.b), tf.mul(e.a, e.b), tf.mul(e.p, e.a), tf.mul(e.p, e.b), c1, c2, tf.sub(c1, c2)]
        : [e.p, e.a, tf.mul(e.p, e.a), c1];
      let h = drop(tf.concat(parts, 1) as tf.Tensor2D);
      for (let i = 0; i < p.hidden.length; i++) h = drop(tf.relu(dense(h, v[`w${i}`] as unknown as tf.Tensor2D, v[`b${i}`] as unknown as tf.Tensor1D)));
      out = tf.add(out, dense(h, v.wOut as unknown as tf.Tensor2D));
    }
    return out as tf.Tensor2D;
  }

  /** d(a, b) = g(a, b) − g(b, a) for a batch, [n]. */
  private diff(b: PairBatch, ctx?: StepContext): tf.Tensor1D {
    const v = this.requireVars();
    let ea: tf.Tensor2D | undefined;
    let eb: tf.Tensor2D | undefined;
    let ep: tf.Tensor2D | undefined;
    if (v.proj) {
      const n = b.xa.shape[0];
      const e = dense(tf.concat([b.xa, b.xb, b.xp], 0) as tf.Tensor2D, v.proj as unknown as tf.Tensor2D);
      [ea, eb, ep] = tf.split(e, [n, n, n], 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    }
    const gab = this.g(b.xa, b.ca, b.ma, ea ? { p: ep!, a: ea, b: eb! } : null, b.cb, ctx);
    const gba = this.g(b.xb, b.cb, b.mb, ea ? { p: ep!, a: eb!, b: ea } : null, b.ca, ctx);
    return tf.reshape(tf.sub(gab, gba), [-1]) as tf.Tensor1D;
  }

  /** Reward r(item) = g(item, ·) of a reward model, [n]. */
  private rewardRows(data: RankFeatures, items: readonly number[]): Promise<Float32Array> {
    return readTidy(() => {
      const b = this.batch(
        data,
        items.map((i) => [i, i] as const),
      );
      const v = this.requireVars();
      let e: { p: tf.Tensor2D; a: tf.Tensor2D; b: tf.Tensor2D } | null = null;
      if (v.proj) {
        const ea = dense(b.xa, v.proj as unknown as tf.Tensor2D);
        e = { p: dense(b.xp, v.proj as unknown as tf.Tensor2D), a: ea, b: ea };
      }
      return this.g(b.xa, b.ca, b.ma, e, b.ca);
    });
  }

  private checkData(data: RankFeatures, what: string): void {
    if (data.dim !== this.dim)
      throw new LlmrError(`${what} features have ${data.dim} dims, the ${this.kind} ranker was trained on ${this.dim}`, {
        field: 'features',
        fix: 'use the featurizer stored with the ranker artifact',
      });
  }

  private objective(data: RankTrainingSet): Objective & { accuracy(rows: readonly number[]): Promise<number>; groups: Int32Array } {
    const pairs = this.params.ties === 'skip' ? data.pairs.filter((p) => p.y !== 0.5) : data.pairs;
    const self = this;
    return {
      size: pairs.length,
      groups: Int32Array.from(pairs, (p) => data.items[p.a]!.prompt),
      loss(rows, ctx) {
        const sel = rows.map((r) => pairs[r]!);
        const d = self.diff(
          self.batch(
            data,
            sel.map((p) => [p.a, p.b] as const),
          ),
          ctx,
        );
        const y = tf.tensor1d(Float32Array.from(sel, (p) => p.y));
        return maskedBceWithLogits(d, y, tf.onesLike(y));
      },
      async accuracy(rows) {
        const sel = rows.map((r) => pairs[r]!).filter((p) => p.y !== 0.5);
        if (sel.length === 0) return Number.NaN;
        let right = 0;
        for (let i = 0; i < sel.length; i += CHUNK) {
          const chunk = sel.slice(i, i + CHUNK);
          const d = await readTidy(() =>
            self.diff(
              self.batch(
                data,
                chunk.map((p) => [p.a, p.b] as const),
              ),
            ),
          );
          chunk.forEach((p, k) => {
            if ((d[k]! > 0 && p.y > 0.5) || (d[k]! < 0 && p.y < 0.5)) right++;
          });
        }
        return right / sel.length;
      },
    };
  }

  async fit(data: RankTrainingSet, opts: RankFitOptions = {}): Promise<this> {
    checkTrainingSet(this.kind, data);
    if (opts.validation) checkTrainingSet(this.kind, opts.validation, data.dim);
    this.dim = data.dim;
    // standardise the cheap features over the training items that take part in pairs
    const used = new Set<number>();
    for (const p of data.pairs) used.add(p.a).add(p.b);
    const c = TEXT_FEATURE_COUNT;
    const mean = new Float64Array(c);
    const sq = new Float64Array(c);
    for (const i of used) {
      const e = data.items[i]!.extra;
      for (let j = 0; j < c; j++) (mean[j]! += e[j]!), (sq[j]! += e[j]! * e[j]!);
    }
    for (let j = 0; j < c; j++) {
      mean[j]! /= used.size;
      const sd = Math.sqrt(Math.max(sq[j]! / used.size - mean[j]! * mean[j]!, 0));
      this.extraMean[j] = mean[j]!;
      this.extraStd[j] = sd > 1e-6 ? sd : 1;
    }
    const names = new Set<string>();
    for (const i of used) if (data.items[i]!.model !== undefined) names.add(data.items[i]!.model!);
    this.modelNames = this.params.modelBias ? [...names].sort() : [];
    const cfg = trainConfigOf(this.params);
    this.initVars(this.dim, this.modelNames.length, cfg.seed);
    const train = this.objective(data);
    if (train.size === 0)
      throw new LlmrError(`${this.kind} ranker: no training pairs${this.params.ties === 'skip' ? ' (all ties, and ties: "skip")' : ''}`, {
        field: 'data.pairs',
        fix: 'pass preference pairs with a winner',
      });
    const validation = opts.validation ? this.objective(opts.validation) : undefined;
    const v = this.requireVars();
    const decay = Object.entries(v)
      .filter(([k]) => !/^b\d+$/.test(k))
      .map(([, x]) => x);
    this.lastTrain = await trainVariables(Object.values(v), train, cfg, {
      validation,
      groups: train.groups,
      decay,
      metric: (rows, obj) => (obj as typeof train).accuracy(rows),
      onEpoch: (r) =>
        opts.onProgress?.({ epoch: r.epoch, epochs: r.epochs, loss: r.loss, valLoss: r.valLoss, metric: r.metric, message: `lr ${r.lr.toExponential(2)}` }),
    });
    return this;
  }

  async compare(data: RankFeatures, pairs: readonly (readonly [number, number])[]): Promise<Float64Array> {
    this.requireVars();
    this.checkData(data, 'compare');
    const out = new Float64Array(pairs.length);
    // canonical order per pair: the same arithmetic for (a, b) and (b, a), so P(b, a) = 1 − P(a, b) exactly
    const flip = pairs.map(([a, b]) => this.itemOrder(data, a, b) > 0);
    const canon = pairs.map(([a, b], i) => (flip[i] ? ([b, a] as const) : ([a, b] as const)));
    for (let i = 0; i < canon.length; i += CHUNK) {
      const chunk = canon.slice(i, i + CHUNK);
      const d = await readTidy(() => this.diff(this.batch(data, chunk)));
      chunk.forEach((_, k) => {
        const dk = d[k]!;
        out[i + k] = sigmoidSym(flip[i + k] ? -dk : dk);
      });
    }
    return out;
  }

  /** A total order on items (features, then cheap features, then model): canonicalises a pair. */
  private itemOrder(data: RankFeatures, a: number, b: number): number {
    const ia = data.items[a]!;
    const ib = data.items[b]!;
    const s = compareSparse(ia.x, ib.x);
    if (s !== 0) return s;
    for (let j = 0; j < ia.extra.length; j++) if (ia.extra[j] !== ib.extra[j]) return ia.extra[j]! - ib.extra[j]!;
    const ma = ia.model ?? '';
    const mb = ib.model ?? '';
    return ma < mb ? -1 : ma > mb ? 1 : 0;
  }

  async reward(data: RankFeatures, items: readonly number[]): Promise<Float64Array> {
    if (this.pairwise)
      throw new LlmrError(`the ${this.kind} ranker compares responses pairwise and has no scalar reward`, {
        field: 'method',
        fix: "use method 'max-logits', 'max-wins' or 'bubble', or a reward model (bradley-terry)",
      });
    this.requireVars();
    this.checkData(data, 'reward');
    const out = new Float64Array(items.length);
    for (let i = 0; i < items.length; i += CHUNK) out.set(await this.rewardRows(data, items.slice(i, i + CHUNK)), i);
    return out;
  }

  async save(): Promise<RankerState> {
    const vars = this.requireVars();
    const { spec, bytes } = await packWeights(vars);
    return {
      state: { dim: this.dim, extraMean: Array.from(this.extraMean), extraStd: Array.from(this.extraStd), models: this.modelNames, weights: spec },
      files: { [WEIGHTS_FILE]: bytes },
    };
  }

  /** Restore saved state into this (freshly constructed) ranker. */
  restore(st: RankerState): this {
    const parsed = StateSchema.safeParse(st.state);
    if (!parsed.success)
      throw new LlmrError(`${this.kind} ranker state is malformed: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`, {
        field: 'state',
        fix: 're-train or re-save the artifact',
      });
    const s = parsed.data;
    if (s.extraMean.length !== TEXT_FEATURE_COUNT || s.extraStd.length !== TEXT_FEATURE_COUNT)
      throw new LlmrError(`${this.kind} ranker state has ${s.extraMean.length} text features, this version computes ${TEXT_FEATURE_COUNT}`, {
        field: 'state.extraMean',
        fix: 're-train the ranker with this version',
      });
    this.dim = s.dim;
    this.extraMean = Float32Array.from(s.extraMean);
    this.extraStd = Float32Array.from(s.extraStd);
    this.modelNames = s.models;
    this.setVars(unpackWeights(s.weights, st.files[WEIGHTS_FILE], `${this.kind} ranker`));
    return this;
  }

  dispose(): void {
    if (this.vars) for (const v of Object.values(this.vars)) v.dispose();
    this.vars = null;
  }
}

/** Settings that make a fit on a couple of hundred pairs learn in a few seconds (the contract suite's). */
const FAST_PARAMS = { epochs: 30, batchSize: 16, lr: 0.02, embed: 8, hidden: [8], dropout: 0, patience: 0, valFraction: 0 };

/** A registry entry for one RankNet family: `scoring` picks the pairwise comparator or the reward model. */
export function rankNetSpec(kind: string, scoring: RankerScoring, description: string): RankerSpec {
  const create = (params: Record<string, unknown> = {}) => new RankNet(kind, scoring, params as Partial<RankNetParams>);
  return { kind, description, scoring, fastParams: FAST_PARAMS, create, load: async (params, state) => create(params).restore(state) };
}

/** Shape checks of a ranker training set; errors name the offending pair or item. */
export function checkTrainingSet(kind: string, data: RankTrainingSet, dim?: number): void {
  if (dim !== undefined && data.dim !== dim)
    throw new LlmrError(`${kind} ranker: validation features have ${data.dim} dims, training ${dim}`, {
      field: 'validation',
      fix: 'featurize both with the same featurizer',
    });
  if (data.pairs.length === 0)
    throw new LlmrError(`${kind} ranker needs at least one preference pair`, {
      field: 'data.pairs',
      fix: 'pass pairwise records with response_a and response_b',
    });
  data.items.forEach((it, i) => {
    if (!(it.prompt >= 0 && it.prompt < data.prompts.length))
      throw new LlmrError(`item ${i} refers to prompt ${it.prompt}; there are ${data.prompts.length}`, { field: `data.items[${i}].prompt` });
    if (it.extra.length !== TEXT_FEATURE_COUNT)
      throw new LlmrError(`item ${i} has ${it.extra.length} text features, expected ${TEXT_FEATURE_COUNT}`, { field: `data.items[${i}].extra` });
  });
  data.pairs.forEach((p, i) => {
    const n = data.items.length;
    if (!(p.a >= 0 && p.a < n && p.b >= 0 && p.b < n) || p.a === p.b || !(p.y >= 0 && p.y <= 1))
      throw new LlmrError(`pair ${i} is invalid (a ${p.a}, b ${p.b}, y ${p.y})`, { field: `data.pairs[${i}]`, fix: `a ≠ b < ${n}, y ∈ [0, 1]` });
    if (data.items[p.a]!.prompt !== data.items[p.b]!.prompt)
      throw new LlmrError(`pair ${i} compares responses to different prompts`, {
        field: `data.pairs[${i}]`,
        fix: 'a pair compares two responses to one prompt',
      });
  });
}
