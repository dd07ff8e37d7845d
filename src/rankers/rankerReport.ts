import { join } from 'node:path';
import { writeFileAtomic } from '../data/files.js';
import type { BootstrapInterval } from '../eval/bootstrap.js';
import { escapeXml } from '../eval/report/svg.js';
import type { RankerEval } from './evaluateRanker.js';

/**
 * The ranker evaluation report in three renderings of one object: JSON (everything), Markdown and a
 * self-contained HTML page (no scripts, no network), in the style of the router report (src/eval/report).
 */
export interface RankerReport {
  title: string;
  createdAt: string;
  command?: string;
  evals: RankerEval[];
  /** Trained or loaded artifacts: name, kind, dir, manifest digest, params, train seconds. */
  artifacts: Record<string, unknown>[];
  notes: string[];
}

const f3 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(3) : '–');
const ci = (c: BootstrapInterval | undefined) => (c && Number.isFinite(c.lo) ? `[${c.lo.toFixed(3)}, ${c.hi.toFixed(3)}]` : '');

const HEAD = ['data set', 'split', 'pairs (non-tie)', 'ranker', 'accuracy', '95% CI', 'length baseline', '95% CI', 'random', '95% CI', 'gain over length [95% CI]', 'log loss'];

function rows(r: RankerReport): string[][] {
  return r.evals.map((e) => [
    e.dataset,
    e.split,
    `${e.pairs} (${e.pairs - e.ties})`,
    `${e.ranker.name} (${e.ranker.kind})`,
    f3(e.ranker.accuracy),
    ci(e.ranker.ci),
    f3(e.baselines.length.accuracy),
    ci(e.baselines.length.ci),
    f3(e.baselines.random.accuracy),
    ci(e.baselines.random.ci),
    e.gainOverLength ? `${f3(e.gainOverLength.mean)} ${ci(e.gainOverLength)}` : '',
    f3(e.ranker.logLoss),
  ]);
}

const ANN_HEAD = ['annotator', 'non-tie labels', 'ranker', 'length baseline', 'other two annotators (ceiling)'];
function annRows(e: RankerEval): string[][] {
  return (e.annotators ?? []).map((a) => [String(a.annotator), String(a.n), f3(a.ranker), f3(a.length), `${f3(a.human)} (n=${a.humanN})`]);
}

const md = (head: string[], body: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function rankerReportMarkdown(r: RankerReport): string {
  const out = [`# ${r.title}`, '', `Generated ${r.createdAt}${r.command ? ` by \`${r.command}\`` : ''}.`, ''];
  out.push('Pairwise accuracy on held-out non-tie pairs, 95% bootstrap intervals. Length baseline: the longer response (characters) wins.', '');
  out.push(md(HEAD, rows(r)));
  for (const e of r.evals) if (e.annotators) out.push('', `## ${e.dataset} (${e.split}): agreement with each annotator`, '', md(ANN_HEAD, annRows(e)));
  if (r.artifacts.length) out.push('', '## Artifacts', '', ...r.artifacts.map((a) => `- \`${JSON.stringify(a)}\``));
  if (r.notes.length) out.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

const table = (head: string[], body: string[][]) =>
  `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

export function rankerReportHtml(r: RankerReport): string {
  const body = [`<h1>${escapeXml(r.title)}</h1>`, `<p class="meta">Generated ${escapeXml(r.createdAt)}${r.command ? ` by <code>${escapeXml(r.command)}</code>` : ''}.</p>`];
  body.push('<p>Pairwise accuracy on held-out non-tie pairs, 95% bootstrap intervals. Length baseline: the longer response wins.</p>', table(HEAD, rows(r)));
  for (const e of r.evals) if (e.annotators) body.push(`<h2>${escapeXml(e.dataset)} (${escapeXml(e.split)}): agreement with each annotator</h2>`, table(ANN_HEAD, annRows(e)));
  if (r.artifacts.length) body.push('<h2>Artifacts</h2>', `<ul>${r.artifacts.map((a) => `<li><code>${escapeXml(JSON.stringify(a))}</code></li>`).join('')}</ul>`);
  if (r.notes.length) body.push('<h2>Notes</h2>', `<ul>${r.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(r.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.meta{font-size:12.5px;color:#444}code{background:#f5f5f5;padding:1px 3px}
svg.plot{border:1px solid #ddd}
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}

/** JSON with NaN/Infinity written as null. */
export function reportJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/** Write report.json, report.md and report.html into `dir`. */
export function writeRankerReport(dir: string, r: RankerReport): { json: string; md: string; html: string } {
  const paths = { json: join(dir, 'report.json'), md: join(dir, 'report.md'), html: join(dir, 'report.html') };
  writeFileAtomic(paths.json, reportJson(r));
  writeFileAtomic(paths.md, rankerReportMarkdown(r));
  writeFileAtomic(paths.html, rankerReportHtml(r));
  return paths;
}
