import type { BootstrapInterval } from '../bootstrap.js';
import type { DatasetEval, SeriesResult } from '../evaluate.js';
import { writeReportFiles } from './page.js';
import { datasetFigures, type Figure } from './plots.js';
import { escapeXml } from './svg.js';
export { callSharePlot, costQualityPlot, gainPlot, sharePlot, taskPlot } from './plots.js';

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
      gain: !Number.isFinite(s.aiq)
        ? '–'
        : s.aiqGainCI
          ? `${(s.aiq - d.zero.aiq >= 0 ? '+' : '') + (s.aiq - d.zero.aiq).toFixed(3)} ${ci(s.aiqGainCI)}`
          : kind === 'random'
            ? `${(s.aiq - d.zero.aiq).toFixed(3)}`
            : '',
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
  rows.push({
    name: 'Zero router',
    kind: 'zero',
    aiq: f3(d.zero.aiq),
    aiqCI: ci(d.zero.aiqCI),
    gain: '0',
    maxQuality: f3(zb[1]),
    costAtMax: per1k(zb[0]),
    apgr: pair ? '0.500' : '',
    apgrCI: '',
    cpt20: pair ? '20.0%' : '',
    cpt50: pair ? '50.0%' : '',
    cpt80: pair ? '80.0%' : '',
    aiqVsRef: '',
    apgrVsRef: '',
  });
  rows.push({
    name: 'oracle',
    kind: 'oracle',
    aiq: '',
    aiqCI: '',
    gain: '',
    maxQuality: f3(d.oracle.quality),
    costAtMax: per1k(d.oracle.cost),
    apgr: '',
    apgrCI: '',
    cpt20: '',
    cpt50: '',
    cpt80: '',
    aiqVsRef: '',
    apgrVsRef: '',
  });
  return rows;
}

/** Metric table header and cells; the RouteLLM columns only where the data has a strong/weak pair. */
function metricHead(d: DatasetEval): string[] {
  const ref = d.reference ? [`AIQ − ${d.reference} [paired 95% CI]`, ...(d.pair ? [`APGR − ${d.reference} [paired 95% CI]`] : [])] : [];
  return [
    'router',
    'AIQ',
    'AIQ 95% CI',
    'AIQ − Zero [95% CI]',
    'max quality',
    '$/1k at max',
    ...(d.pair ? ['APGR', 'APGR 95% CI', 'CPT(20%)', 'CPT(50%)', 'CPT(80%)'] : []),
    ...ref,
  ];
}
function metricCells(d: DatasetEval): string[][] {
  return metricRows(d).map((r) => [
    r.name,
    r.aiq,
    r.aiqCI,
    r.gain,
    r.maxQuality,
    r.costAtMax,
    ...(d.pair ? [r.apgr, r.apgrCI, r.cpt20, r.cpt50, r.cpt80] : []),
    ...(d.reference ? [r.aiqVsRef, ...(d.pair ? [r.apgrVsRef] : [])] : []),
  ]);
}

function taskHead(d: DatasetEval): string[] {
  return [
    'task',
    'rows',
    'best model',
    'best quality',
    'oracle quality',
    'Zero AIQ',
    ...d.routers.map((r) => `${r.name} AIQ`),
    ...d.extra.map((x) => `${x.name} AIQ`),
    'random AIQ',
    ...(d.pair ? [...d.routers.map((r) => `${r.name} APGR`), 'random APGR'] : []),
  ];
}

function taskCells(d: DatasetEval): string[][] {
  return d.slices.map((s) => [
    s.task,
    String(s.rows),
    s.best.model,
    f3(s.best.quality),
    f3(s.oracle.quality),
    f3(s.zeroAiq),
    ...s.routers.map((r) => f3(r.aiq)),
    ...s.extra.map((x) => f3(x.aiq)),
    f3(s.random.aiq),
    ...(d.pair ? [...s.routers.map((r) => f3(r.apgr)), f3(s.random.apgr)] : []),
  ]);
}

function singleCells(d: DatasetEval): string[][] {
  return [...d.singles].sort((a, b) => a.cost - b.cost).map((s) => [s.model, f3(s.quality), per1k(s.cost), pct(d.oracle.share[s.model])]);
}

/** What each extra series is, and where its hull was cut at the common maximum cost. */
function seriesFacts(d: DatasetEval): string[] {
  const out: string[] = [];
  for (const x of d.extra) {
    if (x.description) out.push(`${x.name}: ${x.description}`);
    if (x.clippedAt !== undefined)
      out.push(
        `${x.name}: its hull reaches ${per1k(x.hull[x.hull.length - 1]![0])}/1k, beyond the common maximum cost ${per1k(x.clippedAt)}/1k; its AIQ integrates the hull up to ${per1k(x.clippedAt)}/1k`,
      );
  }
  return out;
}

