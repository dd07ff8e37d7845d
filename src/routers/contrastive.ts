import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { rowsTensor } from '../tf/batch.js';
import { dense, denseInput, l2NormalizeRows, logSumExpLast, matMulT } from '../tf/ops.js';
import { glorotUniform, normalValues } from '../tf/weights.js';
import { TRAIN_PARAMS, trainConfigOf, trainVariables, type Objective, type StepContext } from '../train/harness.js';
import { kmeans } from '../train/kmeans.js';
import { Rng } from '../util/rng.js';
import { parseParams } from '../estimator/params.js';
import { requireScores } from './validate.js';
import type { FitOptions, RouterSpec, RouterState, TrainingSet } from './Router.js';
import { TfRouter } from './tfRouter.js';

export const ContrastiveParamsSchema = z
  .object({
    ...TRAIN_PARAMS,
    /** Hidden layers of the query encoder before the final projection. */
    hidden: z.array(z.number().int().min(1).max(8192)).max(4).default([]),
    /** Dropout on the encoder's input and hidden layers while training (the encoder memorises rows fast). */
    dropout: z.number().min(0).max(0.95).default(0.8),
    /** Width of the shared query/model embedding space. */
    dim: z.number().int().min(1).max(4096).default(64),
    /** Softmax temperature τ on cosine similarities. */
    temperature: z.number().positive().max(10).default(0.2),
    /** Positives: the top-k scored models of a query; negatives: the last-k (only those scoring strictly lower). */
    topK: z.number().int().min(1).default(3),
    lastK: z.number().int().min(1).default(3),
    /**
     * Weight of the sample–sample (query–query) contrastive loss; 0 disables it. Default 0: on our validation
     * folds it hurt with k-means groups (MMLU) and was neutral with task labels (RouterBench).
     */
    sampleWeight: z.number().min(0).default(0),
    /** Query groups for the sample–sample loss: task labels, k-means clusters, or auto (tasks when ≥ 2 labels). */
    groupBy: z.enum(['auto', 'tasks', 'kmeans']).default('auto'),
    clusters: z.number().int().min(2).max(1000).default(8),
    /** Score-scale mapping fitted on the training scores (see calibration.ts). */
    calibration: z.enum(['readout', 'platt']).default('platt'),
    minCalibration: z.number().int().min(1).default(10),
    weightDecay: TRAIN_PARAMS.weightDecay.default(1e-4),
    lr: TRAIN_PARAMS.lr.default(3e-3),
  })
  .strict();
export type ContrastiveParams = z.infer<typeof ContrastiveParamsSchema>;

const NEG = -1e9;

/**
 * Dual-contrastive router (RouterDC): a trainable query encoder (hidden layers + projection) and learnable
 * model embeddings k_m in one space; sim(q, m) = cos(E(q), k_m). Trained with
 * - the sample–model loss: each top-k model of a query must out-score (softmax over sim/τ) the last-k models
 *   that scored strictly lower;
 * - the sample–sample loss: queries of one group (task label or seeded k-means cluster) attract, others repel
 *   (supervised InfoNCE over the batch).
 * Predicted quality: a calibration of the similarities fitted on held-out rows' scores (score scale; default
 * `platt` per model, or `readout`, a per-model logistic regression on the standardised similarity vector).
 */
export class ContrastiveRouter extends TfRouter<ContrastiveParams> {
  readonly kind = 'contrastive';

  constructor(params: Partial<ContrastiveParams> = {}) {
    super(parseParams('contrastive', ContrastiveParamsSchema, params));
  }

  private embed(x: tf.Tensor2D, ctx?: StepContext): tf.Tensor2D {
    const v = this.requireVars();
    const p = this.params;
    const drop = (t: tf.Tensor2D) => (ctx?.training && p.dropout > 0 ? (tf.dropout(t, p.dropout, undefined, ctx.rng.int(2 ** 31)) as tf.Tensor2D) : t);
    let h = drop(x);
    for (let i = 0; i < p.hidden.length; i++)
      h = drop(tf.relu((i === 0 ? denseInput : dense)(h, v[`w${i}`] as unknown as tf.Tensor2D, v[`b${i}`] as unknown as tf.Tensor1D)));
    return l2NormalizeRows((p.hidden.length === 0 ? denseInput : dense)(h, v.wOut as unknown as tf.Tensor2D));
  }

  /** Cosine similarity of each query to each model [batch, models]. */
  protected forward(x: tf.Tensor2D): tf.Tensor2D {
    return this.similarity(this.embed(x));
  }

  private similarity(e: tf.Tensor2D): tf.Tensor2D {
    const k = l2NormalizeRows(this.requireVars().K as unknown as tf.Tensor2D);
    return matMulT(e, tf.transpose(k) as tf.Tensor2D);
  }

  /** For each row: M[p, n] = 1 when p is a positive and n is p itself or a valid negative; valid[p] when p has ≥ 1 negative. */
  private contrastMasks(scores: readonly Float64Array[], rows: readonly number[]): { mask: Float32Array; valid: Float32Array } {
    const nm = this.models.length;
    const { topK, lastK } = this.params;
    const mask = new Float32Array(rows.length * nm * nm);
    const valid = new Float32Array(rows.length * nm);
    rows.forEach((r, i) => {
      const s = scores[r]!;
      const seen = [...Array(nm).keys()].filter((j) => !Number.isNaN(s[j]!)).sort((a, b) => s[b]! - s[a]! || a - b);
      const pos = seen.slice(0, topK);
      const neg = seen.slice(Math.max(0, seen.length - lastK));
      for (const p of pos) {
        let any = false;
        for (const n of neg)
          if (s[n]! < s[p]!) {
            mask[i * nm * nm + p * nm + n] = 1;
            any = true;
          }
        if (any) {
          mask[i * nm * nm + p * nm + p] = 1;
          valid[i * nm + p] = 1;
        }
      }
    });
    return { mask, valid };
  }

