import type { BootstrapInterval } from '../bootstrap.js';
import type { DatasetEval, SeriesResult } from '../evaluate.js';
import { writeReportFiles } from './page.js';
import { escapeXml, PALETTE, renderPlot, type PlotSeries } from './svg.js';

/**
 * The evaluation report in three renderings of one object: JSON (everything, machine-readable), Markdown
 * (tables) and a self-contained HTML page (inline SVG plots, inline CSS, no scripts, no network).
 */

export interface ArtifactInfo {
  dataset: string;
  name: string;
  kind: string;
  /** sha256 identifying the trained artifact (manifest or saved state). */
  digest: string;
  params?: Record<string, unknown>;
  trainRows?: number;
  trainSeconds?: number;
  dir?: string;
}

export interface DatasetInfo {
  /** Where the data came from and how it was split. */
  source?: string;
  split?: string;
  trainRows?: number;
  trainDigest?: string;
  notes?: string[];
}

export interface EvalReport {
  title: string;
  createdAt: string;
  command?: string;
  environment?: Record<string, string>;
  datasets: (DatasetEval & { info?: DatasetInfo })[];
  artifacts: ArtifactInfo[];
  notes?: string[];
}

// ---------- formatting ----------

const per1k = (usd: number) => (Number.isFinite(usd) ? `$${(usd * 1000).toPrecision(3)}` : '–');
const f3 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(3) : '–');
const pct = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–');
const ci = (c: BootstrapInterval | undefined) => (c && Number.isFinite(c.lo) ? `[${c.lo.toFixed(3)}, ${c.hi.toFixed(3)}]` : '');
const short = (d: string) => d.slice(0, 12);
/** A difference with its sign, and its interval where there is one: "+0.012 [-0.003, +0.027]". */
export function diffCell(v: number | undefined, c: BootstrapInterval | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  const signed = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(digits);
  return `${signed(v)}${c && Number.isFinite(c.lo) ? ` [${signed(c.lo)}, ${signed(c.hi)}]` : ''}`;
}

function best(s: SeriesResult): { quality: number; cost: number } {
  const h = s.hull;
  let b = h[0]!;
  for (const p of h) if (p[1] > b[1]) b = p;
  return { quality: b[1], cost: b[0] };
}

export interface MetricRow {
  name: string;
  kind: string;
  aiq: string;
  aiqCI: string;
  gain: string;
  maxQuality: string;
  costAtMax: string;
  apgr: string;
  apgrCI: string;
  cpt20: string;
  cpt50: string;
  cpt80: string;
  /** AIQ and APGR minus the reference router's, with paired intervals (only when the evaluation has a reference). */
  aiqVsRef: string;
  apgrVsRef: string;
}

