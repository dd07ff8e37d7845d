import { LlmrError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import { oracle, randomPredictions } from './baselines.js';
import { percentileInterval, resamples, type BootstrapInterval } from './bootstrap.js';
import { modelMeans, type EvalTable } from './evalTable.js';
import { dataAiq, dataCostRange, nonDecreasingHull, type CostQuality } from './hull.js';
import { apgr, cpt, decileSweep, optimalQualityAtShare, pgr, type PairOutcomes, type SharePoint } from './routellm.js';
import { mean, std } from './numeric.js';
import { chosenOutcomes, meanOutcome, routeRows, shareOf, wtpGrid, type ChosenOutcomes, type OperatingPoint } from './sweep.js';

/**
 * Offline evaluation of routers on a score-table test set: RouterBench metrics for N models (cost–quality
 * points over a willingness-to-pay sweep, non-decreasing convex hull, AIQ against the Zero router and the
 * oracle) and, for a strong/weak pair, RouteLLM metrics (decile threshold sweep, PGR, APGR, CPT), with
 * baselines (single models, random router over several seeds, Zero router, oracle), bootstrap intervals
 * and per-task slices. Series computed elsewhere (a cascade over its threshold τ, src/cascade) come in as
 * per-row outcomes and get the same hull, AIQ, intervals and slices.
 */

/** A router's predictions on an EvalTable's rows, columns in the table's model order. */
export interface RouterPredictions {
  name: string;
  kind: string;
  /** Identity of the artifact (sha256), shown in reports. */
  digest?: string;
  pred: Float64Array[];
  /** Expected USD per call the router decides with (its price table), per row and model. */
  expectedCost: Float64Array[];
}

/**
 * A series of operating points that is not a router under a willingness-to-pay sweep (e.g. a cascade over
 * its acceptance threshold τ): per-row outcomes of each knob setting on the table's rows, so its hull, AIQ,
 * bootstrap intervals and task slices follow the routers' rules. Like every series it is integrated up to
 * the costliest single model's mean cost (fixed by the data): hull vertices beyond are cut (clipHull), and
 * adding it leaves every other number unchanged.
 */
export interface SeriesInput {
  name: string;
  kind: string;
  digest?: string;
  /** What the series is, for reports (e.g. a cascade's chain and reward model). */
  description?: string;
  /** Knob value of each setting (a cascade: τ). */
  knobs: readonly number[];
  /** What the knob is, for reports (a cascade: "τ"). */
  knobLabel?: string;
  /** outcomes[k]: per-row outcomes at knobs[k], rows in the table's order. */
  outcomes: readonly ChosenOutcomes[];
}

export interface PairSpec {
  strong: string;
  weak: string;
}

export interface EvalOptions {
  /**
   * Strong/weak pair for RouteLLM metrics; default: the two models of a 2-model table (strong = costlier,
   * unless the costlier is worse: then strong = the better one, with a warning); null = none.
   */
  pair?: PairSpec | null;
  /** Log-spaced willingness-to-pay values (plus 0). */
  wtpPoints?: number;
  /** Quantile bins of the threshold sweep (RouteLLM: 10 → 11 thresholds). */
  bins?: number;
  /** Seeds of the random router, averaged. */
  randomSeeds?: number;
  /** Bootstrap resamples for intervals; 0 = none. */
  bootstrap?: number;
  seed?: number;
  alpha?: number;
  /** Tasks with fewer test rows are not sliced. */
  minTaskRows?: number;
  /** Precomputed series evaluated beside the routers (see SeriesInput). */
  extraSeries?: readonly SeriesInput[];
  /**
   * Name of one of the routers to compare every other router and series with: their AIQ and APGR minus the
   * reference's, with intervals from the same bootstrap resamples (paired, so much narrower than the
   * difference of two separate intervals). Unset or null: no comparison.
   */
  reference?: string | null;
}

/** The numeric settings of an evaluation (defaults filled in), as reported. */
export type EvalSettings = Required<Omit<EvalOptions, 'pair' | 'extraSeries' | 'reference'>>;

export interface PairPoint extends SharePoint {
  pgr: number;
}

export interface PairMetrics {
  points: PairPoint[];
  auc: number;
  apgr: number;
  apgrCI?: BootstrapInterval;
  apgrSd?: number;
  /** Share of strong calls (fraction) to reach 20/50/80 % of the quality gap; NaN = never reached. */
  cpt: { p20: number; p50: number; p80: number };
}

export interface SeriesResult {
  name: string;
  kind: string;
  digest?: string;
  description?: string;
  /** An extra series' knob (e.g. τ); routers sweep willingness to pay. */
  knobLabel?: string;
  /** Willingness-to-pay sweep (an extra series: its own knob). */
  points: OperatingPoint[];
  /** Non-decreasing hull of all the points. */
  hull: CostQuality[];
  aiq: number;
  /** Set when the hull goes beyond the costliest single model's mean cost (a cascade, per-call costs): the AIQ integrates it up to this cost only. */
  clippedAt?: number;
  aiqCI?: BootstrapInterval;
  /** AIQ minus the Zero router's AIQ on the same resamples. */
  aiqGainCI?: BootstrapInterval;
  /** Spread over seeds (random router only). */
  aiqSd?: number;
  /** This series minus the reference router (EvalOptions.reference), paired over the same resamples. */
  vsReference?: ReferenceDiff;
  seeds?: number;
  pair?: PairMetrics;
}

export interface ReferenceDiff {
  /** The reference router's name. */
  name: string;
  /** AIQ minus the reference's AIQ. */
  aiq: number;
  aiqCI?: BootstrapInterval;
  /** APGR minus the reference's APGR (strong/weak pair only). */
  apgr?: number;
  apgrCI?: BootstrapInterval;
}

export interface SingleModel {
  model: string;
  cost: number;
  quality: number;
}

export interface TaskSlice {
  task: string;
  rows: number;
  best: SingleModel;
  zeroAiq: number;
  oracle: { cost: number; quality: number };
  routers: { name: string; aiq: number; apgr?: number; maxQuality: number }[];
  extra: { name: string; aiq: number; maxQuality: number }[];
  random: { aiq: number; apgr?: number };
}

export interface DatasetEval {
  name: string;
  rows: number;
  dropped: number;
  digest: string;
  models: string[];
  costSource: EvalTable['costSource'];
  singles: SingleModel[];
  zero: { hull: CostQuality[]; aiq: number; aiqCI?: BootstrapInterval; pair?: { apgr: number } };
  oracle: { cost: number; quality: number; share: Record<string, number>; pairShare?: number };
  pair?: { strong: string; weak: string; qStrong: number; qWeak: number; cStrong: number; cWeak: number; optimal: { share: number; quality: number }[] };
  /**
   * The right end of every AIQ integral: the costliest single model's mean cost on the test rows (fixed by
   * the data, so a router's AIQ does not depend on what it is compared with; hulls beyond it are cut).
   */
  maxCost: number;
  /** The random router's willingness-to-pay grid, fitted to the data's costs (each router's own grid is in its points' knobs). */
  wtpGrid: number[];
  routers: SeriesResult[];
  /** The extra series (EvalOptions.extraSeries), e.g. a cascade. */
  extra: SeriesResult[];
  random: SeriesResult;
  slices: TaskSlice[];
  options: EvalSettings;
  /** The reference router every other one is compared with (EvalOptions.reference). */
  reference?: string;
  /** Conditions that change how the numbers read (equal model costs, an inverted strong/weak pair); printed by the CLI and the report. */
  warnings: string[];
}

interface Swept {
  name: string;
  kind: string;
  digest?: string;
  /** Knob values (willingness to pay: fitted to this series' own expected costs) and their policies. */
  grid: number[];
  policies?: Policy[];
  outcomes: ChosenOutcomes[];
  score?: Float64Array;
}

const DEFAULTS: EvalSettings = { wtpPoints: 64, bins: 10, randomSeeds: 5, bootstrap: 200, seed: 0, alpha: 0.05, minTaskRows: 20 };

function resolvePair(t: EvalTable, pair: PairSpec | null | undefined, warnings: string[]): { s: number; w: number } | null {
  if (pair === null) return null;
  const { quality, cost } = modelMeans(t);
  const usd = (j: number) => `$${(cost[j]! * 1000).toPrecision(3)}/1k`;
  if (pair) {
    const s = t.models.indexOf(pair.strong);
    const w = t.models.indexOf(pair.weak);
    if (s < 0)
      throw new LlmrError(`strong model "${pair.strong}" is not in the test data; models: ${t.models.join(', ')}`, {
        field: 'strong',
        fix: `use one of: ${t.models.join(', ')}`,
      });
    if (w < 0)
      throw new LlmrError(`weak model "${pair.weak}" is not in the test data; models: ${t.models.join(', ')}`, {
        field: 'weak',
        fix: `use one of: ${t.models.join(', ')}`,
      });
    if (s === w) throw new LlmrError('strong and weak models must differ', { field: 'weak' });
    if (!(quality[s]! > quality[w]!))
      warnings.push(
        `strong model ${t.models[s]} (quality ${quality[s]!.toFixed(3)}) is not better than weak ${t.models[w]} (${quality[w]!.toFixed(3)}) on these rows: APGR and CPT would be normalised by a gap ≤ 0, so they are not reported`,
      );
    return { s, w };
  }
  if (t.models.length !== 2) return null;
  const pricier = cost[0]! > cost[1]! || (cost[0] === cost[1] && quality[0]! >= quality[1]!) ? 0 : 1;
  const other = 1 - pricier;
  if (quality[pricier]! < quality[other]!) {
    // RouteLLM's strong model is the better one; by price alone the gap would be negative (APGR inverted, CPT 0%)
    warnings.push(
      `the pricier model ${t.models[pricier]} (${usd(pricier)}) is worse (quality ${quality[pricier]!.toFixed(3)}) than ${t.models[other]} (${usd(other)}, ${quality[other]!.toFixed(3)}): always calling ${t.models[other]} is better and cheaper, so no router can gain over it; the strong/weak pair is taken by quality (strong = ${t.models[other]}) and APGR/CPT only measure how well a router orders the prompts`,
    );
    return { s: other, w: pricier };
  }
  return { s: pricier, w: other };
}

function checkShape(t: EvalTable, r: RouterPredictions): void {
  const n = t.ids.length;
  const m = t.models.length;
  if (r.pred.length !== n || r.expectedCost.length !== n)
    throw new LlmrError(`router "${r.name}": predictions for ${r.pred.length} rows, test set has ${n}`, { field: 'pred' });
  if (r.pred.some((p) => p.length !== m) || r.expectedCost.some((c) => c.length !== m))
    throw new LlmrError(`router "${r.name}": predictions must have one column per test model (${m})`, { field: 'pred' });
}

function checkSeries(t: EvalTable, s: SeriesInput): void {
  const n = t.ids.length;
  if (s.knobs.length === 0 || s.outcomes.length !== s.knobs.length)
    throw new LlmrError(`series "${s.name}": ${s.outcomes.length} outcome sets for ${s.knobs.length} knob values (need one per knob, at least one)`, {
      field: 'extraSeries.outcomes',
    });
  s.outcomes.forEach((oc, k) => {
    if (oc.choice.length !== n || oc.quality.length !== n || oc.cost.length !== n || (oc.calls && oc.calls.length !== n))
      throw new LlmrError(`series "${s.name}": outcomes at knob ${s.knobs[k]} cover ${oc.choice.length} rows, the test set has ${n}`, {
        field: `extraSeries.outcomes[${k}]`,
      });
    for (let i = 0; i < n; i++)
      if (!(oc.choice[i]! >= 0 && oc.choice[i]! < t.models.length))
        throw new LlmrError(`series "${s.name}": choice ${oc.choice[i]} at row ${i} is not a model column (0..${t.models.length - 1})`, {
          field: `extraSeries.outcomes[${k}].choice`,
        });
  });
}

function resolveReference(routers: readonly RouterPredictions[], reference: string | null | undefined): number {
  if (reference === undefined || reference === null) return -1;
  const k = routers.findIndex((r) => r.name === reference);
  const names = routers.map((r) => r.name);
  if (k < 0)
    throw new LlmrError(`reference router "${reference}" is not among the evaluated routers (${names.join(', ') || 'none'})`, {
      field: 'reference',
      fix: `use one of: ${names.join(', ')}`,
    });
  return k;
}

/** Everything the steps of one evaluation share: the table, the settings, the sweeps of every series. */
interface EvalContext {
  t: EvalTable;
  o: EvalSettings;
  rows: number;
  /** Column indices of the strong/weak pair, when RouteLLM metrics apply. */
  pairIdx: { s: number; w: number } | null;
  /** Per-row outcomes of the strong and the weak model (pair only). */
  po: PairOutcomes | null;
  /** The random router's willingness-to-pay grid (fitted to the data's costs); each router sweeps its own. */
  grid: number[];
  trained: Swept[];
  /** One sweep per random-router seed. */
  randoms: Swept[];
  extras: readonly SeriesInput[];
  extraSwept: Swept[];
  /** Index of the reference router in `trained`; −1 = none. */
  ref: number;
  /** What the reader must know about these numbers (degenerate costs, an inverted strong/weak pair). */
  warnings: string[];
}

/** The metrics recomputed on every bootstrap resample and every task slice (all rows: `rows` undefined). */
interface RowMetrics {
  singles: SingleModel[];
  zeroHull: CostQuality[];
  zeroAiq: number;
  maxCost: number;
  /** Every model costs the same on these rows: AIQ falls back to the quality at that cost (dataAiq). */
  degenerate: boolean;
  trainedHulls: CostQuality[][];
  randomHulls: CostQuality[][];
  trainedAiq: number[];
  randomAiq: number[];
  extraHulls: CostQuality[][];
  extraAiq: number[];
  trainedApgr: (number | undefined)[];
  randomApgr: (number | undefined)[];
  qW: number;
  qS: number;
}

/** One bootstrap resample's values, by series index (undefined: not defined on this resample). */
interface Replicate {
  zero: number;
  aiq: number[];
  gain: number[];
  apgr: (number | undefined)[];
  vsAiq: (number | undefined)[];
  vsApgr: (number | undefined)[];
  extraAiq: number[];
  extraGain: number[];
  extraVsAiq: (number | undefined)[];
}

function settingsOf(options: EvalOptions): EvalSettings {
  const o: EvalSettings = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS) as (keyof EvalSettings)[]) {
    const v = options[k];
    if (v !== undefined) o[k] = v;
  }
  return o;
}