function pairFact(d: DatasetEval): string {
  const p = d.pair!;
  return `pair: strong ${p.strong} (quality ${f3(p.qStrong)}, ${per1k(p.cStrong)}/1k), weak ${p.weak} (quality ${f3(p.qWeak)}, ${per1k(p.cWeak)}/1k); the oracle sends ${pct(d.oracle.pairShare)} of prompts to the strong model`;
}

// ---------- Markdown ----------

function mdTable(head: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function renderMarkdown(r: EvalReport): string {
  const out: string[] = [`# ${r.title}`, '', `Generated ${r.createdAt}${r.command ? ` by \`${r.command}\`` : ''}.`, ''];
  if (r.environment)
    out.push(
      Object.entries(r.environment)
        .map(([k, v]) => `- ${k}: ${v}`)
        .join('\n'),
      '',
    );
  out.push(CONVENTIONS_MD, '');
  for (const d of r.datasets) {
    out.push(`## ${d.name}`, '');
    out.push(
      `- test rows: ${d.rows}${d.dropped ? ` (${d.dropped} dropped: a model had no score)` : ''}; models: ${d.models.length}; test digest \`${short(d.digest)}\``,
    );
    if (d.info?.trainRows !== undefined)
      out.push(`- train rows: ${d.info.trainRows}${d.info.trainDigest ? `; train digest \`${short(d.info.trainDigest)}\`` : ''}`);
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
    out.push(
      '## Artifacts',
      '',
      mdTable(
        ['dataset', 'router', 'kind', 'digest', 'train rows', 'train s', 'params'],
        r.artifacts.map((a) => [
          a.dataset,
          a.name,
          a.kind,
          short(a.digest),
          String(a.trainRows ?? ''),
          a.trainSeconds !== undefined ? a.trainSeconds.toFixed(1) : '',
          JSON.stringify(a.params ?? {}),
        ]),
      ),
      '',
    );
  }
  for (const n of r.notes ?? []) out.push(`- ${n}`);
  return out.join('\n') + '\n';
}

const CONVENTIONS_MD = [
  "Conventions: **AIQ** (RouterBench) = area under the non-decreasing convex hull of a router's (cost, quality) points from its cheapest point, extended flat to the costliest single model's mean cost on the test rows (fixed by the data, so a router's AIQ does not depend on what else is compared; a hull reaching beyond is cut there), divided by that cost. **Zero router** = hull of the single models. **Oracle** = cheapest best model per prompt (no model right → no call). A **cascade** calls the candidates in price order and accepts the first response whose reward-model score is ≥ τ (the last is always accepted); its points sweep τ, its cost counts every call made; like every series it is integrated up to that same cost (its hull cut there, at the hull's value at that cost).",
  "**APGR** (RouteLLM) = trapezoid area of quality over the share of strong calls at thresholds on the deciles of the router's scores (pd.qcut), normalised between the weak and strong models; **CPT(x%)** = share of strong calls to reach x % of the quality gap (monotone envelope). Costs are the logged per-call costs where the data has them, else the price table. Intervals: bootstrap percentile over test rows (seeded); a difference from the reference router is computed on each resample (paired), so its interval excludes 0 only when one router beats the other on the same rows.",
].join(' ');

// ---------- HTML ----------

/** A table cell: plain text, or a value with its interval written small beneath it. */
type Cell = string | { v: string; sub?: string; title?: string; html?: string };

/** Escaped text with break opportunities after '@' and '/' (versioned router names, org/model ids). */
function breakable(s: string): string {
  return escapeXml(s).replace(/([@/])/g, '$1<wbr>');
}

function cellHtml(c: Cell): string {
  if (typeof c === 'string') return `<td>${breakable(c)}</td>`;
  if (c.html !== undefined) return `<td${c.title ? ` title="${escapeXml(c.title)}"` : ''}>${c.html}</td>`;
  return `<td${c.title ? ` title="${escapeXml(c.title)}"` : ''}>${escapeXml(c.v)}${c.sub ? `<span class="ci">${escapeXml(c.sub)}</span>` : ''}</td>`;
}

function htmlTable(head: string[], rows: Cell[][], cls = ''): string {
  return `<div class="table"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${breakable(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cellHtml).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** "+0.012 [-0.003, +0.027]" → value with the interval beneath. */
function split(s: string): Cell {
  const i = s.indexOf(' [');
  return i < 0 ? s : { v: s.slice(0, i), sub: s.slice(i + 1) };
}

function metricHeadHtml(d: DatasetEval): string[] {
  const ref = d.reference ? ['AIQ − reference [paired 95% CI]', ...(d.pair ? ['APGR − reference [paired 95% CI]'] : [])] : [];
  return [
    'router',
    'AIQ [95% CI]',
    'AIQ − Zero [95% CI]',
    'max quality',
    '$/1k at max',
    ...(d.pair ? ['APGR [95% CI]', 'CPT (20%)', 'CPT (50%)', 'CPT (80%)'] : []),
    ...ref,
  ];
}

function metricCellsHtml(d: DatasetEval): Cell[][] {
  return metricRows(d).map((r) => [
    r.name,
    { v: r.aiq, sub: r.aiqCI },
    split(r.gain),
    r.maxQuality,
    r.costAtMax,
    ...(d.pair ? [{ v: r.apgr, sub: r.apgrCI }, r.cpt20, r.cpt50, r.cpt80] : []),
    ...(d.reference ? [split(r.aiqVsRef), ...(d.pair ? [split(r.apgrVsRef)] : [])] : []),
  ]);
}

/** Hyper-parameters folded: a one-line summary that opens to the full JSON (no script: <details>). */
function paramsCell(params: Record<string, unknown> | undefined): Cell {
  const entries = Object.entries(params ?? {});
  if (!entries.length) return '–';
  const scalar = (v: unknown) => (v === null || typeof v !== 'object' ? String(v) : Array.isArray(v) ? `[${v.length}]` : '{…}');
  let summary = '';
  for (const [k, v] of entries) {
    const next = `${summary ? `${summary}, ` : ''}${k}=${scalar(v)}`;
    if (next.length > 44) {
      summary += ', …';
      break;
    }
    summary = next;
  }
  return { v: '', html: `<details><summary>${escapeXml(summary)}</summary><pre>${escapeXml(JSON.stringify(params, null, 1))}</pre></details>` };
}

function artifactCells(a: ArtifactInfo): Cell[] {
  return [
    a.dataset,
    a.name,
    a.kind,
    { v: '', title: a.digest, html: `<code>${escapeXml(short(a.digest))}</code>` },
    String(a.trainRows ?? '–'),
    a.trainSeconds !== undefined ? a.trainSeconds.toFixed(1) : { v: 'n/r', title: 'not recorded: the artifact predates training-time records' },
    paramsCell(a.params),
  ];
}

const CSS = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:24px;color:#222;max-width:1100px;line-height:1.4}
h1{font-size:22px}h2{font-size:19px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:36px}h3{font-size:15px;margin:22px 0 6px}
.table{max-width:100%}
table{border-collapse:collapse;font-size:12px;margin:6px 0 14px;max-width:100%}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;vertical-align:top}
th{background:#f3f3f3;font-weight:600;white-space:normal;overflow-wrap:break-word}
table.tasks th,table.metrics th{overflow-wrap:anywhere}
td{white-space:nowrap}td:first-child,th:first-child{text-align:left;white-space:normal;overflow-wrap:break-word}
table.tasks td:nth-child(3){white-space:normal;overflow-wrap:break-word;text-align:left}
.ci{display:block;color:#666;font-size:10.5px}
.meta,.conv,.facts{font-size:12.5px;color:#444}.facts li{overflow-wrap:anywhere}
figure{margin:14px 0 22px}figure svg.plot{display:block;width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:12.5px;color:#333;background:#f8f8f4;border-left:3px solid #c9c29a;padding:6px 10px;margin-top:4px}
figcaption b{color:#222}
details summary{cursor:pointer;color:#225;white-space:nowrap}details pre{white-space:pre-wrap;overflow-wrap:anywhere;text-align:left;font-size:11px;max-width:420px;margin:4px 0}
table.artifacts td:last-child,table.artifacts th:last-child{text-align:left;white-space:normal}
code{background:#f5f5f5;padding:1px 3px}
@media (max-width:960px){body{padding:12px}table{font-size:11px}th,td{padding:2px 3px}.ci{font-size:10px}}
`;

function figureHtml(f: Figure): string {
  return `<figure data-figure="${escapeXml(f.id)}">${f.svg}<figcaption><b>How to read this.</b> ${escapeXml(f.howTo)}</figcaption></figure>`;
}

export function renderHtml(r: EvalReport): string {
  const body: string[] = [];
  body.push(
    `<h1>${escapeXml(r.title)}</h1>`,
    `<p class="meta">Generated ${escapeXml(r.createdAt)}${r.command ? ` by <code>${escapeXml(r.command)}</code>` : ''}.</p>`,
  );
  if (r.environment)
    body.push(
      `<ul class="meta">${Object.entries(r.environment)
        .map(([k, v]) => `<li>${escapeXml(k)}: ${escapeXml(v)}</li>`)
        .join('')}</ul>`,
    );
  body.push(`<p class="conv">${escapeXml(CONVENTIONS_MD.replace(/\*\*/g, ''))}</p>`);
  body.push(`<nav><ul>${r.datasets.map((d) => `<li><a href="#ds-${escapeXml(d.name)}">${escapeXml(d.name)}</a></li>`).join('')}</ul></nav>`);
  for (const d of r.datasets) {
    body.push(`<section class="dataset" id="ds-${escapeXml(d.name)}" data-dataset="${escapeXml(d.name)}"><h2>${escapeXml(d.name)}</h2>`);
    const facts = [
      `test rows: ${d.rows}${d.dropped ? ` (${d.dropped} dropped: a model had no score)` : ''}; models: ${d.models.length}`,
      `test digest: ${d.digest}`,
    ];
    if (d.info?.trainRows !== undefined) facts.push(`train rows: ${d.info.trainRows}${d.info.trainDigest ? `; train digest: ${d.info.trainDigest}` : ''}`);
    if (d.info?.source) facts.push(`source: ${d.info.source}`);
    if (d.info?.split) facts.push(`split: ${d.info.split}`);
    facts.push(`cost per call: ${d.costSource.logged} logged, ${d.costSource.priceTable} from the price table`);
    for (const n of d.info?.notes ?? []) facts.push(n);
    for (const w of d.warnings ?? []) facts.push(`warning: ${w}`);
    facts.push(...seriesFacts(d));
    if (d.pair) facts.push(pairFact(d));
    body.push(`<ul class="facts">${facts.map((f) => `<li>${escapeXml(f)}</li>`).join('')}</ul>`);
    const figs = datasetFigures(d);
    const [cq, gain, ...rest] = figs;
    body.push(figureHtml(cq!), figureHtml(gain!));
    body.push('<h3>Metrics</h3>');
    if (d.reference)
      body.push(
        `<p class="meta">Reference router of the paired columns: <code>${escapeXml(d.reference)}</code>; a difference whose interval excludes 0 is a difference on these rows.</p>`,
      );
    body.push(htmlTable(metricHeadHtml(d), metricCellsHtml(d), 'metrics'));
    for (const f of rest) body.push(figureHtml(f));
    body.push('<h3>Single models</h3>', htmlTable(['model', 'quality', '$/1k queries', 'share of oracle calls'], singleCells(d), 'singles'));
    if (d.slices.length) {
      // two narrower tables rather than one with a column per router and metric
      const base = ['task', 'rows', 'best model', 'best quality', 'oracle quality'];
      const baseCells = (t: DatasetEval['slices'][number]) => [t.task, String(t.rows), t.best.model, f3(t.best.quality), f3(t.oracle.quality)];
      body.push(
        '<h3>Per task: AIQ</h3>',
        htmlTable(
          [...base, 'Zero router', ...d.routers.map((r) => r.name), ...d.extra.map((x) => x.name), 'random'],
          d.slices.map((t) => [...baseCells(t), f3(t.zeroAiq), ...t.routers.map((r) => f3(r.aiq)), ...t.extra.map((x) => f3(x.aiq)), f3(t.random.aiq)]),
          'tasks',
        ),
      );
      if (d.pair)
        body.push(
          '<h3>Per task: APGR</h3>',
          htmlTable(
            ['task', 'rows', ...d.routers.map((r) => r.name), 'random'],
            d.slices.map((t) => [t.task, String(t.rows), ...t.routers.map((r) => f3(r.apgr)), f3(t.random.apgr)]),
            'tasks tasks-apgr',
          ),
        );
    }
    body.push('</section>');
  }
  if (r.artifacts.length)
    body.push(
      '<h2>Artifacts</h2>',
      htmlTable(['dataset', 'router', 'kind', 'digest (sha256)', 'train rows', 'train s', 'params'], r.artifacts.map(artifactCells), 'artifacts'),
      '<p class="meta">Hover a digest for all 64 hex digits (report.json has them too); click params to unfold them.</p>',
    );
  if (r.notes?.length) body.push(`<ul class="notes">${r.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(r.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${CSS}</style></head>
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
