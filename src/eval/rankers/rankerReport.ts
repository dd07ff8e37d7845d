import type { BootstrapInterval } from '../bootstrap.js';
import { htmlHeading, htmlNotes, htmlPage, htmlTable, writeReportFiles } from '../report/page.js';
import { escapeXml } from '../report/svg.js';
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

const HEAD = [
  'data set',
  'split',
  'pairs (non-tie)',
  'ranker',
  'accuracy',
  '95% CI',
  'length baseline',
  '95% CI',
  'random',
  '95% CI',
  'gain over length [95% CI]',
  'log loss',
];

const LEN_HEAD = [
  'data set',
  'split',
  'ranker',
  'pairs (lengths differ)',
  'accuracy, longer wins',
  'accuracy, longer loses',
  'picks the longer',
  'labels pick the longer',
];
function lenRows(r: RankerReport): string[][] {
  return r.evals
    .filter((e) => e.length)
    .map((e) => {
      const l = e.length!;
      return [
        e.dataset,
        e.split,
        e.ranker.name,
        String(l.n),
        `${f3(l.longerWins.accuracy)} ${ci(l.longerWins.ci)} (n=${l.longerWins.n})`,
        `${f3(l.longerLoses.accuracy)} ${ci(l.longerLoses.ci)} (n=${l.longerLoses.n})`,
        f3(l.picksLonger),
        f3(l.labelsPickLonger),
      ];
    });
}
const LEN_NOTE =
  'Length bias: accuracy on the pairs where the label says the longer response wins, and where it says the longer loses (a ranker that only prefers length scores 1 and 0); how often the ranker and the labels pick the longer response.';

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

const md = (head: string[], body: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function rankerReportMarkdown(r: RankerReport): string {
  const out = [`# ${r.title}`, '', `Generated ${r.createdAt}${r.command ? ` by \`${r.command}\`` : ''}.`, ''];
  out.push('Pairwise accuracy on held-out non-tie pairs, 95% bootstrap intervals. Length baseline: the longer response (characters) wins.', '');
  out.push(md(HEAD, rows(r)));
  if (lenRows(r).length) out.push('', '## Length bias', '', LEN_NOTE, '', md(LEN_HEAD, lenRows(r)));
  for (const e of r.evals) if (e.annotators) out.push('', `## ${e.dataset} (${e.split}): agreement with each annotator`, '', md(ANN_HEAD, annRows(e)));
  if (r.artifacts.length) out.push('', '## Artifacts', '', ...r.artifacts.map((a) => `- \`${JSON.stringify(a)}\``));
  if (r.notes.length) out.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

export function rankerReportHtml(r: RankerReport): string {
  const body = [htmlHeading(r.title, r.createdAt, r.command)];
  body.push(
    '<p>Pairwise accuracy on held-out non-tie pairs, 95% bootstrap intervals. Length baseline: the longer response wins.</p>',
    htmlTable(HEAD, rows(r)),
  );
  if (lenRows(r).length) body.push('<h2>Length bias</h2>', `<p>${escapeXml(LEN_NOTE)}</p>`, htmlTable(LEN_HEAD, lenRows(r)));
  for (const e of r.evals)
    if (e.annotators) body.push(`<h2>${escapeXml(e.dataset)} (${escapeXml(e.split)}): agreement with each annotator</h2>`, htmlTable(ANN_HEAD, annRows(e)));
  if (r.artifacts.length)
    body.push('<h2>Artifacts</h2>', `<ul>${r.artifacts.map((a) => `<li><code>${escapeXml(JSON.stringify(a))}</code></li>`).join('')}</ul>`);
  body.push(...htmlNotes(r.notes));
  return htmlPage(r.title, body);
}

/** Write report.json, report.md and report.html into `dir`. */
export function writeRankerReport(dir: string, r: RankerReport): { json: string; md: string; html: string } {
  return writeReportFiles(dir, r, rankerReportMarkdown(r), rankerReportHtml(r));
}
