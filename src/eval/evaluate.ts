import { LlmrError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import { oracle, randomPredictions } from './baselines.js';
import { bootstrap, type BootstrapInterval } from './bootstrap.js';
import { modelMeans, type EvalTable } from './evalTable.js';
import { aiq, clipHull, maxHullCost, nonDecreasingHull, type CostQuality } from './hull.js';
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
 * bootstrap intervals and task slices follow the routers' rules. It is compared up to the common maximum
 * cost set by the routers, the random router and the Zero router, which it does not move: hull vertices
 * beyond that cost are cut from its AIQ (clipHull), so adding it leaves every other number unchanged.
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
  /** Strong/weak pair for RouteLLM metrics; default: the two models of a 2-model table (strong = costlier); null = none. */
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
  /** Set when the hull goes beyond the common maximum cost (an extra series): the AIQ integrates it up to this cost only. */
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
  /** The common right end of the AIQ integrals. */
  maxCost: number;
  wtpGrid: number[];
  routers: SeriesResult[];
  /** The extra series (EvalOptions.extraSeries), e.g. a cascade. */
  extra: SeriesResult[];
  random: SeriesResult;
  slices: TaskSlice[];
  options: EvalSettings;
  /** The reference router every other one is compared with (EvalOptions.reference). */
  reference?: string;
}

interface Swept {
  name: string;
  kind: string;
  digest?: string;
  outcomes: ChosenOutcomes[];
  score?: Float64Array;
}

const DEFAULTS: EvalSettings = { wtpPoints: 64, bins: 10, randomSeeds: 5, bootstrap: 200, seed: 0, alpha: 0.05, minTaskRows: 20 };

function resolvePair(t: EvalTable, pair: PairSpec | null | undefined): { s: number; w: number } | null {
  if (pair === null) return null;
  if (pair) {
    const s = t.models.indexOf(pair.strong);
    const w = t.models.indexOf(pair.weak);
    if (s < 0) throw new LlmrError(`strong model "${pair.strong}" is not in the test data; models: ${t.models.join(', ')}`, { field: 'strong', fix: `use one of: ${t.models.join(', ')}` });
    if (w < 0) throw new LlmrError(`weak model "${pair.weak}" is not in the test data; models: ${t.models.join(', ')}`, { field: 'weak', fix: `use one of: ${t.models.join(', ')}` });
    if (s === w) throw new LlmrError('strong and weak models must differ', { field: 'weak' });
    return { s, w };
  }
  if (t.models.length !== 2) return null;
  const { quality, cost } = modelMeans(t);
  const s = cost[0]! > cost[1]! || (cost[0] === cost[1] && quality[0]! >= quality[1]!) ? 0 : 1;
  return { s, w: 1 - s };
}

function checkShape(t: EvalTable, r: RouterPredictions): void {
  const n = t.ids.length;
  const m = t.models.length;
  if (r.pred.length !== n || r.expectedCost.length !== n) throw new LlmrError(`router "${r.name}": predictions for ${r.pred.length} rows, test set has ${n}`, { field: 'pred' });
  if (r.pred.some((p) => p.length !== m) || r.expectedCost.some((c) => c.length !== m)) throw new LlmrError(`router "${r.name}": predictions must have one column per test model (${m})`, { field: 'pred' });
}

function checkSeries(t: EvalTable, s: SeriesInput): void {
  const n = t.ids.length;
  if (s.knobs.length === 0 || s.outcomes.length !== s.knobs.length) throw new LlmrError(`series "${s.name}": ${s.outcomes.length} outcome sets for ${s.knobs.length} knob values (need one per knob, at least one)`, { field: 'extraSeries.outcomes' });
  s.outcomes.forEach((oc, k) => {
    if (oc.choice.length !== n || oc.quality.length !== n || oc.cost.length !== n || (oc.calls && oc.calls.length !== n)) throw new LlmrError(`series "${s.name}": outcomes at knob ${s.knobs[k]} cover ${oc.choice.length} rows, the test set has ${n}`, { field: `extraSeries.outcomes[${k}]` });
    for (let i = 0; i < n; i++) if (!(oc.choice[i]! >= 0 && oc.choice[i]! < t.models.length)) throw new LlmrError(`series "${s.name}": choice ${oc.choice[i]} at row ${i} is not a model column (0..${t.models.length - 1})`, { field: `extraSeries.outcomes[${k}].choice` });
  });
}

