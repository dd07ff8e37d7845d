import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LlmrError } from '../errors.js';
import { readTidy } from '../tf/read.js';
import { Rng } from '../util/rng.js';

/**
 * The one training loop of the library, shared by every learned router and reward model. It is generic over
 * "a set of trainable tf.Variables + a loss over a batch of row indices" (an Objective); what a row is
 * (a prompt, a pair, a dialogue) is the caller's business.
 *
 * Features: our own seeded shuffle (same seed + same backend → identical weights), validation split (or a
 * given validation objective), early stopping on validation loss with patience and best-checkpoint restore,
 * learning-rate schedule (constant / cosine / step), Adam with decoupled weight decay (AdamW), gradient
 * clipping by global norm, per-epoch progress, tf.tidy around every step (no tensor survives an epoch).
 */

/** Hyper-parameters of the loop; routers spread `TRAIN_PARAMS` into their own zod params schema. */
export const TRAIN_PARAMS = {
  epochs: z.number().int().min(1).max(100000).default(40),
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(1 << 20)
    .default(64),
  lr: z.number().positive().max(10).default(1e-3),
  /** Learning-rate schedule over epochs: constant, cosine decay to lr·minLrFraction, or step decay. */
  schedule: z.enum(['constant', 'cosine', 'step']).default('cosine'),
  minLrFraction: z.number().min(0).max(1).default(0.05),
  stepEvery: z.number().int().min(1).default(10),
  stepGamma: z.number().positive().max(1).default(0.5),
  /** Stop after this many epochs without validation improvement; 0 = never stop early. */
  patience: z.number().int().min(0).default(5),
  minDelta: z.number().min(0).default(1e-4),
  /** Fraction of training rows held out for validation when no validation set is given; 0 = none. */
  valFraction: z.number().min(0).max(0.9).default(0.1),
  /** Clip gradients to this global L2 norm; 0 disables. */
  clipNorm: z.number().min(0).default(5),
  /** Decoupled (AdamW) weight decay on the decayed variables. */
  weightDecay: z.number().min(0).default(0),
  beta1: z.number().min(0).max(0.9999).default(0.9),
  beta2: z.number().min(0).max(0.99999).default(0.999),
  epsilon: z.number().positive().default(1e-7),
  seed: z.number().int().default(42),
};
export const TrainConfigSchema = z.object(TRAIN_PARAMS).strict();
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** Per-step context handed to the loss: whether we train (noise/dropout on) and a seeded random source. */
export interface StepContext {
  training: boolean;
  /** Seeded stream for noise / dropout masks; deterministic given the harness seed. */
  rng: Rng;
}

export interface Objective {
  /** Number of rows the loss indexes. */
  readonly size: number;
  /** Mean loss over `rows` as a scalar; a pure tensor function (called inside tf.tidy / a gradient tape). */
  loss(rows: readonly number[], ctx: StepContext): tf.Scalar;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss?: number;
  metric?: number;
  lr: number;
  seconds: number;
}

export interface HarnessOptions {
  /** A separate validation objective; otherwise `valFraction` of the rows are held out. */
  validation?: Objective;
  /** Group id per row: the held-out split keeps each group whole (e.g. all pairs of one prompt). */
  groups?: ArrayLike<number>;
  /** Variables that get weight decay (default: all). Biases and embeddings norms usually stay out. */
  decay?: readonly tf.Variable[];
  /** Extra number reported per epoch (e.g. validation accuracy); `rows` index the validation objective. */
  metric?: (rows: readonly number[], validation: Objective) => number | Promise<number>;
  onEpoch?: (r: EpochReport) => void;
  /** Rows per forward pass when computing validation loss. */
  evalBatch?: number;
}

export interface TrainResult {
  history: EpochReport[];
  bestEpoch: number;
  bestValLoss: number | null;
  stoppedEarly: boolean;
  trainRows: number;
  valRows: number;
  /** Objective rows held out for validation by the internal split (empty with a separate validation set). */
  heldOut: number[];
}