/** Validate the inputs, build the willingness-to-pay grid and sweep every router, random seed and extra series. */
function prepare(t: EvalTable, routers: readonly RouterPredictions[], options: EvalOptions): EvalContext {
  const o = settingsOf(options);
  for (const r of routers) checkShape(t, r);
  const extras = options.extraSeries ?? [];
  for (const s of extras) checkSeries(t, s);
  const ref = resolveReference(routers, options.reference);
  const n = t.ids.length;
  const m = t.models.length;
  const warnings: string[] = [];
  const pairIdx = resolvePair(t, options.pair, warnings);
  let qmin = Infinity;
  let qmax = -Infinity;
  for (const q of t.quality) for (let j = 0; j < m; j++) (qmin = Math.min(qmin, q[j]!)), (qmax = Math.max(qmax, q[j]!));
  // each router is swept over a grid fitted to its own expected costs, the random router over the data's
  // costs: no series' points depend on which other routers are evaluated
  const gridOf = (expectedCost: readonly Float64Array[]) => wtpGrid(expectedCost, qmax - qmin, o.wtpPoints);
  const grid = gridOf(t.cost);
  const po: PairOutcomes | null = pairIdx
    ? {
        qStrong: t.quality.map((q) => q[pairIdx.s]!),
        qWeak: t.quality.map((q) => q[pairIdx.w]!),
        cStrong: t.cost.map((c) => c[pairIdx.s]!),
        cWeak: t.cost.map((c) => c[pairIdx.w]!),
      }
    : null;
  const sweep = (name: string, kind: string, pred: Float64Array[], expectedCost: Float64Array[], digest?: string): Swept => {
    const g = expectedCost === t.cost ? grid : gridOf(expectedCost);
    const policies: Policy[] = g.map((wtp) => ({ kind: 'willingness-to-pay', wtp }));
    return {
      name,
      kind,
      digest,
      grid: g,
      policies,
      outcomes: policies.map((p) => chosenOutcomes(t, routeRows(t.models, pred, expectedCost, p))),
      score: pairIdx ? Float64Array.from(pred, (p) => p[pairIdx.s]! - p[pairIdx.w]!) : undefined,
    };
  };
  return {
    t,
    o,
    rows: n,
    pairIdx,
    po,
    grid,
    trained: routers.map((r) => sweep(r.name, r.kind, r.pred, r.expectedCost, r.digest)),
    randoms: Array.from({ length: o.randomSeeds }, (_, k) => sweep('random', 'random', randomPredictions(n, m, o.seed + 1000 + k), t.cost)),
    extras,
    extraSwept: extras.map((s) => ({ name: s.name, kind: s.kind, digest: s.digest, grid: [...s.knobs], outcomes: [...s.outcomes] })),
    ref,
    warnings,
  };
}