function resolveReference(routers: readonly RouterPredictions[], reference: string | null | undefined): number {
  if (reference === undefined || reference === null) return -1;
  const k = routers.findIndex((r) => r.name === reference);
  const names = routers.map((r) => r.name);
  if (k < 0) throw new LlmrError(`reference router "${reference}" is not among the evaluated routers (${names.join(', ') || 'none'})`, { field: 'reference', fix: `use one of: ${names.join(', ')}` });
  return k;
}

/** AIQ of a hull cut at the common maximum cost (NaN when it starts beyond it). */
function clippedAiq(hull: readonly CostQuality[], maxCost: number): number {
  const c = clipHull(hull, maxCost);
  return c.length ? aiq(c, maxCost) : Number.NaN;
}

export function evaluateRouters(t: EvalTable, routers: readonly RouterPredictions[], options: EvalOptions = {}): DatasetEval {
  const o: EvalSettings = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS) as (keyof EvalSettings)[]) {
    const v = options[k];
    if (v !== undefined) o[k] = v;
  }
  for (const r of routers) checkShape(t, r);
  const extras = options.extraSeries ?? [];
  for (const s of extras) checkSeries(t, s);
  const ref = resolveReference(routers, options.reference);
  const n = t.ids.length;
  const m = t.models.length;
  const pairIdx = resolvePair(t, options.pair);
  let qmin = Infinity;
  let qmax = -Infinity;
  for (const q of t.quality) for (let j = 0; j < m; j++) (qmin = Math.min(qmin, q[j]!)), (qmax = Math.max(qmax, q[j]!));
  const expected0 = routers[0]?.expectedCost ?? t.cost;
  const grid = wtpGrid(expected0, qmax - qmin, o.wtpPoints);
  const policies: Policy[] = grid.map((wtp) => ({ kind: 'willingness-to-pay', wtp }));
  const po: PairOutcomes | null = pairIdx
    ? { qStrong: t.quality.map((q) => q[pairIdx.s]!), qWeak: t.quality.map((q) => q[pairIdx.w]!), cStrong: t.cost.map((c) => c[pairIdx.s]!), cWeak: t.cost.map((c) => c[pairIdx.w]!) }
    : null;

  const sweep = (name: string, kind: string, pred: Float64Array[], expectedCost: Float64Array[], digest?: string): Swept => ({
    name,
    kind,
    digest,
    outcomes: policies.map((p) => chosenOutcomes(t, routeRows(t.models, pred, expectedCost, p))),
    score: pairIdx ? Float64Array.from(pred, (p) => p[pairIdx.s]! - p[pairIdx.w]!) : undefined,
  });
  const trained = routers.map((r) => sweep(r.name, r.kind, r.pred, r.expectedCost, r.digest));
  const randoms = Array.from({ length: o.randomSeeds }, (_, k) => sweep('random', 'random', randomPredictions(n, m, o.seed + 1000 + k), expected0));
  const extraSwept: Swept[] = extras.map((s) => ({ name: s.name, kind: s.kind, digest: s.digest, outcomes: [...s.outcomes] }));

  /** The metrics that are recomputed per resample / per slice. */
  const core = (rows: ArrayLike<number> | undefined, randomPair = false) => {
    const means = modelMeans(t, rows);
    const singles = t.models.map((model, j) => ({ model, cost: means.cost[j]!, quality: means.quality[j]! }));
    const zeroHull = nonDecreasingHull(singles.map((s) => [s.cost, s.quality] as const));
    const hullOf = (s: Swept) => nonDecreasingHull(s.outcomes.map((oc) => {
      const r = meanOutcome(oc, rows);
      return [r.cost, r.quality] as const;
    }));
    const trainedHulls = trained.map(hullOf);
    const randomHulls = randoms.map(hullOf);
    const extraHulls = extraSwept.map(hullOf);
    const maxCost = maxHullCost([zeroHull, ...trainedHulls, ...randomHulls]);
    const qW = pairIdx ? means.quality[pairIdx.w]! : Number.NaN;
    const qS = pairIdx ? means.quality[pairIdx.s]! : Number.NaN;
    const pairOf = (s: Swept) => (po && s.score && qS !== qW ? apgr(decileSweep(s.score, po, o.bins, rows), qW, qS).apgr : undefined);
    return {
      singles,
      zeroHull,
      zeroAiq: aiq(zeroHull, maxCost),
      maxCost,
      trainedHulls,
      randomHulls,
      trainedAiq: trainedHulls.map((h) => aiq(h, maxCost)),
      randomAiq: randomHulls.map((h) => aiq(h, maxCost)),
      extraHulls,
      extraAiq: extraHulls.map((h) => clippedAiq(h, maxCost)),
      trainedApgr: trained.map(pairOf),
      randomApgr: randomPair ? randoms.map(pairOf) : [],
      qW,
      qS,
    };
  };

  const full = core(undefined);
  const orc = oracle(t);

  const pairMetrics = (s: Swept): PairMetrics | undefined => {
    if (!po || !s.score || full.qS === full.qW) return undefined;
    const pts = decileSweep(s.score, po, o.bins);
    const a = apgr(pts, full.qW, full.qS);
    return {
      points: pts.map((p) => ({ ...p, pgr: pgr(p.quality, full.qW, full.qS) })),
      auc: a.auc,
      apgr: a.apgr,
      cpt: { p20: cpt(pts, full.qW, full.qS, 0.2), p50: cpt(pts, full.qW, full.qS, 0.5), p80: cpt(pts, full.qW, full.qS, 0.8) },
    };
  };

  const points = (s: Swept): OperatingPoint[] =>
    s.outcomes.map((oc, k) => ({ knob: grid[k]!, policy: policies[k]!, ...meanOutcome(oc), share: shareOf(t.models, oc.choice) }));

  const routerResults: SeriesResult[] = trained.map((s, k) => ({ name: s.name, kind: s.kind, digest: s.digest, points: points(s), hull: full.trainedHulls[k]!, aiq: full.trainedAiq[k]!, pair: pairMetrics(s) }));
  const extraResults: SeriesResult[] = extras.map((s, k) => {
    const hull = full.extraHulls[k]!;
    const r: SeriesResult = {
      name: s.name,
      kind: s.kind,
      digest: s.digest,
      description: s.description,
      knobLabel: s.knobLabel,
      points: s.outcomes.map((oc, q) => ({ knob: s.knobs[q]!, ...meanOutcome(oc), share: shareOf(t.models, oc.choice), ...(oc.calls ? { calls: mean(Array.from(oc.calls)) } : {}) })),
      hull,
      aiq: full.extraAiq[k]!,
    };
    if (hull[hull.length - 1]![0] > full.maxCost) r.clippedAt = full.maxCost;
    return r;
  });

  // random router: mean over seeds, point by point (same knob values / same decile index)
  const rPoints = randoms.map(points);
  const avgPoints: OperatingPoint[] = grid.map((knob, k) => ({
    knob,
    policy: policies[k]!,
    cost: mean(rPoints.map((p) => p[k]!.cost)),
    quality: mean(rPoints.map((p) => p[k]!.quality)),
    share: Object.fromEntries(t.models.map((mm) => [mm, mean(rPoints.map((p) => p[k]!.share[mm]!))])),
  }));
  const rPairs = randoms.map(pairMetrics).filter((x): x is PairMetrics => x !== undefined);
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
  const random: SeriesResult = {
    name: 'random',
    kind: 'random',
    points: avgPoints,
    hull: nonDecreasingHull(avgPoints.map((p) => [p.cost, p.quality] as const)),
    aiq: mean(full.randomAiq),
    aiqSd: std(full.randomAiq),
    seeds: o.randomSeeds,
    pair: randomPair,
  };

  if (ref >= 0) {
    const r0 = routerResults[ref]!;
    const diff = (s: SeriesResult): ReferenceDiff => ({
      name: r0.name,
      aiq: s.aiq - r0.aiq,
      ...(s.pair && r0.pair ? { apgr: s.pair.apgr - r0.pair.apgr } : {}),
    });
    routerResults.forEach((r, k) => {
      if (k !== ref) r.vsReference = diff(r);
    });
    for (const x of extraResults) x.vsReference = diff(x);
  }

  let zeroCI: BootstrapInterval | undefined;
  if (o.bootstrap > 0) {
    const ci = bootstrap(
      n,
      (rows) => {
        const c = core(rows);
        const out: Record<string, number> = { zero: c.zeroAiq };
        trained.forEach((_, k) => {
          out[`aiq:${k}`] = c.trainedAiq[k]!;
          out[`gain:${k}`] = c.trainedAiq[k]! - c.zeroAiq;
          const a = c.trainedApgr[k];
          if (a !== undefined) out[`apgr:${k}`] = a;
          if (ref >= 0 && k !== ref) {
            out[`vs:aiq:${k}`] = c.trainedAiq[k]! - c.trainedAiq[ref]!;
            const a0 = c.trainedApgr[ref];
            if (a !== undefined && a0 !== undefined) out[`vs:apgr:${k}`] = a - a0;
          }
        });
        extras.forEach((_, k) => {
          out[`x:aiq:${k}`] = c.extraAiq[k]!;
          out[`x:gain:${k}`] = c.extraAiq[k]! - c.zeroAiq;
          if (ref >= 0) out[`x:vs:aiq:${k}`] = c.extraAiq[k]! - c.trainedAiq[ref]!;
        });
        return out;
      },
      { replicates: o.bootstrap, seed: o.seed, alpha: o.alpha },
    );
    zeroCI = ci.zero;
    routerResults.forEach((r, k) => {
      r.aiqCI = ci[`aiq:${k}`];
      r.aiqGainCI = ci[`gain:${k}`];
      if (r.pair) r.pair.apgrCI = ci[`apgr:${k}`];
      if (r.vsReference) {
        r.vsReference.aiqCI = ci[`vs:aiq:${k}`];
        if (r.vsReference.apgr !== undefined) r.vsReference.apgrCI = ci[`vs:apgr:${k}`];
      }
    });
    extraResults.forEach((r, k) => {
      r.aiqCI = ci[`x:aiq:${k}`];
      r.aiqGainCI = ci[`x:gain:${k}`];
      if (r.vsReference) r.vsReference.aiqCI = ci[`x:vs:aiq:${k}`];
    });
  }

  // per-task slices
  const slices: TaskSlice[] = [];
  if (t.tasks) {
    const byTask = new Map<string, number[]>();
    t.tasks.forEach((task, i) => {
      if (task === undefined) return;
      let l = byTask.get(task);
      if (!l) byTask.set(task, (l = []));
      l.push(i);
    });
    // one task only: the slice would repeat the whole table
    for (const [task, rowsArr] of byTask.size < 2 ? [] : [...byTask.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (rowsArr.length < o.minTaskRows) continue;
      const rows = Int32Array.from(rowsArr);
      const c = core(rows, true);
      const orcT = oracle(t, rows);
      const best = [...c.singles].sort((a, b) => b.quality - a.quality || a.cost - b.cost)[0]!;
      slices.push({
        task,
        rows: rows.length,
        best,
        zeroAiq: c.zeroAiq,
        oracle: { cost: orcT.cost, quality: orcT.quality },
        routers: trained.map((s, k) => ({ name: s.name, aiq: c.trainedAiq[k]!, apgr: c.trainedApgr[k], maxQuality: Math.max(...c.trainedHulls[k]!.map((h) => h[1])) })),
        extra: extraSwept.map((s, k) => ({ name: s.name, aiq: c.extraAiq[k]!, maxQuality: Math.max(...c.extraHulls[k]!.map((h) => h[1])) })),
        random: { aiq: mean(c.randomAiq), apgr: c.randomApgr.length && c.randomApgr[0] !== undefined ? mean(c.randomApgr.map((x) => x!)) : undefined },
      });
    }
  }

  const out: DatasetEval = {
    name: t.name,
    rows: n,
    dropped: t.dropped,
    digest: t.digest,
    models: [...t.models],
    costSource: t.costSource,
    singles: full.singles,
    zero: { hull: full.zeroHull, aiq: full.zeroAiq, aiqCI: zeroCI },
    oracle: { cost: orc.cost, quality: orc.quality, share: orc.share },
    maxCost: full.maxCost,
    wtpGrid: grid,
    routers: routerResults,
    extra: extraResults,
    random,
    slices,
    options: o,
    ...(ref >= 0 ? { reference: routers[ref]!.name } : {}),
  };
  if (pairIdx && po) {
    const strong = t.models[pairIdx.s]!;
    const weak = t.models[pairIdx.w]!;
    const means = modelMeans(t);
    out.pair = {
      strong,
      weak,
      qStrong: full.qS,
      qWeak: full.qW,
      cStrong: means.cost[pairIdx.s]!,
      cWeak: means.cost[pairIdx.w]!,
      optimal: Array.from({ length: 11 }, (_, k) => ({ share: k / 10, quality: optimalQualityAtShare(po, k / 10) })),
    };
    out.zero.pair = { apgr: 0.5 };
    // the oracle's share of strong calls: rows where the strong model is strictly better than the weak one
    let need = 0;
    for (let i = 0; i < n; i++) if (po.qStrong[i]! > po.qWeak[i]!) need++;
    out.oracle.pairShare = need / n;
  }
  return out;
}