/** Seeded held-out split of n rows; with groups, whole groups go to one side. */
export function splitRows(n: number, valFraction: number, rng: Rng, groups?: ArrayLike<number>): { train: number[]; val: number[] } {
  if (valFraction <= 0 || n < 2) return { train: Array.from({ length: n }, (_, i) => i), val: [] };
  const target = Math.max(1, Math.round(n * valFraction));
  if (!groups) {
    const perm = rng.permutation(n);
    return { train: perm.slice(target).sort((a, b) => a - b), val: perm.slice(0, target).sort((a, b) => a - b) };
  }
  if (groups.length !== n) throw new LlmrError(`groups has ${groups.length} entries for ${n} rows`, { field: 'groups' });
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    let l = byGroup.get(g);
    if (!l) byGroup.set(g, (l = []));
    l.push(i);
  }
  const keys = rng.shuffle([...byGroup.keys()].sort((a, b) => a - b));
  const val: number[] = [];
  const valGroups = new Set<number>();
  for (const k of keys) {
    if (val.length >= target || valGroups.size === keys.length - 1) break;
    valGroups.add(k);
    val.push(...byGroup.get(k)!);
  }
  const train: number[] = [];
  for (let i = 0; i < n; i++) if (!valGroups.has(groups[i]!)) train.push(i);
  return { train, val: val.sort((a, b) => a - b) };
}

export function learningRate(cfg: Pick<TrainConfig, 'lr' | 'schedule' | 'minLrFraction' | 'stepEvery' | 'stepGamma' | 'epochs'>, epoch: number): number {
  switch (cfg.schedule) {
    case 'constant':
      return cfg.lr;
    case 'cosine': {
      const t = cfg.epochs <= 1 ? 0 : epoch / (cfg.epochs - 1);
      return cfg.lr * (cfg.minLrFraction + (1 - cfg.minLrFraction) * 0.5 * (1 + Math.cos(Math.PI * t)));
    }
    case 'step':
      return cfg.lr * cfg.stepGamma ** Math.floor(epoch / cfg.stepEvery);
  }
}

/** Mean loss over rows in chunks (no gradient), weighted by chunk size: one async read at the end. */
export async function evaluateLoss(objective: Objective, rows: readonly number[], evalBatch = 1024): Promise<number> {
  if (rows.length === 0) return Number.NaN;
  const ctx: StepContext = { training: false, rng: new Rng(0) };
  let total: tf.Scalar = tf.scalar(0);
  for (let i = 0; i < rows.length; i += evalBatch) {
    const chunk = rows.slice(i, i + evalBatch);
    const next = tf.tidy(() => tf.add(total, tf.mul(objective.loss(chunk, ctx), chunk.length)) as tf.Scalar);
    total.dispose();
    total = next;
  }
  const sum = total;
  try {
    return (await readTidy(() => tf.div(sum, rows.length)))[0]!;
  } finally {
    sum.dispose();
  }
}

class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  private readonly decay: Set<tf.Variable>;
  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly cfg: TrainConfig,
    decay: readonly tf.Variable[],
  ) {
    this.m = vars.map((x) => zerosVariable(x));
    this.v = vars.map((x) => zerosVariable(x));
    this.decay = new Set(decay);
  }
  /** One step on a batch; returns the batch loss as a scalar tensor (the caller reads it, once per epoch). */
  step(lossFn: () => tf.Scalar, lr: number): tf.Scalar {
    this.t++;
    const { beta1: b1, beta2: b2, epsilon, clipNorm, weightDecay } = this.cfg;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn, [...this.vars]);
      let scale: tf.Scalar | null = null;
      if (clipNorm > 0) {
        const sq = this.vars.map((x) => tf.sum(tf.square(grads[x.name]!)));
        const norm = tf.sqrt(tf.addN(sq));
        scale = tf.div(clipNorm, tf.maximum(norm, clipNorm)) as tf.Scalar;
      }
      this.vars.forEach((x, i) => {
        let g = grads[x.name]!;
        if (scale) g = tf.mul(g, scale);
        const m = this.m[i]!;
        const v = this.v[i]!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        let upd = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        if (weightDecay > 0 && this.decay.has(x)) upd = tf.add(upd, tf.mul(x, weightDecay));
        x.assign(tf.sub(x, tf.mul(upd, lr)));
      });
      return value;
    });
  }
  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

function zerosVariable(like: tf.Tensor): tf.Variable {
  const init = tf.zerosLike(like);
  const v = tf.variable(init, false);
  init.dispose();
  return v;
}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Optimise `variables` on `objective`. The variables end at the best validation checkpoint (or the last
 * epoch without validation). Leaves no tensors behind besides the variables themselves.
 */