/** Hulls, AIQs and APGRs of every series on a subset of rows (a resample, a task slice; undefined = all rows). */
function rowMetrics(c: EvalContext, rows: ArrayLike<number> | undefined, randomPair = false): RowMetrics {
  const { t, pairIdx, po } = c;
  const means = modelMeans(t, rows);
  const singles = t.models.map((model, j) => ({ model, cost: means.cost[j]!, quality: means.quality[j]! }));
  const zeroHull = nonDecreasingHull(singles.map((s) => [s.cost, s.quality] as const));
  const hullOf = (s: Swept) =>
    nonDecreasingHull(
      s.outcomes.map((oc) => {
        const r = meanOutcome(oc, rows);
        return [r.cost, r.quality] as const;
      }),
    );
  const trainedHulls = c.trained.map(hullOf);
  const randomHulls = c.randoms.map(hullOf);
  const extraHulls = c.extraSwept.map(hullOf);
  // the cost range is fixed by the data (the single models' costs), not by the hulls compared, so a router's
  // AIQ is the same whatever else is evaluated beside it
  const { maxCost, degenerate } = dataCostRange(singles.map((s) => s.cost));
  const aiqOf = (h: CostQuality[]) => dataAiq(h, maxCost, degenerate);
  const qW = pairIdx ? means.quality[pairIdx.w]! : Number.NaN;
  const qS = pairIdx ? means.quality[pairIdx.s]! : Number.NaN;
  const pairOf = (s: Swept) => (po && s.score && qS > qW ? apgr(decileSweep(s.score, po, c.o.bins, rows), qW, qS).apgr : undefined);
  return {
    singles,
    zeroHull,
    zeroAiq: aiqOf(zeroHull),
    maxCost,
    degenerate,
    trainedHulls,
    randomHulls,
    trainedAiq: trainedHulls.map(aiqOf),
    randomAiq: randomHulls.map(aiqOf),
    extraHulls,
    extraAiq: extraHulls.map(aiqOf),
    trainedApgr: c.trained.map(pairOf),
    randomApgr: randomPair ? c.randoms.map(pairOf) : [],
    qW,
    qS,
  };
}

