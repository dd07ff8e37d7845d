import { escapeXml, PALETTE, renderPlot, type PlotSeries } from '../report/svg.js';
import { htmlHeading, htmlNotes, htmlPage, htmlTable, writeReportFiles } from '../report/page.js';
import type { CascadeCalibration, CascadeCurve } from '../../cascade/cascade.js';

/** Offline cascade replay report: operating points and hulls of chains, single models, τ calibrations. */
export interface CascadeReport {
  title: string;
  createdAt: string;
  command?: string;
  dataset: { name: string; rows: number; digest: string; models: string[] };
  singles: { model: string; cost: number; quality: number }[];
  /** Best single-model quality and the oracle (cheapest correct model), for reference. */
  oracle?: { cost: number; quality: number };
  curves: CascadeCurve[];
  calibrations: CascadeCalibration[];
  rewardModel: Record<string, unknown>;
  notes: string[];
}

const per1k = (usd: number) => (Number.isFinite(usd) ? `$${(usd * 1000).toPrecision(3)}` : '–');
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const goalText = (c: CascadeCalibration) =>
  c.goal.kind === 'budget' ? `budget $${c.goal.usdPer1k}/1k` : c.goal.kind === 'quality' ? `quality ≥ ${c.goal.min}` : `share of last model ${c.goal.share}`;

function curveRows(r: CascadeReport): string[][] {
  return r.curves.map((c) => {
    const best = c.hull.reduce((b, p) => (p[1] > b[1] ? p : b), c.hull[0]!);
    return [c.name, f3(c.aiq), f3(best[1]), per1k(best[0]), String(c.points.length)];
  });
}
const CURVE_HEAD = ['cascade', 'AIQ', 'max quality', '$/1k at max', 'points'];
const SINGLE_HEAD = ['model', 'quality', '$/1k queries'];
const CAL_HEAD = ['goal', 'chain', 'τ', 'feasible', 'calibration quality', 'calibration $/1k', 'test quality', 'test $/1k', 'test calls/query'];

function calRows(r: CascadeReport): string[][] {
  return r.calibrations.map((c) => [
    goalText(c),
    c.chain.join(' → '),
    c.tau.toPrecision(4),
    c.feasible ? 'yes' : 'no',
    f3(c.calibration.quality),
    per1k(c.calibration.cost),
    c.test ? f3(c.test.quality) : '',
    c.test ? per1k(c.test.cost) : '',
    c.test ? c.test.calls.toFixed(2) : '',
  ]);
}
const singleRows = (r: CascadeReport) => [...r.singles].sort((a, b) => a.cost - b.cost).map((s) => [s.model, f3(s.quality), per1k(s.cost)]);

const md = (head: string[], body: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((x) => `| ${x.join(' | ')} |`)].join('\n');

export function cascadeReportMarkdown(r: CascadeReport): string {
  const out = [`# ${r.title}`, '', `Generated ${r.createdAt}${r.command ? ` by \`${r.command}\`` : ''}.`, ''];
  out.push(
    `Test set: ${r.dataset.name}, ${r.dataset.rows} queries, digest ${r.dataset.digest}. Cost = every model called is paid; quality = the accepted response's correctness.`,
    '',
  );
  out.push('## Cascades', '', md(CURVE_HEAD, curveRows(r)), '', '## Single models', '', md(SINGLE_HEAD, singleRows(r)));
  if (r.oracle) out.push('', `Oracle (cheapest correct model): quality ${f3(r.oracle.quality)} at ${per1k(r.oracle.cost)}/1k.`);
  if (r.calibrations.length) out.push('', '## τ calibrated on the calibration split, applied to test', '', md(CAL_HEAD, calRows(r)));
  out.push('', '## Reward model', '', `\`${JSON.stringify(r.rewardModel)}\``);
  if (r.notes.length) out.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

export function cascadePlot(r: CascadeReport): string {
  const series: PlotSeries[] = r.curves.map((c, i) => ({
    name: `${c.name} (AIQ ${f3(c.aiq)})`,
    kind: 'cascade',
    color: PALETTE[i % PALETTE.length]!,
    points: c.points.map((p) => [p.cost * 1000, p.quality] as const),
    line: c.hull.map((h) => [h[0] * 1000, h[1]] as const),
  }));
  for (const s of r.singles)
    series.push({ name: s.model, kind: 'model', color: '#555555', points: [[s.cost * 1000, s.quality]], marker: 'square', labelPoint: true });
  if (r.oracle)
    series.push({
      name: `oracle (${f3(r.oracle.quality)})`,
      kind: 'oracle',
      color: '#e6a700',
      points: [[r.oracle.cost * 1000, r.oracle.quality]],
      marker: 'star',
    });
  const costs = r.singles.map((s) => s.cost).filter((c) => c > 0);
  const xLog = costs.length > 1 && Math.max(...costs) / Math.min(...costs) > 20;
  return renderPlot({
    id: `cascade:${r.dataset.name}`,
    title: `${r.dataset.name}: cascades, quality vs cost (points: τ sweep; lines: hulls)`,
    xLabel: `mean cost, USD per 1,000 queries${xLog ? ' (log scale)' : ''}`,
    yLabel: 'mean quality',
    xLog,
    series,
  });
}

export function cascadeReportHtml(r: CascadeReport): string {
  const body = [htmlHeading(r.title, r.createdAt, r.command)];
  body.push(`<p>Test set: ${escapeXml(r.dataset.name)}, ${r.dataset.rows} queries, digest ${escapeXml(r.dataset.digest)}.</p>`, cascadePlot(r));
  body.push('<h2>Cascades</h2>', htmlTable(CURVE_HEAD, curveRows(r)), '<h2>Single models</h2>', htmlTable(SINGLE_HEAD, singleRows(r)));
  if (r.calibrations.length) body.push('<h2>τ calibrated on the calibration split, applied to test</h2>', htmlTable(CAL_HEAD, calRows(r)));
  body.push('<h2>Reward model</h2>', `<code>${escapeXml(JSON.stringify(r.rewardModel))}</code>`);
  body.push(...htmlNotes(r.notes));
  return htmlPage(r.title, body);
}

export function writeCascadeReport(dir: string, r: CascadeReport): { json: string; md: string; html: string } {
  return writeReportFiles(dir, r, cascadeReportMarkdown(r), cascadeReportHtml(r));
}
