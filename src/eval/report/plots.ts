import type { DatasetEval, SeriesResult } from '../evaluate.js';
import { hullQualityAt, type CostQuality } from '../hull.js';
import type { OperatingPoint } from '../sweep.js';
import {
  colourAt,
  densify,
  renderDotPlot,
  renderPlot,
  renderShareBars,
  ROUTER_DASHES,
  ROUTER_MARKERS,
  type DotSeries,
  type MarkerKind,
  type PlotSeries,
  type ShareBar,
  type XY,
} from './svg.js';

/**
 * The report's figures for one evaluated data set, each with a short "how to read this" caption: quality vs
 * cost (hulls with the flat extension AIQ integrates), gain over the Zero router vs cost (separates curves
 * that lie on top of each other in the first plot), quality vs share of strong calls (pairs), AIQ per task,
 * and each router's share of calls per model at a few operating points.
 */

export interface Figure {
  /** data-plot id of the SVG. */
  id: string;
  svg: string;
  /** "How to read this", plain text. */
  howTo: string;
}

const f3 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(3) : '–');
const per1k = (usd: number) => (Number.isFinite(usd) ? `$${(usd * 1000).toPrecision(3)}` : '–');
const k1 = (h: readonly CostQuality[]): XY[] => h.map((p) => [p[0] * 1000, p[1]]);

/** Style of the i-th router: colour, marker and dash pattern all differ, so overlapping curves stay apart. */
export function routerStyle(i: number): { color: string; marker: MarkerKind; dash: string } {
  return { color: colourAt(i), marker: ROUTER_MARKERS[i % ROUTER_MARKERS.length]!, dash: ROUTER_DASHES[i % ROUTER_DASHES.length]! };
}

/** Routers then extra series (cascades), with their styles. */
function compared(d: DatasetEval): { s: SeriesResult; style: ReturnType<typeof routerStyle>; kind: string }[] {
  return [...d.routers.map((s) => ({ s, kind: 'router' })), ...d.extra.map((s) => ({ s, kind: s.kind }))].map((x, i) => ({ ...x, style: routerStyle(i) }));
}

function useLogCost(d: DatasetEval): boolean {
  const costs = d.singles.map((s) => s.cost).filter((c) => c > 0);
  return costs.length > 1 && Math.max(...costs) / Math.min(...costs) > 20;
}

export function costQualityPlot(d: DatasetEval, width?: number): Figure {
  const maxX = d.maxCost * 1000;
  const series: PlotSeries[] = [];
  for (const { s, style, kind } of compared(d))
    series.push({
      name: `${s.name} (AIQ ${f3(s.aiq)})`,
      kind,
      color: style.color,
      marker: style.marker,
      dash: style.dash,
      points: s.points.map((p) => [p.cost * 1000, p.quality]),
      line: k1(s.hull),
      extendTo: maxX,
    });
  const rh = k1(d.random.hull);
  // the random router's hull can be a single point (under a model's marker): a ring marks each vertex
  series.push({
    name: `random router, ${d.random.seeds ?? 5} seeds (AIQ ${f3(d.random.aiq)})`,
    kind: 'random',
    color: '#8a8a8a',
    line: rh,
    points: rh,
    marker: 'ring',
    dash: '5 4',
    extendTo: maxX,
  });
  series.push({
    name: `Zero router: mixes of single models (AIQ ${f3(d.zero.aiq)})`,
    kind: 'zero',
    color: '#000000',
    line: k1(d.zero.hull),
    dash: '7 4',
    extendTo: maxX,
  });
  series.push({
    name: `oracle (quality ${f3(d.oracle.quality)} at ${per1k(d.oracle.cost)}/1k)`,
    kind: 'oracle',
    color: '#e6a700',
    points: [[d.oracle.cost * 1000, d.oracle.quality]],
    marker: 'star',
  });
  for (const s of d.singles)
    series.push({ name: s.model, kind: 'model', color: '#444444', points: [[s.cost * 1000, s.quality]], marker: 'box', labelPoint: true });
  const xLog = useLogCost(d);
  const id = `cost-quality:${d.name}`;
  const knobs = d.extra.map((x) => `; ${x.name}'s points sweep ${x.knobLabel ?? 'its knob'}`).join('');
  return {
    id,
    svg: renderPlot({
      id,
      title: `${d.name}: quality vs cost`,
      xLabel: `mean cost, USD per 1,000 queries${xLog ? ' (log scale)' : ''}`,
      yLabel: 'mean quality on the test rows',
      xLog,
      series,
      width,
    }),
    howTo: `Each router's points are its operating points over the willingness-to-pay sweep${knobs}; its line is the non-decreasing convex hull of those points (any point on it is reachable by mixing two settings at random). Up and to the left is better. The dotted tail continues each hull flat to the costliest single model's mean cost on these rows (${per1k(d.maxCost)}/1k, fixed by the data; a hull reaching further is cut there): AIQ is the area under hull plus tail, divided by that cost. The dashed black line (Zero router) is what mixing single models without looking at the prompt achieves; a router is worth its keep where its hull lies above it. The hollow squares are the single models, the star the oracle (the cheapest model that is right on each prompt) — an upper bound no router reaches.`,
  };
}