/** RouteLLM metrics of one series on all rows (strong/weak pair only). */
function pairMetrics(c: EvalContext, full: RowMetrics, s: Swept): PairMetrics | undefined {
  if (!c.po || !s.score || !(full.qS > full.qW)) return undefined;
  const pts = decileSweep(s.score, c.po, c.o.bins);
  const a = apgr(pts, full.qW, full.qS);
  return {
    points: pts.map((p) => ({ ...p, pgr: pgr(p.quality, full.qW, full.qS) })),
    auc: a.auc,
    apgr: a.apgr,
    cpt: { p20: cpt(pts, full.qW, full.qS, 0.2), p50: cpt(pts, full.qW, full.qS, 0.5), p80: cpt(pts, full.qW, full.qS, 0.8) },
  };
}

/** Operating points of a willingness-to-pay sweep. */
function sweepPoints(c: EvalContext, s: Swept): OperatingPoint[] {
  return s.outcomes.map((oc, k) => ({ knob: s.grid[k]!, policy: s.policies![k]!, ...meanOutcome(oc), share: shareOf(c.t.models, oc.choice) }));
}

function routerResults(c: EvalContext, full: RowMetrics): SeriesResult[] {
  return c.trained.map((s, k) => {
    const hull = full.trainedHulls[k]!;
    const r: SeriesResult = {
      name: s.name,
      kind: s.kind,
      digest: s.digest,
      points: sweepPoints(c, s),
      hull,
      aiq: full.trainedAiq[k]!,
      pair: pairMetrics(c, full, s),
    };
    // per-call costs can take a router past the costliest model's mean cost: its AIQ stops there
    if (hull[hull.length - 1]![0] > full.maxCost * (1 + 1e-12)) r.clippedAt = full.maxCost;
    return r;
  });
}

