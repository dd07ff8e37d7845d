import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { rowsTensor } from '../tf/batch.js';
import { denseInput, l2NormalizeRows, matMulT } from '../tf/ops.js';
import { glorotUniform, normalValues } from '../tf/weights.js';
import { TRAIN_PARAMS, trainConfigOf, trainVariables, type Objective, type StepContext } from '../train/harness.js';
import { Rng } from '../util/rng.js';
import { pairAccuracy, pairCubes, pairwiseLoss, rowPairs, rowsWithPairs, type RowPairs } from './pairBatch.js';
import { parseParams } from '../estimator/params.js';
import type { FitOptions, RouterSpec, RouterState, TrainingSet } from './Router.js';
import { TfRouter } from './tfRouter.js';

export const MfParamsSchema = z
  .object({
    ...TRAIN_PARAMS,
    /** Width of the shared query/model latent space. */
    dim: z.number().int().min(1).max(4096).default(128),
    /** Learn a per-model bias b_m added to δ (a global strength prior). */
    bias: z.boolean().default(true),
    /** Std of Gaussian noise added to the query features while training (RouteLLM's α). */
    noise: z.number().min(0).default(0.01),
    /** Keep tied pairs as y = 0.5 (else drop them). */
    ties: z.boolean().default(true),
    /** Score-scale mapping fitted on the training scores (see calibration.ts). */
    calibration: z.enum(['readout', 'platt']).default('platt'),
    /** Models with fewer observed scores than this get win-probability-vs-the-field instead. */
    minCalibration: z.number().int().min(1).default(10),
    lr: TRAIN_PARAMS.lr.default(3e-3),
    weightDecay: TRAIN_PARAMS.weightDecay.default(1e-4),
  })
  .strict();
export type MfParams = z.infer<typeof MfParamsSchema>;

/**
 * Matrix-factorisation router (RouteLLM "mf"): learnable model embeddings P_m, a linear projection W of the
 * query features, and δ(m, q) = w · (P_m/‖P_m‖ ⊙ W f(q)) (+ b_m). Trained on pairwise observations (logged
 * pairs, or pairs derived from the score table) with P(a beats b) = σ(δ_a − δ_b), ties as y = 0.5.
 *
 * Output on the score scale: a calibration fitted on held-out rows' observed scores (default `platt`:
 * σ(α_m δ_m + β_m); `readout`: σ(w_m · z(δ) + b_m) over the standardised δ vector), so models are comparable
 * and the policy can trade quality against price. A model with too few observed scores
 * (pairwise-only data) gets its win probability against the field, mean_k σ(δ_m − δ_k).
 */
export class MfRouter extends TfRouter<MfParams> {
  readonly kind = 'mf';

  constructor(params: Partial<MfParams> = {}) {
    super(parseParams('mf', MfParamsSchema, params));
  }

  protected forward(x: tf.Tensor2D, ctx?: StepContext): tf.Tensor2D {
    const v = this.requireVars();
    const input = ctx?.training && this.params.noise > 0 ? tf.add(x, tf.randomNormal(x.shape, 0, this.params.noise, 'float32', ctx.rng.int(2 ** 31))) : x;
    const q = denseInput(input as tf.Tensor2D, v.W as unknown as tf.Tensor2D);
    const models = tf.mul(l2NormalizeRows(v.P as unknown as tf.Tensor2D), v.w as unknown as tf.Tensor1D);
    const delta = matMulT(q, tf.transpose(models) as tf.Tensor2D);
    return v.b ? tf.add(delta, v.b) : delta;
  }

  private objective(data: TrainingSet): Objective & { accuracy(rows: readonly number[]): Promise<number>; rows: number[] } {
    const rp: RowPairs = rowPairs(data, { ties: this.params.ties });
    const rows = rowsWithPairs(rp);
    return {
      size: rows.length,
      rows,
      loss: (batch, ctx) => {
        const r = batch.map((i) => rows[i]!);
        return pairwiseLoss(this.forward(rowsTensor(data.features, r, this.dim), ctx), pairCubes(rp, r));
      },
      accuracy: async (batch) => {
        const r = batch.map((i) => rows[i]!);
        return pairAccuracy(rp, r, await this.rawOutputs(r.map((i) => data.features[i]!)));
      },
    };
  }

  async fit(data: TrainingSet, opts: FitOptions = {}): Promise<this> {
    this.begin(data, opts.validation);
    const p = this.params;
    const seed = opts.seed ?? p.seed;
    const rng = new Rng(seed);
    const nm = this.models.length;
    const init: Record<string, { values: Float32Array; shape: number[] }> = {
      W: { values: glorotUniform(rng, this.dim, p.dim), shape: [this.dim, p.dim] },
      P: { values: normalValues(rng, nm * p.dim, 1), shape: [nm, p.dim] },
      w: { values: glorotUniform(rng, p.dim, 1), shape: [p.dim] },
    };
    if (p.bias) init.b = { values: new Float32Array(nm), shape: [nm] };
    const vars = this.setVars(init);
    const train = this.objective(data);
    const validation = opts.validation ? this.objective(opts.validation) : undefined;
    this.lastTrain = await trainVariables(
      Object.values(vars),
      train,
      { ...trainConfigOf(p), seed },
      {
        validation,
        decay: [vars.W!],
        metric: (rows, obj) => (obj as typeof train).accuracy(rows),
        onEpoch: this.progress(opts),
      },
    );
    await this.calibrate(
      data,
      p.calibration,
      opts.validation,
      this.lastTrain.heldOut.map((i) => train.rows[i]!),
    );
    return this;
  }

  static async load(params: Record<string, unknown>, st: RouterState, models: readonly string[]): Promise<MfRouter> {
    return new MfRouter(params as Partial<MfParams>).restore(st, models);
  }
}

export const mfSpec: RouterSpec = {
  kind: 'mf',
  description: 'matrix factorisation (RouteLLM): model embeddings × projected query features, trained on pairwise preferences; calibrated to the score scale',
  trainsOn: 'either',
  capabilities: { gradient: true, neighbours: false, explains: false },
  fastParams: { epochs: 25, batchSize: 16, lr: 1e-2, dim: 8, patience: 0 },
  create: (params) => new MfRouter(params as Partial<MfParams>),
  load: (params, state, models) => MfRouter.load(params, state, models),
};