export async function trainVariables(
  variables: readonly tf.Variable[],
  objective: Objective,
  config: TrainConfig,
  opts: HarnessOptions = {},
): Promise<TrainResult> {
  if (objective.size === 0) throw new LlmrError('no training rows', { field: 'data', fix: 'pass a non-empty training set' });
  if (variables.length === 0) throw new LlmrError('no trainable variables', { field: 'variables' });
  const rng = new Rng(config.seed);
  const noise = new Rng((config.seed ^ 0x5bd1e995) >>> 0);
  const split = opts.validation
    ? { train: Array.from({ length: objective.size }, (_, i) => i), val: [] as number[] }
    : splitRows(objective.size, config.valFraction, rng, opts.groups);
  const valObjective = opts.validation ?? objective;
  const valRows = opts.validation ? Array.from({ length: opts.validation.size }, (_, i) => i) : split.val;
  const hasVal = valRows.length > 0;
  const optimizer = new AdamW(variables, config, opts.decay ?? variables);
  const history: EpochReport[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = -1;
  let snapshot: tf.Tensor[] | null = null;
  let wait = 0;
  let stoppedEarly = false;
  const trainRows = split.train;
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const t0 = performance.now();
      const lr = learningRate(config, epoch);
      const order = rng.shuffle([...trainRows]);
      // The epoch's loss stays on the backend (a running weighted sum) and is read once, asynchronously.
      let sum: tf.Scalar = tf.scalar(0);
      let count = 0;
      for (let i = 0; i < order.length; i += config.batchSize) {
        const batch = order.slice(i, i + config.batchSize);
        const ctx: StepContext = { training: true, rng: noise };
        const loss = optimizer.step(() => objective.loss(batch, ctx), lr);
        const next = tf.tidy(() => tf.add(sum, tf.mul(loss, batch.length)) as tf.Scalar);
        loss.dispose();
        sum.dispose();
        sum = next;
        count += batch.length;
      }
      const total = sum;
      const meanLoss = (await readTidy(() => tf.div(total, Math.max(count, 1))))[0]!;
      total.dispose();
      const report: EpochReport = { epoch: epoch + 1, epochs: config.epochs, loss: meanLoss, lr, seconds: 0 };
      if (hasVal) {
        report.valLoss = await evaluateLoss(valObjective, valRows, opts.evalBatch);
        if (opts.metric) report.metric = await opts.metric(valRows, valObjective);
        if (!Number.isFinite(report.valLoss))
          throw new LlmrError(`validation loss became ${report.valLoss} at epoch ${epoch + 1}`, {
            field: 'params.lr',
            fix: 'lower the learning rate or raise clipNorm regularisation',
          });
        if (report.valLoss < best - config.minDelta) {
          best = report.valLoss;
          bestEpoch = epoch + 1;
          wait = 0;
          snapshot?.forEach((t) => t.dispose());
          snapshot = variables.map((v) => tf.keep(v.clone()));
        } else wait++;
      }
      if (!Number.isFinite(report.loss))
        throw new LlmrError(`training loss became ${report.loss} at epoch ${epoch + 1}`, { field: 'params.lr', fix: 'lower the learning rate' });
      report.seconds = (performance.now() - t0) / 1000;
      history.push(report);
      opts.onEpoch?.(report);
      await yieldToEventLoop();
      if (hasVal && config.patience > 0 && wait >= config.patience) {
        stoppedEarly = true;
        break;
      }
    }
    if (snapshot) variables.forEach((v, i) => v.assign(snapshot![i]!));
  } finally {
    snapshot?.forEach((t) => t.dispose());
    optimizer.dispose();
  }
  return {
    history,
    bestEpoch: hasVal ? bestEpoch : history.length,
    bestValLoss: hasVal ? best : null,
    stoppedEarly,
    trainRows: trainRows.length,
    valRows: valRows.length,
    heldOut: opts.validation ? [] : split.val,
  };
}

/** Pick the TrainConfig fields out of a router's parsed params. */
export function trainConfigOf(params: Record<string, unknown>): TrainConfig {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(TRAIN_PARAMS)) if (k in params) out[k] = params[k];
  return TrainConfigSchema.parse(out);
}