function extraResults(c: EvalContext, full: RowMetrics): SeriesResult[] {
  return c.extras.map((s, k) => {
    const hull = full.extraHulls[k]!;
    const r: SeriesResult = {
      name: s.name,
      kind: s.kind,
      digest: s.digest,
      description: s.description,
      knobLabel: s.knobLabel,
      points: s.outcomes.map((oc, q) => ({
        knob: s.knobs[q]!,
        ...meanOutcome(oc),
        share: shareOf(c.t.models, oc.choice),
        ...(oc.calls ? { calls: mean(Array.from(oc.calls)) } : {}),
      })),
      hull,
      aiq: full.extraAiq[k]!,
    };
    if (hull[hull.length - 1]![0] > full.maxCost * (1 + 1e-12)) r.clippedAt = full.maxCost;
    return r;
  });
}

/** The random router: mean over seeds, point by point (same knob values / same decile index). */
function randomResult(c: EvalContext, full: RowMetrics): SeriesResult {
  const { t, grid } = c;
  const policies = c.randoms[0]?.policies ?? grid.map((wtp): Policy => ({ kind: 'willingness-to-pay', wtp }));
  const rPoints = c.randoms.map((s) => sweepPoints(c, s));
  const avgPoints: OperatingPoint[] = grid.map((knob, k) => ({
    knob,
    policy: policies[k]!,
    cost: mean(rPoints.map((p) => p[k]!.cost)),
    quality: mean(rPoints.map((p) => p[k]!.quality)),
    share: Object.fromEntries(t.models.map((mm) => [mm, mean(rPoints.map((p) => p[k]!.share[mm]!))])),
  }));
  const rPairs = c.randoms.map((s) => pairMetrics(c, full, s)).filter((x): x is PairMetrics => x !== undefined);
  const randomPair: PairMetrics | undefined = rPairs.length
    ? {
        points: rPairs[0]!.points.map((_, k) => {
          const share = mean(rPairs.map((p) => p.points[k]!.share));
          const quality = mean(rPairs.map((p) => p.points[k]!.quality));
          return { threshold: Number.NaN, share, quality, cost: mean(rPairs.map((p) => p.points[k]!.cost)), pgr: pgr(quality, full.qW, full.qS) };
        }),
        auc: mean(rPairs.map((p) => p.auc)),
        apgr: mean(rPairs.map((p) => p.apgr)),
        apgrSd: std(rPairs.map((p) => p.apgr)),
        cpt: { p20: mean(rPairs.map((p) => p.cpt.p20)), p50: mean(rPairs.map((p) => p.cpt.p50)), p80: mean(rPairs.map((p) => p.cpt.p80)) },
      }
    : undefined;
  return {
    name: 'random',
    kind: 'random',
    points: avgPoints,
    hull: nonDecreasingHull(avgPoints.map((p) => [p.cost, p.quality] as const)),
    aiq: mean(full.randomAiq),
    aiqSd: std(full.randomAiq),
    seeds: c.o.randomSeeds,
    pair: randomPair,
  };
}

