import { colourAt, escapeXml, niceTicks, fmtTick, textWidth } from '../../src/eval/report/svg.js';
import type { DashboardData } from './dashboardData.js';

/**
 * The live dashboard as one server-rendered HTML page: inline SVG charts, inline CSS, no script, no network
 * (CSP), refreshed by the browser every `refreshSeconds`. Every figure carries a data-figure attribute so
 * tests read the numbers a person sees.
 */

export interface ServiceSummary {
  router: { name: string; version: string; kind: string; featurizer: string; models: string[]; evaluation: Record<string, unknown> } | null;
  generation: number;
  uptimeSeconds: number;
  backend: string | null;
  /** HTTP requests since start by route template and status class, from the service's own counters. */
  requests: { route: string; ok: number; clientErrors: number; serverErrors: number }[];
  rejections: Record<string, number>;
}

const usd = (x: number) => (x === 0 ? '$0' : x < 0.01 ? `$${x.toPrecision(3)}` : `$${x.toFixed(2)}`);
const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`);
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : '–');
const hhmm = (iso: string) => iso.slice(11, 16);

function tile(id: string, label: string, value: string, sub = ''): string {
  return `<div class="tile" data-figure="${id}"><div class="label">${escapeXml(label)}</div><div class="value">${escapeXml(value)}</div>${sub ? `<div class="sub">${escapeXml(sub)}</div>` : ''}</div>`;
}

interface Line {
  name: string;
  color: string;
  values: readonly number[];
  dash?: string;
}

/** A small time chart: stacked bars (`stack`) or lines over the buckets. */
function timeChart(
  id: string,
  title: string,
  d: DashboardData,
  o: { stack?: { name: string; color: string; values: number[] }[]; lines?: Line[]; fmt: (v: number) => string },
): string {
  const W = 560;
  const H = 220;
  const m = { l: 58, r: 10, t: 28, b: 26 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const n = d.buckets.length;
  const totals = d.buckets.map((_, i) => (o.stack ?? []).reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const all = [...totals, ...(o.lines ?? []).flatMap((l) => l.values.filter(Number.isFinite))];
  const peak = Math.max(0, ...all);
  // an all-zero chart gets a unit axis rather than ticks at 1e-12
  const ymax = peak > 0 ? peak : 1;
  const ticks = niceTicks(0, ymax * 1.05, 4);
  const y1 = Math.max(ymax * 1.05, ticks[ticks.length - 1]!);
  const sx = (i: number) => m.l + ((i + 0.5) / Math.max(1, n)) * pw;
  const sy = (v: number) => m.t + ph - (v / y1) * ph;
  const bw = Math.max(1, (pw / Math.max(1, n)) * 0.8);
  const parts = [`<text x="10" y="18" font-size="13" font-weight="bold" fill="#222">${escapeXml(title)}</text>`];
  for (const v of ticks)
    parts.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#eee"/><text x="${m.l - 5}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#555">${escapeXml(o.fmt(v))}</text>`,
    );
  const every = Math.max(1, Math.ceil(n / Math.floor(pw / 44)));
  d.buckets.forEach((b, i) => {
    if (i % every === 0) parts.push(`<text x="${sx(i).toFixed(1)}" y="${H - 8}" text-anchor="middle" font-size="10" fill="#555">${hhmm(b.start)}</text>`);
  });
  for (const [k, s] of (o.stack ?? []).entries()) {
    const g = [`<g class="series" data-series="${escapeXml(s.name)}">`];
    s.values.forEach((v, i) => {
      if (!(v > 0)) return;
      const below = (o.stack ?? []).slice(0, k).reduce((a, t) => a + (t.values[i] ?? 0), 0);
      g.push(
        `<rect x="${(sx(i) - bw / 2).toFixed(1)}" y="${sy(below + v).toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(0.5, sy(below) - sy(below + v)).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${hhmm(d.buckets[i]!.start)} ${s.name}: ${o.fmt(v)}`)}</title></rect>`,
      );
    });
    g.push('</g>');
    parts.push(g.join(''));
  }
  for (const l of o.lines ?? []) {
    const pts = l.values.map((v, i) => (Number.isFinite(v) ? `${sx(i).toFixed(1)},${sy(v).toFixed(1)}` : null));
    const g = [`<g class="series" data-series="${escapeXml(l.name)}">`];
    const seg = pts.filter((p): p is string => p !== null);
    if (seg.length > 1)
      g.push(`<polyline fill="none" stroke="${l.color}" stroke-width="2"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''} points="${seg.join(' ')}"/>`);
    for (const p of seg) {
      const [x, y] = p.split(',');
      g.push(`<circle cx="${x}" cy="${y}" r="2.6" fill="${l.color}"/>`);
    }
    g.push('</g>');
    parts.push(g.join(''));
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  const legendItems = [
    ...(o.stack ?? []).map((s) => ({ name: s.name, color: s.color, dash: '' })),
    ...(o.lines ?? []).map((l) => ({ name: l.name, color: l.color, dash: l.dash ?? '' })),
  ];
  let lx = 10;
  let ly = H + 12;
  const leg: string[] = [];
  for (const it of legendItems) {
    const w = 24 + textWidth(it.name, 11) + 14;
    if (lx + w > W - 6) {
      lx = 10;
      ly += 16;
    }
    leg.push(
      `<g class="legend-entry" data-series="${escapeXml(it.name)}"><line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${it.color}" stroke-width="${o.stack?.some((s) => s.name === it.name) ? 8 : 2}"${it.dash ? ` stroke-dasharray="${it.dash}"` : ''}/><text x="${lx + 24}" y="${ly}" font-size="11" fill="#222">${escapeXml(it.name)}</text></g>`,
    );
    lx += w;
  }
  const total = ly + 8;
  return `<figure class="chart" data-figure="${id}"><svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="${id}" viewBox="0 0 ${W} ${total}" width="${W}" height="${total}" role="img" aria-label="${escapeXml(title)}"><rect width="${W}" height="${total}" fill="#fff"/>${parts.join('')}${leg.join('')}</svg></figure>`;
}