/** Quality minus the Zero router's hull at the same cost, on the union of both hulls' vertices (flat tails included). */
export function gainOverZero(hull: readonly CostQuality[], zero: readonly CostQuality[], maxCost: number, log: boolean): XY[] {
  if (!hull.length || !zero.length) return [];
  const lo = Math.max(hull[0]![0], zero[0]![0]);
  const xs = [
    ...new Set(
      [...hull, ...zero]
        .map((p) => p[0])
        .concat([lo, maxCost])
        .filter((x) => x >= lo && x <= maxCost),
    ),
  ].sort((a, b) => a - b);
  const line: XY[] = xs.map((x) => [x, hullQualityAt(hull, x) - hullQualityAt(zero, x)]);
  return (log ? densify(line, 12) : line).map((p) => [p[0] * 1000, p[1]]);
}

export function gainPlot(d: DatasetEval, width?: number): Figure {
  const log = useLogCost(d);
  const series: PlotSeries[] = [];
  for (const { s, style, kind } of compared(d))
    series.push({
      name: `${s.name} (AIQ − Zero ${(s.aiq - d.zero.aiq >= 0 ? '+' : '') + (s.aiq - d.zero.aiq).toFixed(3)})`,
      kind,
      color: style.color,
      dash: style.dash,
      line: gainOverZero(s.hull, d.zero.hull, d.maxCost, false),
      points: s.hull.filter((p) => p[0] >= d.zero.hull[0]![0]).map((p) => [p[0] * 1000, p[1] - hullQualityAt(d.zero.hull, p[0])]),
      marker: style.marker,
    });
  series.push({
    name: `random router (${(d.random.aiq - d.zero.aiq).toFixed(3)})`,
    kind: 'random',
    color: '#8a8a8a',
    dash: '5 4',
    line: gainOverZero(d.random.hull, d.zero.hull, d.maxCost, false),
    points: d.random.hull.filter((p) => p[0] >= d.zero.hull[0]![0]).map((p) => [p[0] * 1000, p[1] - hullQualityAt(d.zero.hull, p[0])]),
    marker: 'ring',
  });
  // the y range follows the routers (and 0), not a baseline far below them: the random router is clipped there
  const ys = series
    .filter((s) => s.kind !== 'random')
    .flatMap((s) => (s.line ?? []).map((p) => p[1]))
    .filter(Number.isFinite);
  const lo = Math.min(0, ...ys);
  const hi = Math.max(0, ...ys);
  const pad = (hi - lo || 0.01) * 0.6;
  const yRange: [number, number] = [lo - pad, hi + pad * 0.3];
  const id = `gain:${d.name}`;
  return {
    id,
    svg: renderPlot({
      id,
      title: `${d.name}: quality gain over the Zero router at the same cost`,
      xLabel: `mean cost, USD per 1,000 queries${log ? ' (log scale)' : ''}`,
      yLabel: 'quality − Zero router',
      xLog: log,
      series,
      yZero: true,
      yRange,
      hLines: [{ y: 0, label: 'Zero router', color: '#000000' }],
      width,
      plotHeight: 300,
    }),
    howTo:
      "The same hulls as above, minus the Zero router's hull at each cost (tails included), so curves that lie on top of each other above come apart. Above 0, the router beats mixing single models at that budget; the area between a curve and 0, divided by the maximum cost, is its AIQ − Zero. Markers are hull vertices. The y axis follows the routers; a baseline far below them (often the random router) runs off the bottom.",
  };
}