/** One table row per router and baseline (Markdown and HTML render the same rows). */
export function metricRows(d: DatasetEval): MetricRow[] {
  const rows: MetricRow[] = [];
  const pair = !!d.pair;
  const add = (s: SeriesResult, kind: string, name = s.name) => {
    const b = best(s);
    const isRef = kind === 'router' && s.name === d.reference;
    rows.push({
      name,
      kind,
      aiq: kind === 'random' ? `${f3(s.aiq)} ± ${f3(s.aiqSd)}` : f3(s.aiq),
      aiqCI: ci(s.aiqCI),
      gain: !Number.isFinite(s.aiq) ? '–' : s.aiqGainCI ? `${(s.aiq - d.zero.aiq >= 0 ? '+' : '') + (s.aiq - d.zero.aiq).toFixed(3)} ${ci(s.aiqGainCI)}` : kind === 'random' ? `${(s.aiq - d.zero.aiq).toFixed(3)}` : '',
      maxQuality: f3(b.quality),
      costAtMax: per1k(b.cost),
      apgr: pair && s.pair ? (kind === 'random' ? `${f3(s.pair.apgr)} ± ${f3(s.pair.apgrSd)}` : f3(s.pair.apgr)) : '',
      apgrCI: pair && s.pair ? ci(s.pair.apgrCI) : '',
      cpt20: pair && s.pair ? pct(s.pair.cpt.p20) : '',
      cpt50: pair && s.pair ? pct(s.pair.cpt.p50) : '',
      cpt80: pair && s.pair ? pct(s.pair.cpt.p80) : '',
      aiqVsRef: isRef ? 'reference' : diffCell(s.vsReference?.aiq, s.vsReference?.aiqCI),
      apgrVsRef: isRef ? 'reference' : diffCell(s.vsReference?.apgr, s.vsReference?.apgrCI),
    });
  };
  for (const r of d.routers) add(r, 'router');
  for (const x of d.extra) add(x, x.kind);
  add(d.random, 'random', `random (${d.random.seeds} seeds)`);
  const zb = d.zero.hull[d.zero.hull.length - 1]!;
  rows.push({ name: 'Zero router', kind: 'zero', aiq: f3(d.zero.aiq), aiqCI: ci(d.zero.aiqCI), gain: '0', maxQuality: f3(zb[1]), costAtMax: per1k(zb[0]), apgr: pair ? '0.500' : '', apgrCI: '', cpt20: pair ? '20.0%' : '', cpt50: pair ? '50.0%' : '', cpt80: pair ? '80.0%' : '', aiqVsRef: '', apgrVsRef: '' });
  rows.push({ name: 'oracle', kind: 'oracle', aiq: '', aiqCI: '', gain: '', maxQuality: f3(d.oracle.quality), costAtMax: per1k(d.oracle.cost), apgr: '', apgrCI: '', cpt20: '', cpt50: '', cpt80: '', aiqVsRef: '', apgrVsRef: '' });
  return rows;
}

/** Metric table header and cells; the RouteLLM columns only where the data has a strong/weak pair. */
function metricHead(d: DatasetEval): string[] {
  const ref = d.reference ? [`AIQ − ${d.reference} [paired 95% CI]`, ...(d.pair ? [`APGR − ${d.reference} [paired 95% CI]`] : [])] : [];
  return ['router', 'AIQ', 'AIQ 95% CI', 'AIQ − Zero [95% CI]', 'max quality', '$/1k at max', ...(d.pair ? ['APGR', 'APGR 95% CI', 'CPT(20%)', 'CPT(50%)', 'CPT(80%)'] : []), ...ref];
}
function metricCells(d: DatasetEval): string[][] {
  return metricRows(d).map((r) => [r.name, r.aiq, r.aiqCI, r.gain, r.maxQuality, r.costAtMax, ...(d.pair ? [r.apgr, r.apgrCI, r.cpt20, r.cpt50, r.cpt80] : []), ...(d.reference ? [r.aiqVsRef, ...(d.pair ? [r.apgrVsRef] : [])] : [])]);
}

function taskHead(d: DatasetEval): string[] {
  return ['task', 'rows', 'best model', 'best quality', 'oracle quality', 'Zero AIQ', ...d.routers.map((r) => `${r.name} AIQ`), ...d.extra.map((x) => `${x.name} AIQ`), 'random AIQ', ...(d.pair ? [...d.routers.map((r) => `${r.name} APGR`), 'random APGR'] : [])];
}

function taskCells(d: DatasetEval): string[][] {
  return d.slices.map((s) => [s.task, String(s.rows), s.best.model, f3(s.best.quality), f3(s.oracle.quality), f3(s.zeroAiq), ...s.routers.map((r) => f3(r.aiq)), ...s.extra.map((x) => f3(x.aiq)), f3(s.random.aiq), ...(d.pair ? [...s.routers.map((r) => f3(r.apgr)), f3(s.random.apgr)] : [])]);
}

function singleCells(d: DatasetEval): string[][] {
  return [...d.singles].sort((a, b) => a.cost - b.cost).map((s) => [s.model, f3(s.quality), per1k(s.cost), pct(d.oracle.share[s.model])]);
}