function table(id: string, head: string[], rows: (string | { v: string; attrs?: string })[][]): string {
  return `<div class="table" data-figure="${id}"><table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => (typeof c === 'string' ? `<td>${escapeXml(c)}</td>` : `<td ${c.attrs ?? ''}>${escapeXml(c.v)}</td>`)).join('')}</tr>`).join('')}</tbody></table></div>`;
}

function flatNumbers(o: Record<string, unknown>, prefix = '', out: [string, string][] = []): [string, string][] {
  for (const [k, v] of Object.entries(o)) {
    if (out.length >= 12) break;
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out.push([key, Number.isInteger(v) ? String(v) : v.toFixed(3)]);
    else if (typeof v === 'string' && v.length < 40) out.push([key, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) flatNumbers(v as Record<string, unknown>, key, out);
  }
  return out;
}

export function renderDashboard(d: DashboardData, s: ServiceSummary, o: { refreshSeconds?: number } = {}): string {
  const refresh = o.refreshSeconds ?? 30;
  const t = d.totals;
  const models = d.models.map((m) => m.model);
  const colour = new Map(models.map((m, i) => [m, colourAt(i)]));
  const body: string[] = [];
  body.push(
    `<header><h1>llmr — live</h1><p class="meta">Last ${d.windowHours} h, buckets of ${d.bucketMinutes} min, generated ${escapeXml(d.generatedAt)} (refreshes every ${refresh} s). ${d.store ? `Store: ${escapeXml(d.store.kind)} ${escapeXml(d.store.location)}${d.store.storePrompts ? ', prompts stored' : ', prompts not stored (salted hashes only)'}.` : 'No feedback store: route figures need one (LLMR_STORE_URL).'}${d.truncated ? ' Figures cover the newest route records only (limit reached).' : ''}</p></header>`,
  );
  // the serving router
  if (s.router) {
    const ev = flatNumbers(s.router.evaluation);
    body.push(
      `<section class="router" data-figure="router"><h2>Serving router</h2><p><b data-figure="router-version">${escapeXml(s.router.name)}@${escapeXml(s.router.version)}</b> · ${escapeXml(s.router.kind)} · ${escapeXml(s.router.featurizer)} featurizer · ${s.router.models.length} candidate models · generation ${s.generation} · backend ${escapeXml(s.backend ?? '?')} · up ${Math.round(s.uptimeSeconds)} s</p>${ev.length ? `<p class="meta" data-figure="router-evaluation">Evaluation at training time: ${ev.map(([k, v]) => `${escapeXml(k)} ${escapeXml(v)}`).join(' · ')}</p>` : '<p class="meta">The artifact carries no evaluation metrics.</p>'}</section>`,
    );
  } else body.push('<section class="router" data-figure="router"><h2>Serving router</h2><p>No router loaded (POST /route answers 503).</p></section>');
  body.push('<section class="tiles">');
  body.push(tile('routes', 'route decisions', String(t.routes), `${d.buckets.length} buckets`));
  body.push(tile('error-rate', 'error rate', pct(t.errorRate), `${t.errors} errors`));
  body.push(tile('fallback-rate', 'fallback rate', pct(t.fallbackRate), `${t.fallbacks} fallbacks`));
  body.push(tile('estimated-cost', 'estimated cost', usd(t.estimatedCostUsd), 'at decision time'));
  body.push(tile('billed-cost', 'billed cost', usd(t.billedCostUsd), 'upstream usage (gateway)'));
  body.push(tile('latency', 'latency p50 / p95', `${ms(t.p50LatencyMs)} / ${ms(t.p95LatencyMs)}`));
  body.push(tile('feedback-rate', 'feedback rate', pct(t.feedbackRate), `${t.ratedRoutes} rated routes`));
  body.push('</section>');
  body.push('<section class="charts">');
  body.push(
    timeChart('traffic', 'Traffic by chosen model (routes per bucket)', d, {
      stack: models.map((m) => ({ name: m, color: colour.get(m)!, values: d.buckets.map((b) => b.byModel[m] ?? 0) })),
      fmt: (v) => fmtTick(v),
    }),
  );
  body.push(
    timeChart('cost', 'Cost per bucket: estimated vs billed (USD)', d, {
      lines: [
        { name: 'estimated', color: '#1f77b4', values: d.buckets.map((b) => b.estimatedCostUsd) },
        { name: 'billed', color: '#d62728', values: d.buckets.map((b) => b.billedCostUsd), dash: '5 3' },
      ],
      fmt: (v) => `$${fmtTick(v)}`,
    }),
  );
  body.push(
    timeChart('latency-chart', 'Latency per bucket (ms)', d, {
      lines: [
        { name: 'p50', color: '#2ca02c', values: d.buckets.map((b) => b.p50LatencyMs) },
        { name: 'p95', color: '#9467bd', values: d.buckets.map((b) => b.p95LatencyMs), dash: '5 3' },
      ],
      fmt: (v) => fmtTick(v),
    }),
  );
  body.push(
    timeChart('rates', 'Error and fallback rate per bucket', d, {
      lines: [
        { name: 'errors', color: '#d62728', values: d.buckets.map((b) => (b.routes ? b.errors / b.routes : Number.NaN)) },
        { name: 'fallbacks', color: '#ff7f0e', values: d.buckets.map((b) => (b.routes ? b.fallbacks / b.routes : Number.NaN)), dash: '5 3' },
      ],
      fmt: (v) => `${fmtTick(v * 100)}%`,
    }),
  );
  body.push('</section>');
  body.push('<h2>Per model</h2>');
  body.push(
    table(
      'models',
      ['model', 'chosen', 'share', 'answered', 'estimated cost', 'billed cost', 'mean latency', 'errors', 'feedback rate', 'mean score', 'feedback'],
      d.models.map((m) => [
        { v: m.model, attrs: `data-model="${escapeXml(m.model)}"` },
        { v: String(m.chosen), attrs: 'data-col="chosen"' },
        {
          v: pct(m.share),
          attrs: `data-col="share" style="background:linear-gradient(90deg,${colour.get(m.model)}33 ${(m.share * 100).toFixed(1)}%,transparent 0)"`,
        },
        String(m.answered),
        usd(m.estimatedCostUsd),
        usd(m.billedCostUsd),
        ms(m.meanLatencyMs),
        String(m.errors),
        { v: pct(m.feedbackRate), attrs: 'data-col="feedback-rate"' },
        { v: m.meanScore === null ? '–' : m.meanScore.toFixed(3), attrs: 'data-col="mean-score"' },
        String(m.feedback),
      ]),
    ),
  );
  body.push('<h2>Service counters since start</h2>');
  body.push(
    table(
      'requests',
      ['route', '2xx/3xx', '4xx', '5xx'],
      s.requests.map((r) => [r.route, String(r.ok), String(r.clientErrors), String(r.serverErrors)]),
    ),
  );
  if (Object.keys(s.rejections).length)
    body.push(
      `<p class="meta" data-figure="rejections">Rejections: ${Object.entries(s.rejections)
        .map(([k, v]) => `${escapeXml(k)} ${v}`)
        .join(' · ')}</p>`,
    );
  if (d.versions.length)
    body.push(
      '<h2>Model versions</h2>',
      table(
        'versions',
        ['time', 'router', 'version', 'step', 'promoted', 'reason'],
        d.versions.map((v) => [v.time.slice(0, 19).replace('T', ' '), v.routerName, v.version, v.step, v.promoted ? 'yes' : 'no', v.reason]),
      ),
    );
  body.push('<h2>Recent route records</h2>');
  body.push(
    table(
      'recent',
      ['time', 'source', 'chosen', 'answered', 'status', 'latency', 'est. cost', 'billed', 'prompt'],
      d.recent.map((r) => [
        r.time.slice(11, 19),
        r.source,
        r.chosenModel,
        r.answeredModel ?? '–',
        { v: r.status, attrs: r.status === 'ok' ? '' : 'class="bad"' },
        ms(r.latencyMs),
        r.estimatedCostUsd === null ? '–' : usd(r.estimatedCostUsd),
        r.costUsd === null ? '–' : usd(r.costUsd),
        r.prompt !== null
          ? { v: r.prompt.length > 90 ? `${r.prompt.slice(0, 89)}…` : r.prompt, attrs: 'class="prompt"' }
          : { v: r.promptHash ? `not stored (#${r.promptHash.slice(0, 8)})` : 'not stored', attrs: 'class="muted"' },
      ]),
    ),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>llmr dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refresh}">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
*{box-sizing:border-box}body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:18px;color:#222;max-width:1180px;line-height:1.35}
h1{font-size:21px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px}.meta{font-size:12.5px;color:#555;margin:2px 0}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;margin:14px 0}
.tile{border:1px solid #ddd;border-radius:6px;padding:8px 10px;background:#fafafa}.tile .label{font-size:11.5px;color:#555}.tile .value{font-size:19px;font-weight:600;margin-top:2px;overflow-wrap:anywhere}.tile .sub{font-size:11px;color:#777}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:10px}figure{margin:0}figure svg{display:block;width:100%;height:auto;border:1px solid #ddd}
table{border-collapse:collapse;font-size:12px;max-width:100%}th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;white-space:nowrap}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}td.prompt{text-align:left;white-space:normal;overflow-wrap:anywhere;max-width:360px}td.muted{color:#888;text-align:left}td.bad{color:#b00;font-weight:600}
.table{max-width:100%;overflow-x:auto}
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