export function sharePlot(d: DatasetEval, width?: number): Figure | undefined {
  const p = d.pair;
  if (!p) return undefined;
  const series: PlotSeries[] = [];
  d.routers.forEach((r, i) => {
    const st = routerStyle(i);
    if (r.pair)
      series.push({
        name: `${r.name} (APGR ${f3(r.pair.apgr)})`,
        kind: 'router',
        color: st.color,
        marker: st.marker,
        dash: st.dash,
        points: r.pair.points.map((x) => [x.share * 100, x.quality]),
        line: [...r.pair.points].sort((a, b) => a.share - b.share).map((x) => [x.share * 100, x.quality]),
      });
  });
  if (d.random.pair)
    series.push({
      name: `random router (APGR ${f3(d.random.pair.apgr)})`,
      kind: 'random',
      color: '#8a8a8a',
      marker: 'ring',
      points: d.random.pair.points.map((x) => [x.share * 100, x.quality]),
      line: [...d.random.pair.points].sort((a, b) => a.share - b.share).map((x) => [x.share * 100, x.quality]),
      dash: '5 4',
    });
  series.push({
    name: 'Zero router (APGR 0.500)',
    kind: 'zero',
    color: '#000000',
    line: [
      [0, p.qWeak],
      [100, p.qStrong],
    ],
    dash: '7 4',
  });
  series.push({
    name: 'optimal (oracle at each share)',
    kind: 'oracle',
    color: '#e6a700',
    line: p.optimal.map((o) => [o.share * 100, o.quality]),
    points: p.optimal.map((o) => [o.share * 100, o.quality]),
    marker: 'star',
  });
  const id = `share-quality:${d.name}`;
  return {
    id,
    svg: renderPlot({
      id,
      title: `${d.name}: quality vs share of calls to the strong model`,
      xLabel: `calls to the strong model ${p.strong} (%)`,
      yLabel: 'mean quality',
      series,
      width,
      hLines: [
        { y: p.qStrong, label: `strong: ${p.strong}`, color: '#d62728' },
        { y: p.qWeak, label: `weak: ${p.weak}`, color: '#555555' },
      ],
    }),
    howTo: `RouteLLM's view: each router's points are thresholds at the deciles of its scores, from all calls to the weak model (left) to all to the strong one (right). APGR is the area under a router's curve between the weak and the strong model's quality, normalised so the straight Zero-router line scores 0.5; CPT(50%) is the share of strong calls needed to recover half of the gap. The star curve is the best any router could do at each share.`,
  };
}