/** Every router but the reference, and every extra series, minus the reference router (point estimates). */
function attachReferenceDiffs(c: EvalContext, routers: SeriesResult[], extra: SeriesResult[]): void {
  if (c.ref < 0) return;
  const r0 = routers[c.ref]!;
  const diff = (s: SeriesResult): ReferenceDiff => ({
    name: r0.name,
    aiq: s.aiq - r0.aiq,
    ...(s.pair && r0.pair ? { apgr: s.pair.apgr - r0.pair.apgr } : {}),
  });
  routers.forEach((r, k) => {
    if (k !== c.ref) r.vsReference = diff(r);
  });
  for (const x of extra) x.vsReference = diff(x);
}

/** One resample's values of every bootstrapped quantity. */
function replicate(c: EvalContext, rows: Int32Array): Replicate {
  const m = rowMetrics(c, rows);
  const ref = c.ref;
  const hasRef = (k: number) => ref >= 0 && k !== ref;
  return {
    zero: m.zeroAiq,
    aiq: m.trainedAiq,
    gain: m.trainedAiq.map((a) => a - m.zeroAiq),
    apgr: m.trainedApgr,
    vsAiq: m.trainedAiq.map((a, k) => (hasRef(k) ? a - m.trainedAiq[ref]! : undefined)),
    vsApgr: m.trainedApgr.map((a, k) => {
      const a0 = m.trainedApgr[ref];
      return hasRef(k) && a !== undefined && a0 !== undefined ? a - a0 : undefined;
    }),
    extraAiq: m.extraAiq,
    extraGain: m.extraAiq.map((a) => a - m.zeroAiq),
    extraVsAiq: m.extraAiq.map((a) => (ref >= 0 ? a - m.trainedAiq[ref]! : undefined)),
  };
}