/** What each extra series is, and where its hull was cut at the common maximum cost. */
function seriesFacts(d: DatasetEval): string[] {
  const out: string[] = [];
  for (const x of d.extra) {
    if (x.description) out.push(`${x.name}: ${x.description}`);
    if (x.clippedAt !== undefined) out.push(`${x.name}: its hull reaches ${per1k(x.hull[x.hull.length - 1]![0])}/1k, beyond the common maximum cost ${per1k(x.clippedAt)}/1k; its AIQ integrates the hull up to ${per1k(x.clippedAt)}/1k`);
  }
  return out;
}

function pairFact(d: DatasetEval): string {
  const p = d.pair!;
  return `pair: strong ${p.strong} (quality ${f3(p.qStrong)}, ${per1k(p.cStrong)}/1k), weak ${p.weak} (quality ${f3(p.qWeak)}, ${per1k(p.cWeak)}/1k); the oracle sends ${pct(d.oracle.pairShare)} of prompts to the strong model`;
}

// ---------- plots ----------

export function costQualityPlot(d: DatasetEval): string {
  const series: PlotSeries[] = [];
  d.routers.forEach((r, i) => {
    series.push({ name: `${r.name} (AIQ ${f3(r.aiq)})`, kind: 'router', color: PALETTE[i % PALETTE.length]!, points: r.points.map((p) => [p.cost * 1000, p.quality]), line: r.hull.map((h) => [h[0] * 1000, h[1]]) });
  });
  d.extra.forEach((x, i) => {
    series.push({ name: `${x.name} (AIQ ${f3(x.aiq)})`, kind: x.kind, color: PALETTE[(d.routers.length + i) % PALETTE.length]!, points: x.points.map((p) => [p.cost * 1000, p.quality]), line: x.hull.map((h) => [h[0] * 1000, h[1]]), marker: 'diamond' });
  });
  series.push({ name: `random (AIQ ${f3(d.random.aiq)})`, kind: 'random', color: '#999999', line: d.random.hull.map((h) => [h[0] * 1000, h[1]]), dashed: true });
  series.push({ name: `Zero router (AIQ ${f3(d.zero.aiq)})`, kind: 'zero', color: '#000000', line: d.zero.hull.map((h) => [h[0] * 1000, h[1]]), dashed: true });
  series.push({ name: `oracle (${f3(d.oracle.quality)})`, kind: 'oracle', color: '#e6a700', points: [[d.oracle.cost * 1000, d.oracle.quality]], marker: 'star' });
  for (const s of d.singles) series.push({ name: s.model, kind: 'model', color: '#555555', points: [[s.cost * 1000, s.quality]], marker: 'square', labelPoint: true });
  const costs = d.singles.map((s) => s.cost).filter((c) => c > 0);
  const xLog = costs.length > 1 && Math.max(...costs) / Math.min(...costs) > 20;
  return renderPlot({ id: `cost-quality:${d.name}`, title: `${d.name}: quality vs cost (points: wtp sweep${d.extra.map((x) => `; ${x.name}: ${x.knobLabel ?? 'knob'} sweep`).join('')}; lines: non-decreasing hulls)`, xLabel: `mean cost, USD per 1,000 queries${xLog ? ' (log scale)' : ''}`, yLabel: 'mean quality', xLog, series });
}

export function sharePlot(d: DatasetEval): string {
  const p = d.pair!;
  const series: PlotSeries[] = [];
  d.routers.forEach((r, i) => {
    if (r.pair) series.push({ name: `${r.name} (APGR ${f3(r.pair.apgr)})`, kind: 'router', color: PALETTE[i % PALETTE.length]!, points: r.pair.points.map((x) => [x.share * 100, x.quality]), line: [...r.pair.points].sort((a, b) => a.share - b.share).map((x) => [x.share * 100, x.quality]) });
  });
  if (d.random.pair) series.push({ name: `random (APGR ${f3(d.random.pair.apgr)})`, kind: 'random', color: '#999999', line: [...d.random.pair.points].sort((a, b) => a.share - b.share).map((x) => [x.share * 100, x.quality]), dashed: true });
  series.push({ name: 'Zero router (APGR 0.500)', kind: 'zero', color: '#000000', line: [[0, p.qWeak], [100, p.qStrong]], dashed: true });
  series.push({ name: 'optimal (oracle)', kind: 'oracle', color: '#e6a700', line: p.optimal.map((o) => [o.share * 100, o.quality]), points: p.optimal.map((o) => [o.share * 100, o.quality]), marker: 'star' });
  return renderPlot({
    id: `share-quality:${d.name}`,
    title: `${d.name}: quality vs share of calls to ${p.strong}`,
    xLabel: `calls to the strong model ${p.strong} (%)`,
    yLabel: 'mean quality',
    series,
    hLines: [
      { y: p.qStrong, label: `strong: ${p.strong}`, color: '#d62728' },
      { y: p.qWeak, label: `weak: ${p.weak}`, color: '#555555' },
    ],
  });
}

