/**
 * A small, dependency-free SVG line/scatter plot for the self-contained HTML report (inline SVG, no
 * scripts, no network). Each series is one <g class="series" data-series=… data-kind=…> so tests and
 * readers can find it.
 */

export type XY = readonly [number, number];

export interface PlotSeries {
  name: string;
  /** router | random | zero | oracle | model | optimal | … (data-kind attribute). */
  kind: string;
  color: string;
  points?: readonly XY[];
  /** Drawn as a polyline (e.g. a hull or a sweep curve). */
  line?: readonly XY[];
  dashed?: boolean;
  marker?: 'circle' | 'square' | 'diamond' | 'star' | 'cross';
  /** Write the name next to the single point (single models). */
  labelPoint?: boolean;
}

export interface PlotSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  series: readonly PlotSeries[];
  hLines?: readonly { y: number; label: string; color: string }[];
  width?: number;
  height?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#7f7f7f'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const k of [1, 2, 5]) {
      const v = k * Math.pow(10, e);
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  return out;
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(0);
  return Number(v.toPrecision(3)).toString();
}

function marker(kind: NonNullable<PlotSeries['marker']>, x: number, y: number, color: string): string {
  const c = `fill="${color}" stroke="#fff" stroke-width="0.8"`;
  switch (kind) {
    case 'circle':
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.2" ${c}/>`;
    case 'square':
      return `<rect x="${(x - 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" width="8" height="8" ${c}/>`;
    case 'diamond':
      return `<path d="M${x.toFixed(1)} ${(y - 5).toFixed(1)}l5 5l-5 5l-5-5z" ${c}/>`;
    case 'cross':
      return `<path d="M${(x - 4).toFixed(1)} ${(y - 4).toFixed(1)}l8 8m0-8l-8 8" stroke="${color}" stroke-width="2" fill="none"/>`;
    case 'star': {
      const pts: string[] = [];
      for (let k = 0; k < 10; k++) {
        const r = k % 2 ? 3 : 7.5;
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        pts.push(`${(x + r * Math.cos(a)).toFixed(1)},${(y + r * Math.sin(a)).toFixed(1)}`);
      }
      return `<polygon points="${pts.join(' ')}" ${c}/>`;
    }
  }
}

/** Linear interpolation of a polyline with `k` points per segment (in data space). */
export function densify(line: readonly XY[], k = 24): XY[] {
  const out: XY[] = [];
  for (let i = 0; i < line.length; i++) {
    const p = line[i]!;
    if (i > 0) {
      const q = line[i - 1]!;
      for (let j = 1; j < k; j++) out.push([q[0] + ((p[0] - q[0]) * j) / k, q[1] + ((p[1] - q[1]) * j) / k]);
    }
    out.push(p);
  }
  return out;
}

export function renderPlot(spec: PlotSpec): string {
  const W = spec.width ?? 760;
  const H = spec.height ?? 440;
  const legendW = 210;
  const m = { l: 62, r: legendW + 16, t: 34, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all: XY[] = [];
  for (const s of spec.series) for (const p of [...(s.points ?? []), ...(s.line ?? [])]) if (Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!spec.xLog || p[0] > 0)) all.push(p);
  for (const h of spec.hLines ?? []) if (Number.isFinite(h.y)) all.push([Number.NaN, h.y]);
  const xs = all.map((p) => p[0]).filter(Number.isFinite);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  if (spec.xLog) {
    x0 = x0 / 1.25;
    x1 = x1 * 1.25;
  } else {
    const dx = x1 - x0 || Math.abs(x1) || 1;
    x0 -= dx * 0.04;
    x1 += dx * 0.04;
  }
  const dy = y1 - y0 || Math.abs(y1) || 1;
  y0 -= dy * 0.06;
  y1 += dy * 0.06;
  const sx = (x: number) => m.l + (spec.xLog ? (Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0)) : (x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const ok = (p: XY) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!spec.xLog || p[0] > 0);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="${escapeXml(spec.id)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(spec.title)}">`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${m.l}" y="20" font-size="14" font-weight="bold" fill="#222">${escapeXml(spec.title)}</text>`);
  // grid and axes
  const xt = spec.xLog ? logTicks(x0, x1) : niceTicks(x0, x1);
  const yt = niceTicks(y0, y1);
  parts.push('<g class="axes" font-size="11" fill="#444">');
  for (const v of xt) {
    const X = sx(v).toFixed(1);
    parts.push(`<line x1="${X}" y1="${m.t}" x2="${X}" y2="${m.t + ph}" stroke="#eee"/><text x="${X}" y="${m.t + ph + 15}" text-anchor="middle">${fmtTick(v)}</text>`);
  }
  for (const v of yt) {
    const Y = sy(v).toFixed(1);
    parts.push(`<line x1="${m.l}" y1="${Y}" x2="${m.l + pw}" y2="${Y}" stroke="#eee"/><text x="${m.l - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${fmtTick(v)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle" font-size="12">${escapeXml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(spec.yLabel)}</text>`);
  parts.push('</g>');
  for (const h of spec.hLines ?? []) {
    if (!Number.isFinite(h.y)) continue;
    const Y = sy(h.y).toFixed(1);
    parts.push(`<g class="hline" data-series="${escapeXml(h.label)}"><line x1="${m.l}" y1="${Y}" x2="${m.l + pw}" y2="${Y}" stroke="${h.color}" stroke-dasharray="2 4"/><text x="${m.l + pw - 4}" y="${(sy(h.y) - 4).toFixed(1)}" text-anchor="end" font-size="10" fill="${h.color}">${escapeXml(h.label)}</text></g>`);
  }
  // series
  spec.series.forEach((s) => {
    const g: string[] = [`<g class="series" data-series="${escapeXml(s.name)}" data-kind="${escapeXml(s.kind)}">`];
    // on a log cost axis a hull segment (a random mix of two settings: linear in cost) is a curve, so it is
    // drawn through intermediate points rather than as a straight log-space chord
    const line = (spec.xLog ? densify(s.line ?? []) : (s.line ?? [])).filter(ok);
    if (line.length >= 2) g.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${line.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const p of (s.points ?? []).filter(ok)) g.push(marker(s.marker ?? 'circle', sx(p[0]), sy(p[1]), s.color));
    if (s.labelPoint && s.points?.length && ok(s.points[0]!)) {
      const p = s.points[0]!;
      g.push(`<text x="${(sx(p[0]) + 6).toFixed(1)}" y="${(sy(p[1]) - 5).toFixed(1)}" font-size="9.5" fill="#333">${escapeXml(s.name)}</text>`);
    }
    g.push('</g>');
    parts.push(g.join(''));
  });
  // legend (single models are labelled in place, so they share one legend entry)
  const legend = spec.series.filter((s) => s.kind !== 'model');
  if (spec.series.some((s) => s.kind === 'model')) legend.push({ name: 'single models', kind: 'model', color: '#555', points: [[0, 0]], marker: 'square' });
  const lx = m.l + pw + 14;
  parts.push('<g class="legend" font-size="11">');
  legend.forEach((s, i) => {
    const y = m.t + 10 + i * 18;
    if (s.line) parts.push(`<line x1="${lx}" y1="${y}" x2="${lx + 22}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (s.points) parts.push(marker(s.marker ?? 'circle', lx + 11, y, s.color));
    parts.push(`<text x="${lx + 28}" y="${y + 4}">${escapeXml(s.name.length > 26 ? `${s.name.slice(0, 25)}…` : s.name)}</text>`);
  });
  parts.push('</g></svg>');
  return parts.join('\n');
}