/** Percentile interval of one quantity over the resamples; undefined when no resample defines it. */
function intervalOf(reps: readonly Replicate[], value: (r: Replicate) => number | undefined, alpha: number): BootstrapInterval | undefined {
  const v: number[] = [];
  for (const r of reps) {
    const x = value(r);
    if (x !== undefined) v.push(x);
  }
  return v.length ? percentileInterval(v, alpha) : undefined;
}

/** Bootstrap intervals (paired: every quantity on the same resamples) attached to the results; returns the Zero router's. */
function attachIntervals(c: EvalContext, routers: SeriesResult[], extra: SeriesResult[]): BootstrapInterval | undefined {
  if (c.o.bootstrap <= 0) return undefined;
  const reps: Replicate[] = [];
  for (const rows of resamples(c.rows, c.o.bootstrap, c.o.seed)) reps.push(replicate(c, rows));
  const ci = (value: (r: Replicate) => number | undefined) => intervalOf(reps, value, c.o.alpha);
  routers.forEach((r, k) => {
    r.aiqCI = ci((x) => x.aiq[k]);
    r.aiqGainCI = ci((x) => x.gain[k]);
    if (r.pair) r.pair.apgrCI = ci((x) => x.apgr[k]);
    if (r.vsReference) {
      r.vsReference.aiqCI = ci((x) => x.vsAiq[k]);
      if (r.vsReference.apgr !== undefined) r.vsReference.apgrCI = ci((x) => x.vsApgr[k]);
    }
  });
  extra.forEach((r, k) => {
    r.aiqCI = ci((x) => x.extraAiq[k]);
    r.aiqGainCI = ci((x) => x.extraGain[k]);
    if (r.vsReference) r.vsReference.aiqCI = ci((x) => x.extraVsAiq[k]);
  });
  return ci((x) => x.zero);
}

