import { join } from 'node:path';
import { writeFileAtomic } from '../../data/files.js';
import { escapeXml } from './svg.js';

/** Small self-contained report pages (ranker and cascade reports): one page shell, one table, one writer. */

export function htmlTable(head: readonly string[], body: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Title and "Generated … by `command`" line. */
export function htmlHeading(title: string, createdAt: string, command?: string): string {
  return `<h1>${escapeXml(title)}</h1>\n<p class="meta">Generated ${escapeXml(createdAt)}${command ? ` by <code>${escapeXml(command)}</code>` : ''}.</p>`;
}

export function htmlNotes(notes: readonly string[]): string[] {
  return notes.length ? ['<h2>Notes</h2>', `<ul>${notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`] : [];
}

/** A complete HTML document: no scripts, no network (CSP), inline style. */
export function htmlPage(title: string, body: readonly string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
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

/** Write report.json, report.md and report.html into `dir` atomically; returns their paths. */
export function writeReportFiles(dir: string, value: unknown, markdown: string, html: string): { json: string; md: string; html: string } {
  const paths = { json: join(dir, 'report.json'), md: join(dir, 'report.md'), html: join(dir, 'report.html') };
  writeFileAtomic(paths.json, reportJson(value));
  writeFileAtomic(paths.md, markdown);
  writeFileAtomic(paths.html, html);
  return paths;
}