// ---------- Markdown ----------

function mdTable(head: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function renderMarkdown(r: EvalReport): string {
  const out: string[] = [`# ${r.title}`, '', `Generated ${r.createdAt}${r.command ? ` by \`${r.command}\`` : ''}.`, ''];
  if (r.environment) out.push(Object.entries(r.environment).map(([k, v]) => `- ${k}: ${v}`).join('\n'), '');
  out.push(CONVENTIONS_MD, '');
  for (const d of r.datasets) {
    out.push(`## ${d.name}`, '');
    out.push(`- test rows: ${d.rows}${d.dropped ? ` (${d.dropped} dropped: a model had no score)` : ''}; models: ${d.models.length}; test digest \`${short(d.digest)}\``);
    if (d.info?.trainRows !== undefined) out.push(`- train rows: ${d.info.trainRows}${d.info.trainDigest ? `; train digest \`${short(d.info.trainDigest)}\`` : ''}`);
    if (d.info?.source) out.push(`- source: ${d.info.source}`);
    if (d.info?.split) out.push(`- split: ${d.info.split}`);
    out.push(`- cost per call: ${d.costSource.logged} logged, ${d.costSource.priceTable} from the price table`);
    for (const n of d.info?.notes ?? []) out.push(`- ${n}`);
    for (const w of d.warnings ?? []) out.push(`- **warning:** ${w}`);
    for (const f of seriesFacts(d)) out.push(`- ${f}`);
    if (d.pair) out.push(`- ${pairFact(d)}`);
    out.push('', '### Metrics', '', mdTable(metricHead(d), metricCells(d)), '');
    out.push('### Single models', '', mdTable(['model', 'quality', '$/1k queries', 'share of oracle calls'], singleCells(d)), '');
    if (d.slices.length) out.push('### Per task', '', mdTable(taskHead(d), taskCells(d)), '');
  }
  if (r.artifacts.length) {
    out.push('## Artifacts', '', mdTable(['dataset', 'router', 'kind', 'digest', 'train rows', 'train s', 'params'], r.artifacts.map((a) => [a.dataset, a.name, a.kind, short(a.digest), String(a.trainRows ?? ''), a.trainSeconds !== undefined ? a.trainSeconds.toFixed(1) : '', JSON.stringify(a.params ?? {})])), '');
  }
  for (const n of r.notes ?? []) out.push(`- ${n}`);
  return out.join('\n') + '\n';
}

const CONVENTIONS_MD = [
  'Conventions: **AIQ** (RouterBench) = area under the non-decreasing convex hull of a router\'s (cost, quality) points from its cheapest point, extended flat to the costliest single model\'s mean cost on the test rows (fixed by the data, so a router\'s AIQ does not depend on what else is compared; a hull reaching beyond is cut there), divided by that cost. **Zero router** = hull of the single models. **Oracle** = cheapest best model per prompt (no model right → no call). A **cascade** calls the candidates in price order and accepts the first response whose reward-model score is ≥ τ (the last is always accepted); its points sweep τ, its cost counts every call made; like every series it is integrated up to that same cost (its hull cut there, at the hull\'s value at that cost).',
  '**APGR** (RouteLLM) = trapezoid area of quality over the share of strong calls at thresholds on the deciles of the router\'s scores (pd.qcut), normalised between the weak and strong models; **CPT(x%)** = share of strong calls to reach x % of the quality gap (monotone envelope). Costs are the logged per-call costs where the data has them, else the price table. Intervals: bootstrap percentile over test rows (seeded); a difference from the reference router is computed on each resample (paired), so its interval excludes 0 only when one router beats the other on the same rows.',
].join(' ');

// ---------- HTML ----------

function htmlTable(head: string[], rows: string[][], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderHtml(r: EvalReport): string {
  const body: string[] = [];
  body.push(`<h1>${escapeXml(r.title)}</h1>`, `<p class="meta">Generated ${escapeXml(r.createdAt)}${r.command ? ` by <code>${escapeXml(r.command)}</code>` : ''}.</p>`);
  if (r.environment) body.push(`<ul class="meta">${Object.entries(r.environment).map(([k, v]) => `<li>${escapeXml(k)}: ${escapeXml(v)}</li>`).join('')}</ul>`);
  body.push(`<p class="conv">${escapeXml(CONVENTIONS_MD.replace(/\*\*/g, ''))}</p>`);
  body.push(`<nav><ul>${r.datasets.map((d) => `<li><a href="#ds-${escapeXml(d.name)}">${escapeXml(d.name)}</a></li>`).join('')}</ul></nav>`);
  for (const d of r.datasets) {
    body.push(`<section class="dataset" id="ds-${escapeXml(d.name)}" data-dataset="${escapeXml(d.name)}"><h2>${escapeXml(d.name)}</h2>`);
    const facts = [`test rows: ${d.rows}${d.dropped ? ` (${d.dropped} dropped: a model had no score)` : ''}; models: ${d.models.length}`, `test digest: ${d.digest}`];
    if (d.info?.trainRows !== undefined) facts.push(`train rows: ${d.info.trainRows}${d.info.trainDigest ? `; train digest: ${d.info.trainDigest}` : ''}`);
    if (d.info?.source) facts.push(`source: ${d.info.source}`);
    if (d.info?.split) facts.push(`split: ${d.info.split}`);
    facts.push(`cost per call: ${d.costSource.logged} logged, ${d.costSource.priceTable} from the price table`);
    for (const n of d.info?.notes ?? []) facts.push(n);
    for (const w of d.warnings ?? []) facts.push(`warning: ${w}`);
    facts.push(...seriesFacts(d));
    if (d.pair) facts.push(pairFact(d));
    body.push(`<ul class="facts">${facts.map((f) => `<li>${escapeXml(f)}</li>`).join('')}</ul>`);
    body.push(`<div class="plots">${costQualityPlot(d)}${d.pair ? sharePlot(d) : ''}</div>`);
    body.push('<h3>Metrics</h3>', htmlTable(metricHead(d), metricCells(d), 'metrics'));
    body.push('<h3>Single models</h3>', htmlTable(['model', 'quality', '$/1k queries', 'share of oracle calls'], singleCells(d), 'singles'));
    if (d.slices.length) body.push('<h3>Per task</h3>', htmlTable(taskHead(d), taskCells(d), 'tasks'));
    body.push('</section>');
  }
  if (r.artifacts.length) body.push('<h2>Artifacts</h2>', htmlTable(['dataset', 'router', 'kind', 'digest (sha256)', 'train rows', 'train s', 'params'], r.artifacts.map((a) => [a.dataset, a.name, a.kind, a.digest, String(a.trainRows ?? ''), a.trainSeconds !== undefined ? a.trainSeconds.toFixed(1) : '', JSON.stringify(a.params ?? {})]), 'artifacts'));
  if (r.notes?.length) body.push(`<ul class="notes">${r.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(r.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1500px}
h1{font-size:22px}h2{font-size:19px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}h3{font-size:15px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.meta,.conv,.facts{font-size:12.5px;color:#444}
.plots{display:flex;flex-wrap:wrap;gap:12px}svg.plot{border:1px solid #ddd}code{background:#f5f5f5;padding:1px 3px}
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}

// ---------- JSON ----------

/** Write report.html, report.md and report.json into `dir` (atomically each). */
export function writeReport(dir: string, r: EvalReport): { html: string; md: string; json: string } {
  return writeReportFiles(dir, r, renderMarkdown(r), renderHtml(r));
}
