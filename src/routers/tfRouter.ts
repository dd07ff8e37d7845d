import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LlmrError, NotFittedError } from '../errors.js';
import { range, rowsTensor } from '../tf/batch.js';
import { readTidy } from '../tf/read.js';
import { packWeights, unpackWeights, variableFrom, WeightSpecSchema } from '../tf/weights.js';
import type { EpochReport, StepContext, TrainResult } from '../train/harness.js';
import { calibrated, calibrationModels, CalibrationSchema, fitCalibration, type Calibration, type CalibrationKind } from './scoreCalibration.js';
import type { FitOptions, Router, RouterState, TrainingSet } from './Router.js';
import { checkTrainingSet, checkValidationSet } from './validate.js';
import { fitScoreScale, fromUnit, ScoreScaleSchema, unitTargets, type ScoreScale } from './scoreScale.js';

const BaseStateSchema = z.object({
  dim: z.number().int().positive(),
  weights: WeightSpecSchema,
  scale: ScoreScaleSchema,
  calibration: CalibrationSchema.nullable(),
});

const WEIGHTS_FILE = 'weights.f32';
const PREDICT_CHUNK = 512;

/**
 * Shared machinery of the TF.js routers (mlp, mf, contrastive): a raw per-model output from `forward`,
 * chunked tidy prediction, the score scale, optional calibration to the score scale, Float32 weight files,
 * disposal. Subclasses define the variables, the forward pass and the training objective.
 */
export abstract class TfRouter<P extends Record<string, unknown>> implements Router {
  abstract readonly kind: string;
  models: string[] = [];
  protected dim = 0;
  protected vars: Record<string, tf.Variable> | null = null;
  protected scale: ScoreScale = { lo: 0, hi: 1, binary: false, observed: 0 };
  protected calib: Calibration | null = null;
  /** Training history of the last fit (for reports); null after load. */
  lastTrain: TrainResult | null = null;

  constructor(readonly params: P) {}

  abstract fit(data: TrainingSet, opts?: FitOptions): Promise<this>;

  /** Raw per-model output [batch, models] (a logit, a preference strength, a similarity). */
  protected abstract forward(x: tf.Tensor2D, ctx?: StepContext): tf.Tensor2D;

  /** Subclass state beyond weights/scale/calibration (JSON). */
  protected extraState(): Record<string, unknown> {
    return {};
  }
  protected restoreExtra(_state: Record<string, unknown>): void {}

  /**
   * Map one row of raw outputs to qualities on the score scale: the fitted calibration (win probability vs
   * the field for models with fewer than params.minCalibration observed scores), else σ(raw).
   */
  protected outputRow(raw: Float32Array, out: Float64Array): void {
    const minCal = typeof this.params.minCalibration === 'number' ? this.params.minCalibration : 1;
    for (let j = 0; j < raw.length; j++) {
      const u = this.calib ? calibrated(this.calib, raw, j, minCal) : 1 / (1 + Math.exp(-raw[j]!));
      out[j] = fromUnit(this.scale, u);
    }
  }

  protected requireVars(): Record<string, tf.Variable> {
    if (!this.vars) throw new NotFittedError(`${this.kind} router`);
    return this.vars;
  }

  protected checkDim(x: Float32Array, where: string): void {
    if (x.length !== this.dim)
      throw new LlmrError(`feature vector ${where} has ${x.length} dims, the ${this.kind} router was trained on ${this.dim}`, {
        field: 'features',
        fix: 'use the featurizer stored with the router artifact',
      });
  }

  /** Validate a training (and validation) set and set models, dim and score scale from it. */
  protected begin(data: TrainingSet, validation?: TrainingSet): void {
    this.dim = checkTrainingSet(this.kind, data);
    checkValidationSet(this.kind, data, validation);
    this.dispose();
    this.models = [...data.models];
    this.scale = fitScoreScale(data.scores);
    this.calib = null;
  }

  /** New variables from initial values, replacing any old ones. */
  protected setVars(init: Record<string, { values: Float32Array; shape: number[] }>): Record<string, tf.Variable> {
    this.dispose();
    this.vars = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, variableFrom(v.values, v.shape, `${this.kind}_${k}`)]));
    return this.vars;
  }

  /** Raw outputs for feature rows, row-major [rows × models]. */
  protected async rawOutputs(features: readonly Float32Array[]): Promise<Float32Array> {
    this.requireVars();
    const nm = this.models.length;
    const out = new Float32Array(features.length * nm);
    for (let i = 0; i < features.length; i += PREDICT_CHUNK) {
      const rows = range(Math.min(PREDICT_CHUNK, features.length - i)).map((k) => k + i);
      out.set(await readTidy(() => this.forward(rowsTensor(features, rows, this.dim))), i * nm);
    }
    return out;
  }

  /**
   * Fit the calibration on rows the weights were not fitted on: the given validation set, else the rows the
   * harness held out (`heldOutRows`, data row indices), else (no validation at all) the training rows.
   */
  protected async calibrate(data: TrainingSet, kind: CalibrationKind, validation: TrainingSet | undefined, heldOutRows: readonly number[]): Promise<void> {
    const set =
      validation ?? (heldOutRows.length > 0 ? { features: heldOutRows.map((r) => data.features[r]!), scores: heldOutRows.map((r) => data.scores[r]!) } : data);
    const raw = await this.rawOutputs(set.features);
    this.calib = fitCalibration(kind, raw, unitTargets(this.scale, set.scores, range(set.features.length), this.models.length), this.models.length);
  }

  async predict(features: readonly Float32Array[]): Promise<Float64Array[]> {
    this.requireVars();
    features.forEach((x, i) => this.checkDim(x, `${i}`));
    const nm = this.models.length;
    const raw = await this.rawOutputs(features);
    return features.map((_, i) => {
      const out = new Float64Array(nm);
      this.outputRow(raw.subarray(i * nm, (i + 1) * nm), out);
      return out;
    });
  }

  /** Per-epoch report → the Router progress callback. */
  protected progress(opts: FitOptions): (r: EpochReport) => void {
    return (r) =>
      opts.onProgress?.({ epoch: r.epoch, epochs: r.epochs, loss: r.loss, valLoss: r.valLoss, metric: r.metric, message: `lr ${r.lr.toExponential(2)}` });
  }

  async save(): Promise<RouterState> {
    const vars = this.requireVars();
    const { spec, bytes } = await packWeights(vars);
    return { state: { dim: this.dim, weights: spec, scale: this.scale, calibration: this.calib, ...this.extraState() }, files: { [WEIGHTS_FILE]: bytes } };
  }

  /** Restore a router of this kind from saved state (used by each subclass's static load). */
  protected restore(st: RouterState, models: readonly string[]): this {
    const parsed = BaseStateSchema.safeParse(st.state);
    if (!parsed.success)
      throw new LlmrError(`${this.kind} router state is malformed: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`, {
        field: 'state',
        fix: 're-train or re-save the artifact',
      });
    const s = parsed.data;
    this.models = [...models];
    this.dim = s.dim;
    this.scale = s.scale;
    this.calib = s.calibration;
    if (this.calib && calibrationModels(this.calib) !== models.length)
      throw new LlmrError(`${this.kind} router calibration covers ${calibrationModels(this.calib)} models, the artifact lists ${models.length}`, {
        field: 'state.calibration',
      });
    this.restoreExtra(st.state);
    this.setVars(unpackWeights(s.weights, st.files[WEIGHTS_FILE], `${this.kind} router`));
    return this;
  }

  dispose(): void {
    if (this.vars) for (const v of Object.values(this.vars)) v.dispose();
    this.vars = null;
  }
}