  private objective(data: TrainingSet, groups: Int32Array | null): Objective {
    const nm = this.models.length;
    const tau = this.params.temperature;
    return {
      size: data.features.length,
      loss: (rows, ctx) => {
        const b = rows.length;
        const e = this.embed(rowsTensor(data.features, rows, this.dim), ctx);
        const z = tf.div(this.similarity(e), tau);
        const { mask, valid } = this.contrastMasks(data.scores, rows);
        const m = tf.tensor3d(mask, [b, nm, nm]);
        const lse = logSumExpLast(tf.add(tf.reshape(z, [b, 1, nm]), tf.mul(tf.sub(1, m), NEG))) as tf.Tensor2D;
        const v = tf.tensor2d(valid, [b, nm]);
        let loss = tf.div(tf.sum(tf.mul(v, tf.sub(lse, z))), tf.maximum(tf.sum(v), 1)) as tf.Scalar;
        if (groups && this.params.sampleWeight > 0 && b > 1)
          loss = tf.add(loss, tf.mul(this.sampleLoss(e, rows, groups), this.params.sampleWeight)) as tf.Scalar;
        return loss;
      },
    };
  }

  /** Supervised InfoNCE over the batch: same-group queries are positives, the rest negatives. */
  private sampleLoss(e: tf.Tensor2D, rows: readonly number[], groups: Int32Array): tf.Scalar {
    const b = rows.length;
    const pos = new Float32Array(b * b);
    const has = new Float32Array(b);
    for (let i = 0; i < b; i++) {
      let c = 0;
      for (let j = 0; j < b; j++) if (i !== j && groups[rows[i]!] === groups[rows[j]!]) c++;
      if (c === 0) continue;
      has[i] = 1;
      for (let j = 0; j < b; j++) if (i !== j && groups[rows[i]!] === groups[rows[j]!]) pos[i * b + j] = 1 / c;
    }
    const s = tf.div(matMulT(e, tf.transpose(e) as tf.Tensor2D), this.params.temperature);
    const lse = logSumExpLast(tf.add(s, tf.mul(tf.eye(b), NEG)));
    const mPos = tf.sum(tf.mul(s, tf.tensor2d(pos, [b, b])), 1);
    const h = tf.tensor1d(has);
    return tf.div(tf.sum(tf.mul(h, tf.sub(lse, mPos))), tf.maximum(tf.sum(h), 1)) as tf.Scalar;
  }

  private groupsOf(data: TrainingSet, seed: number): Int32Array | null {
    const p = this.params;
    if (p.sampleWeight === 0) return null;
    const labels = data.tasks?.map((t) => t ?? '');
    const distinct = new Set(labels ?? []);
    if (p.groupBy === 'tasks' || (p.groupBy === 'auto' && labels && distinct.size >= 2)) {
      if (!labels || distinct.size < 2) return null;
      const ids = new Map([...distinct].sort().map((t, i) => [t, i]));
      return Int32Array.from(labels, (t) => ids.get(t)!);
    }
    return kmeans(data.features, p.clusters, { seed }).assignments;
  }

  async fit(data: TrainingSet, opts: FitOptions = {}): Promise<this> {
    this.begin(data, opts.validation);
    requireScores('contrastive', data);
    const p = this.params;
    const seed = opts.seed ?? p.seed;
    const rng = new Rng(seed);
    const init: Record<string, { values: Float32Array; shape: number[] }> = {};
    let fanIn = this.dim;
    p.hidden.forEach((h, i) => {
      init[`w${i}`] = { values: glorotUniform(rng, fanIn, h), shape: [fanIn, h] };
      init[`b${i}`] = { values: new Float32Array(h), shape: [h] };
      fanIn = h;
    });
    init.wOut = { values: glorotUniform(rng, fanIn, p.dim), shape: [fanIn, p.dim] };
    init.K = { values: normalValues(rng, this.models.length * p.dim, 1), shape: [this.models.length, p.dim] };
    const vars = this.setVars(init);
    const decay = Object.entries(vars)
      .filter(([k]) => k.startsWith('w'))
      .map(([, v]) => v);
    this.lastTrain = await trainVariables(
      Object.values(vars),
      this.objective(data, this.groupsOf(data, seed)),
      { ...trainConfigOf(p), seed },
      {
        validation: opts.validation ? this.objective(opts.validation, this.groupsOf(opts.validation, seed)) : undefined,
        decay,
        onEpoch: this.progress(opts),
      },
    );
    await this.calibrate(data, p.calibration, opts.validation, this.lastTrain.heldOut);
    return this;
  }

  static async load(params: Record<string, unknown>, st: RouterState, models: readonly string[]): Promise<ContrastiveRouter> {
    return new ContrastiveRouter(params as Partial<ContrastiveParams>).restore(st, models);
  }
}

export const contrastiveSpec: RouterSpec = {
  kind: 'contrastive',
  description:
    'dual contrastive (RouterDC): query encoder + model embeddings, sample–model and sample–sample contrastive losses; calibrated to the score scale',
  trainsOn: 'scores',
  capabilities: { gradient: true, neighbours: false, explains: false },
  fastParams: { epochs: 25, batchSize: 16, lr: 1e-2, dim: 8, patience: 0, dropout: 0, sampleWeight: 1 },
  create: (params) => new ContrastiveRouter(params as Partial<ContrastiveParams>),
  load: (params, state, models) => ContrastiveRouter.load(params, state, models),
};
