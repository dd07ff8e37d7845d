import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { range, rowsTensor, rowsValues } from '../tf/batch.js';
import { dense, denseInput, maskedBceWithLogits, maskedMse, maskNaN } from '../tf/ops.js';
import { glorotUniform } from '../tf/weights.js';
import { TRAIN_PARAMS, trainConfigOf, trainVariables, type Objective, type StepContext } from '../train/harness.js';
import { Rng } from '../util/rng.js';
import { columnMeans } from './params.js';
import { parseParams } from '../estimator/params.js';
import { requireScores } from './validate.js';
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
    /** Independently seeded networks whose predicted probabilities are averaged (bagging of initialisations). */
    members: z.number().int().min(1).max(16).default(1),
    weightDecay: TRAIN_PARAMS.weightDecay.default(1e-4),
  })
  .strict();
export type MlpParams = z.infer<typeof MlpParamsSchema>;

/**
 * Multi-output MLP: features → hidden layers → one logit per model; quality = σ(logit) mapped to the score
 * scale. Trained with masked BCE (0/1 scores) or MSE (graded scores): missing cells carry no loss. With
 * `members` > 1, that many networks (seeds seed, seed+1, ...) are trained one after the other and their
 * probabilities averaged.
 */
export class MlpRouter extends TfRouter<MlpParams> {
  readonly kind = 'mlp';
  private lossKind: 'bce' | 'mse' = 'bce';

  constructor(params: Partial<MlpParams> = {}) {
    super(parseParams('mlp', MlpParamsSchema, params));
  }

  /** Logits of one member network. */
  private memberLogits(x: tf.Tensor2D, k: number, ctx?: StepContext): tf.Tensor2D {
    const v = this.requireVars();
    const p = this.params;
    const w = (name: string) => v[`m${k}_${name}`] as unknown as tf.Tensor2D;
    const drop = (t: tf.Tensor2D) => (ctx?.training && p.dropout > 0 ? (tf.dropout(t, p.dropout, undefined, ctx.rng.int(2 ** 31)) as tf.Tensor2D) : t);
    let h = drop(x);
    for (let i = 0; i < p.hidden.length; i++) {
      const z = (i === 0 ? denseInput : dense)(h, w(`w${i}`), w(`b${i}`) as unknown as tf.Tensor1D);
      h = drop(p.activation === 'relu' ? tf.relu(z) : tf.tanh(z));
    }
    return (p.hidden.length === 0 ? denseInput : dense)(h, w('wOut'), w('bOut') as unknown as tf.Tensor1D);
  }

  /** Logits; for an ensemble, the logit of the members' mean probability. */
  protected forward(x: tf.Tensor2D): tf.Tensor2D {
    const m = this.params.members;
    if (m === 1) return this.memberLogits(x, 0);
    const probs = Array.from({ length: m }, (_, k) => tf.sigmoid(this.memberLogits(x, k)));
    const mean = tf.clipByValue(tf.div(tf.addN(probs), m), 1e-6, 1 - 1e-6);
    return tf.log(tf.div(mean, tf.sub(1, mean))) as tf.Tensor2D;
  }

  private objective(data: TrainingSet, member: number): Objective {
    const nm = this.models.length;
    const targets = maskNaN(unitTargets(this.scale, data.scores, range(data.features.length), nm));
    const perRow = (a: Float32Array) => Array.from({ length: data.features.length }, (_, i) => a.subarray(i * nm, (i + 1) * nm));
    const vals = perRow(targets.values);
    const mask = perRow(targets.mask);
    return {
      size: data.features.length,
      loss: (rows, ctx) => {
        const logits = this.memberLogits(rowsTensor(data.features, rows, this.dim), member, ctx);
        const t = tf.tensor2d(rowsValues(vals, rows, nm), [rows.length, nm]);
        const m = tf.tensor2d(rowsValues(mask, rows, nm), [rows.length, nm]);
        return this.lossKind === 'bce' ? maskedBceWithLogits(logits, t, m) : maskedMse(tf.sigmoid(logits), t, m);
      },
    };
  }

  async fit(data: TrainingSet, opts: FitOptions = {}): Promise<this> {
    this.begin(data, opts.validation);
    requireScores('mlp', data);
    const p = this.params;
    const seed = opts.seed ?? p.seed;
    this.lossKind = p.loss === 'auto' ? (this.scale.binary ? 'bce' : 'mse') : p.loss;
    const nm = this.models.length;
    // Output bias starts at each model's base rate, so training begins from the zero router.
    const bias = Float32Array.from(columnMeans(data.scores, nm), (m) => {
      const u = Number.isNaN(m) ? 0.5 : Math.min(Math.max((m - this.scale.lo) / (this.scale.hi - this.scale.lo), 0.01), 0.99);
      return Math.log(u / (1 - u));
    });
    const init: Record<string, { values: Float32Array; shape: number[] }> = {};
    for (let k = 0; k < p.members; k++) {
      const rng = new Rng(seed + k);
      let fanIn = this.dim;
      p.hidden.forEach((h, i) => {
        init[`m${k}_w${i}`] = { values: glorotUniform(rng, fanIn, h), shape: [fanIn, h] };
        init[`m${k}_b${i}`] = { values: new Float32Array(h), shape: [h] };
        fanIn = h;
      });
      init[`m${k}_wOut`] = { values: glorotUniform(rng, fanIn, nm), shape: [fanIn, nm] };
      init[`m${k}_bOut`] = { values: bias.slice(), shape: [nm] };
    }
    const vars = this.setVars(init);
    const cfg = trainConfigOf(p);
    const report = this.progress(opts);
    for (let k = 0; k < p.members; k++) {
      const mine = Object.entries(vars).filter(([name]) => name.startsWith(`m${k}_`));
      this.lastTrain = await trainVariables(
        mine.map(([, v]) => v),
        this.objective(data, k),
        { ...cfg, seed: seed + k },
        {
          validation: opts.validation ? this.objective(opts.validation, k) : undefined,
          decay: mine.filter(([name]) => name.startsWith(`m${k}_w`)).map(([, v]) => v),
          onEpoch: (r) => report({ ...r, epoch: k * cfg.epochs + r.epoch, epochs: p.members * cfg.epochs }),
        },
      );
    }
    return this;
  }

  protected override extraState(): Record<string, unknown> {
    return { lossKind: this.lossKind };
  }
  protected override restoreExtra(state: Record<string, unknown>): void {
    this.lossKind = state.lossKind === 'mse' ? 'mse' : 'bce';
  }

  static async load(params: Record<string, unknown>, st: RouterState, models: readonly string[]): Promise<MlpRouter> {
    return new MlpRouter(params as Partial<MlpParams>).restore(st, models);
  }
}

export const mlpSpec: RouterSpec = {
  kind: 'mlp',
  description: 'multi-output MLP (TF.js): features → hidden layers → per-model quality; masked BCE for 0/1 scores, MSE for graded',
  trainsOn: 'scores',
  capabilities: { gradient: true, neighbours: false, explains: false },
  fastParams: { epochs: 25, batchSize: 16, lr: 1e-2, hidden: [16], patience: 0, dropout: 0 },
  create: (params) => new MlpRouter(params as Partial<MlpParams>),
  load: (params, state, models) => MlpRouter.load(params, state, models),
};
