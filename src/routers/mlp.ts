import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { range, rowsTensor, rowsValues } from '../tf/batch.js';
import { dense, denseInput, maskedBceWithLogits, maskedMse, maskNaN } from '../tf/ops.js';
import { glorotUniform } from '../tf/weights.js';
import { TRAIN_PARAMS, trainConfigOf, trainVariables, type Objective, type StepContext } from '../train/harness.js';
import { Rng } from '../util/rng.js';
import { columnMeans, parseParams } from './params.js';
import type { FitOptions, RouterSpec, RouterState, TrainingSet } from './Router.js';
import { unitTargets } from './scoreScale.js';
import { TfRouter } from './tfRouter.js';

export const MlpParamsSchema = z
  .object({
    ...TRAIN_PARAMS,
    /** Hidden layer widths; [] is a linear (logistic) model. */
    hidden: z.array(z.number().int().min(1).max(8192)).max(4).default([128]),
    activation: z.enum(['relu', 'tanh']).default('relu'),
    /** Dropout on the input and every hidden layer while training. */
    dropout: z.number().min(0).max(0.9).default(0.5),
    /** bce: sigmoid + cross-entropy (0/1 or soft targets); mse: sigmoid + squared error; auto: bce when scores are 0/1. */
    loss: z.enum(['auto', 'bce', 'mse']).default('auto'),
    weightDecay: TRAIN_PARAMS.weightDecay.default(1e-4),
  })
  .strict();
export type MlpParams = z.infer<typeof MlpParamsSchema>;

/**
 * Multi-output MLP: features → hidden layers → one logit per model; quality = σ(logit) mapped to the score
 * scale. Trained with masked BCE (0/1 scores) or MSE (graded scores): missing cells carry no loss.
 */
export class MlpRouter extends TfRouter<MlpParams> {
  readonly kind = 'mlp';
  private lossKind: 'bce' | 'mse' = 'bce';

  constructor(params: Partial<MlpParams> = {}) {
    super(parseParams('mlp', MlpParamsSchema, params));
  }

  protected forward(x: tf.Tensor2D, ctx?: StepContext): tf.Tensor2D {
    const v = this.requireVars();
    const p = this.params;
    const drop = (t: tf.Tensor2D) => (ctx?.training && p.dropout > 0 ? (tf.dropout(t, p.dropout, undefined, ctx.rng.int(2 ** 31)) as tf.Tensor2D) : t);
    let h = drop(x);
    for (let i = 0; i < p.hidden.length; i++) {
      const z = (i === 0 ? denseInput : dense)(h, v[`w${i}`] as unknown as tf.Tensor2D, v[`b${i}`] as unknown as tf.Tensor1D);
      h = drop(p.activation === 'relu' ? tf.relu(z) : tf.tanh(z));
    }
    return (p.hidden.length === 0 ? denseInput : dense)(h, v.wOut as unknown as tf.Tensor2D, v.bOut as unknown as tf.Tensor1D);
  }

  private objective(data: TrainingSet): Objective {
    const nm = this.models.length;
    const targets = maskNaN(unitTargets(this.scale, data.scores, range(data.features.length), nm));
    const perRow = (a: Float32Array) => Array.from({ length: data.features.length }, (_, i) => a.subarray(i * nm, (i + 1) * nm));
    const vals = perRow(targets.values);
    const mask = perRow(targets.mask);
    return {
      size: data.features.length,
      loss: (rows, ctx) => {
        const logits = this.forward(rowsTensor(data.features, rows, this.dim), ctx);
        const t = tf.tensor2d(rowsValues(vals, rows, nm), [rows.length, nm]);
        const m = tf.tensor2d(rowsValues(mask, rows, nm), [rows.length, nm]);
        return this.lossKind === 'bce' ? maskedBceWithLogits(logits, t, m) : maskedMse(tf.sigmoid(logits), t, m);
      },
    };
  }

  async fit(data: TrainingSet, opts: FitOptions = {}): Promise<this> {
    this.begin(data, opts.validation);
    const p = this.params;
    const seed = opts.seed ?? p.seed;
    this.lossKind = p.loss === 'auto' ? (this.scale.binary ? 'bce' : 'mse') : p.loss;
    const rng = new Rng(seed);
    const init: Record<string, { values: Float32Array; shape: number[] }> = {};
    let fanIn = this.dim;
    p.hidden.forEach((h, i) => {
      init[`w${i}`] = { values: glorotUniform(rng, fanIn, h), shape: [fanIn, h] };
      init[`b${i}`] = { values: new Float32Array(h), shape: [h] };
      fanIn = h;
    });
    const nm = this.models.length;
    init.wOut = { values: glorotUniform(rng, fanIn, nm), shape: [fanIn, nm] };
    // Output bias starts at each model's base rate, so training begins from the zero router.
    const means = columnMeans(data.scores, nm);
    init.bOut = {
      values: Float32Array.from(means, (m) => {
        const u = Number.isNaN(m) ? 0.5 : Math.min(Math.max((m - this.scale.lo) / (this.scale.hi - this.scale.lo), 0.01), 0.99);
        return Math.log(u / (1 - u));
      }),
      shape: [nm],
    };
    const vars = this.setVars(init);
    const decay = Object.entries(vars).filter(([k]) => k.startsWith('w')).map(([, v]) => v);
    this.lastTrain = await trainVariables(Object.values(vars), this.objective(data), { ...trainConfigOf(p), seed }, {
      validation: opts.validation ? this.objective(opts.validation) : undefined,
      decay,
      onEpoch: this.progress(opts),
    });
    return this;
  }

  protected override extraState(): Record<string, unknown> {
    return { lossKind: this.lossKind };
  }
  protected override restoreExtra(state: Record<string, unknown>): void {
    this.lossKind = state.lossKind === 'mse' ? 'mse' : 'bce';
  }

  static async load(params: Record<string, unknown>, st: RouterState, models: string[]): Promise<MlpRouter> {
    return new MlpRouter(params as Partial<MlpParams>).restore(st, models);
  }
}

export const mlpSpec: RouterSpec = {
  kind: 'mlp',
  description: 'multi-output MLP (TF.js): features → hidden layers → per-model quality; masked BCE for 0/1 scores, MSE for graded',
  trainsOn: 'scores',
  create: (params) => new MlpRouter(params as Partial<MlpParams>),
  load: (params, state, models) => MlpRouter.load(params, state, models),
};