/** Per-task slices (tasks with at least minTaskRows rows; none when the table has fewer than two tasks). */
function taskSlices(c: EvalContext): TaskSlice[] {
  const { t } = c;
  const slices: TaskSlice[] = [];
  if (!t.tasks) return slices;
  const byTask = new Map<string, number[]>();
  t.tasks.forEach((task, i) => {
    if (task === undefined) return;
    let l = byTask.get(task);
    if (!l) byTask.set(task, (l = []));
    l.push(i);
  });
  // one task only: the slice would repeat the whole table
  for (const [task, rowsArr] of byTask.size < 2 ? [] : [...byTask.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (rowsArr.length < c.o.minTaskRows) continue;
    const rows = Int32Array.from(rowsArr);
    const m = rowMetrics(c, rows, true);
    const orcT = oracle(t, rows);
    const best = [...m.singles].sort((a, b) => b.quality - a.quality || a.cost - b.cost)[0]!;
    slices.push({
      task,
      rows: rows.length,
      best,
      zeroAiq: m.zeroAiq,
      oracle: { cost: orcT.cost, quality: orcT.quality },
      routers: c.trained.map((s, k) => ({
        name: s.name,
        aiq: m.trainedAiq[k]!,
        apgr: m.trainedApgr[k],
        maxQuality: Math.max(...m.trainedHulls[k]!.map((h) => h[1])),
      })),
      extra: c.extraSwept.map((s, k) => ({ name: s.name, aiq: m.extraAiq[k]!, maxQuality: Math.max(...m.extraHulls[k]!.map((h) => h[1])) })),
      random: { aiq: mean(m.randomAiq), apgr: m.randomApgr.length && m.randomApgr[0] !== undefined ? mean(m.randomApgr.map((x) => x!)) : undefined },
    });
  }
  return slices;
}

/** The strong/weak pair's summary, the Zero router's APGR and the oracle's share of strong calls. */
function attachPair(c: EvalContext, full: RowMetrics, out: DatasetEval): void {
  const { t, pairIdx, po } = c;
  if (!pairIdx || !po) return;
  const means = modelMeans(t);
  out.pair = {
    strong: t.models[pairIdx.s]!,
    weak: t.models[pairIdx.w]!,
    qStrong: full.qS,
    qWeak: full.qW,
    cStrong: means.cost[pairIdx.s]!,
    cWeak: means.cost[pairIdx.w]!,
    optimal: Array.from({ length: 11 }, (_, k) => ({ share: k / 10, quality: optimalQualityAtShare(po, k / 10) })),
  };
  out.zero.pair = { apgr: 0.5 };
  // the oracle's share of strong calls: rows where the strong model is strictly better than the weak one
  let need = 0;
  for (let i = 0; i < c.rows; i++) if (po.qStrong[i]! > po.qWeak[i]!) need++;
  out.oracle.pairShare = need / c.rows;
}

/**
 * Evaluate routers (and extra series) on a test table, in steps: prepare (validate, sweep), metrics on all
 * rows, per-series results, reference differences, paired bootstrap intervals, task slices, pair summary.
 *
 * @example
 * ```ts
 * const table = evalTableFromRecords('test', records, prices);
 * const ev = evaluateRouters(table, [await pipelinePredictions(pipeline, table, 'knn')], { bootstrap: 200 });
 * console.log(ev.routers[0].aiq, ev.zero.aiq, ev.oracle.quality);
 * ```
 */
export function evaluateRouters(t: EvalTable, routers: readonly RouterPredictions[], options: EvalOptions = {}): DatasetEval {
  const c = prepare(t, routers, options);
  const full = rowMetrics(c, undefined);
  const orc = oracle(t);
  const routerSeries = routerResults(c, full);
  const extraSeries = extraResults(c, full);
  const random = randomResult(c, full);
  attachReferenceDiffs(c, routerSeries, extraSeries);
  const zeroCI = attachIntervals(c, routerSeries, extraSeries);
  const out: DatasetEval = {
    name: t.name,
    rows: c.rows,
    dropped: t.dropped,
    digest: t.digest,
    models: [...t.models],
    costSource: t.costSource,
    singles: full.singles,
    zero: { hull: full.zeroHull, aiq: full.zeroAiq, aiqCI: zeroCI },
    oracle: { cost: orc.cost, quality: orc.quality, share: orc.share },
    maxCost: full.maxCost,
    wtpGrid: c.grid,
    routers: routerSeries,
    extra: extraSeries,
    random,
    slices: taskSlices(c),
    options: c.o,
    ...(c.ref >= 0 ? { reference: routers[c.ref]!.name } : {}),
    warnings: [...c.warnings],
  };
  if (full.degenerate)
    out.warnings.push(
      `every model costs the same on these rows ($${(full.maxCost * 1000).toPrecision(3)}/1k queries): there is no cost–quality trade-off, so AIQ is reported as the quality each hull reaches at that cost`,
    );
  attachPair(c, full, out);
  return out;
}