export function taskPlot(d: DatasetEval, width?: number): Figure | undefined {
  if (!d.slices.length) return undefined;
  const series: DotSeries[] = [];
  d.routers.forEach((r, i) => {
    const st = routerStyle(i);
    series.push({
      name: r.name,
      kind: 'router',
      color: st.color,
      marker: st.marker,
      values: d.slices.map((s) => s.routers.find((x) => x.name === r.name)?.aiq ?? Number.NaN),
    });
  });
  d.extra.forEach((x, i) => {
    const st = routerStyle(d.routers.length + i);
    series.push({
      name: x.name,
      kind: x.kind,
      color: st.color,
      marker: st.marker,
      values: d.slices.map((s) => s.extra.find((e) => e.name === x.name)?.aiq ?? Number.NaN),
    });
  });
  series.push({ name: 'Zero router', kind: 'zero', color: '#000000', marker: 'plus', values: d.slices.map((s) => s.zeroAiq) });
  series.push({ name: 'random router', kind: 'random', color: '#8a8a8a', marker: 'ring', values: d.slices.map((s) => s.random.aiq) });
  const id = `tasks:${d.name}`;
  return {
    id,
    svg: renderDotPlot({
      id,
      title: `${d.name}: AIQ per task`,
      xLabel: "AIQ on the task's test rows (same cost range as the whole set)",
      rows: d.slices.map((s) => `${s.task} (${s.rows})`),
      series,
      width,
    }),
    howTo:
      'One row per task (test rows in brackets). A router right of the black plus (Zero router) routes that task better than mixing single models; the grey bar spans the range of the markers, so a long bar is a task where the choice of router matters. Tasks with few rows are noisy.',
  };
}

/** The operating points shown in the share chart: cheapest, the cheapest reaching halfway in quality, max quality. */
export function sharePoints(points: readonly OperatingPoint[]): { label: string; p: OperatingPoint }[] {
  if (!points.length) return [];
  const byCost = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const cheapest = byCost[0]!;
  const maxQ = Math.max(...points.map((p) => p.quality));
  const top = byCost.find((p) => p.quality === maxQ)!;
  const half = byCost.find((p) => p.quality >= cheapest.quality + (maxQ - cheapest.quality) / 2)!;
  const out = [{ label: 'cheapest setting', p: cheapest }];
  if (half !== cheapest && half !== top) out.push({ label: 'halfway in quality', p: half });
  if (top !== cheapest) out.push({ label: 'max quality', p: top });
  return out;
}

export function callSharePlot(d: DatasetEval, width?: number): Figure {
  const models = [...d.singles].sort((a, b) => a.cost - b.cost || a.model.localeCompare(b.model)).map((s) => s.model);
  const categories = models.map((m, i) => ({ name: m, color: colourAt(i) }));
  const bars: ShareBar[] = [];
  for (const { s } of compared(d)) {
    for (const { label, p } of sharePoints(s.points))
      bars.push({ group: s.name, label: `${s.name} · ${label}`, note: `${per1k(p.cost)}/1k · quality ${f3(p.quality)}`, shares: p.share });
  }
  const noCall = 1 - Object.values(d.oracle.share).reduce((a, b) => a + b, 0);
  bars.push({
    group: 'oracle',
    label: 'oracle',
    note: `${per1k(d.oracle.cost)}/1k · quality ${f3(d.oracle.quality)}${noCall > 0.0005 ? ` · ${(noCall * 100).toFixed(0)}% no call` : ''}`,
    shares: d.oracle.share,
  });
  const id = `call-share:${d.name}`;
  return {
    id,
    svg: renderShareBars({ id, title: `${d.name}: where each router sends its calls`, categories, bars, width }),
    howTo:
      'Each bar is one operating point of a router (its cheapest setting, the cheapest that gets halfway to its best quality, and its best quality), split by the share of prompts sent to each model; models are ordered and coloured from cheapest to costliest. The oracle bar shows where the calls would go if we knew which model is right (the empty part of its bar: prompts no model gets right, where it calls none). A router that sends nearly everything to one model is close to that single model.',
  };
}

/** Every figure of one data set, in reading order. */
export function datasetFigures(d: DatasetEval, width?: number): Figure[] {
  return [costQualityPlot(d, width), gainPlot(d, width), sharePlot(d, width), callSharePlot(d, width), taskPlot(d, width)].filter((f): f is Figure => !!f);
}
