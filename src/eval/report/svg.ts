/**
 * Small, dependency-free SVG charts for the self-contained HTML report (inline SVG, no scripts, no network):
 * a line/scatter plot, a horizontal dot plot and stacked share bars. Each drawn series is one
 * <g class="series" data-series=… data-kind=…> so tests and readers can find it; each legend entry is a
 * <g class="legend-entry" data-series=…> naming the series it stands for.
 *
 * Layout never truncates text: titles and legend labels wrap to the width they are given (text widths are
 * estimated conservatively from the character count), the legend sits below the plot area in as many columns
 * as fit, and point labels are placed greedily where they collide with no other label, marker or line
 * (a short leader line joins a label that had to move away from its point).
 */

export type XY = readonly [number, number];
export type MarkerKind = 'circle' | 'square' | 'box' | 'diamond' | 'star' | 'cross' | 'triangle' | 'ring' | 'tri-down' | 'plus';

export interface PlotSeries {
  name: string;
  /** router | random | zero | oracle | model | optimal | … (data-kind attribute). */
  kind: string;
  color: string;
  points?: readonly XY[];
  /** Drawn as a polyline (e.g. a hull or a sweep curve). */
  line?: readonly XY[];
  dashed?: boolean;
  /** Dash pattern (SVG stroke-dasharray) overriding `dashed`. */
  dash?: string;
  marker?: MarkerKind;
  /** Write the name next to the single point (single models). */
  labelPoint?: boolean;
  /** Draw the line's flat extension (dotted) from its last vertex to this x: what AIQ integrates. */
  extendTo?: number;
  /** Leave out of the legend (e.g. single models, which are labelled in place and share one entry). */
  noLegend?: boolean;
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
  /** Height of the plot area (the SVG grows by the title and legend). */
  plotHeight?: number;
  /** Force y = 0 into view (difference plots). */
  yZero?: boolean;
  /** Fixed y range; marks outside it are clipped at the plot area (a far-off baseline must not flatten the rest). */
  yRange?: readonly [number, number];
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#7f7f7f'];
/** Marker shapes routers cycle through, so overlapping curves stay distinguishable without colour. */
export const ROUTER_MARKERS: MarkerKind[] = ['circle', 'square', 'triangle', 'diamond', 'tri-down', 'plus', 'cross'];
/** Dash patterns routers cycle through. */
export const ROUTER_DASHES = ['', '7 3', '2 2', '9 3 2 3', '4 4'];

/** A colour per index, the palette first, then evenly spaced hues. */
export function colourAt(i: number): string {
  if (i < PALETTE.length) return PALETTE[i]!;
  const h = Math.round((i * 137.508) % 360);
  return `hsl(${h} 55% 45%)`;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Conservative width estimate of a text in px (wide sans-serif fonts such as DejaVu Sans). */
export function textWidth(s: string, fontSize: number, bold = false): number {
  let w = 0;
  for (const ch of s) w += /[il.,:;'|!\s]/.test(ch) ? 0.36 : /[mwMW@%]/.test(ch) ? 0.95 : /[A-Z0-9$#]/.test(ch) ? 0.72 : 0.62;
  return w * fontSize * (bold ? 1.08 : 1);
}

/** Break a text into lines no wider than `maxW` px (words; a word longer than a line is cut at characters). */
export function wrapText(s: string, fontSize: number, maxW: number, bold = false): string[] {
  const lines: string[] = [];
  let cur = '';
  const push = (w: string) => {
    const next = cur ? `${cur} ${w}` : w;
    if (textWidth(next, fontSize, bold) <= maxW) cur = next;
    else if (!cur) {
      // a single word wider than the line: cut it
      let part = '';
      for (const ch of w) {
        if (textWidth(part + ch, fontSize, bold) > maxW && part) {
          lines.push(part);
          part = '';
        }
        part += ch;
      }
      cur = part;
    } else {
      lines.push(cur);
      cur = '';
      push(w);
    }
  };
  for (const w of s.split(/\s+/).filter(Boolean)) push(w);
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
}

function textLines(lines: readonly string[], x: number, y: number, fontSize: number, attrs = ''): string {
  const lh = fontSize * 1.25;
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${fontSize}"${attrs ? ` ${attrs}` : ''}>${lines.map((l, i) => `<tspan x="${x.toFixed(1)}" dy="${i ? lh.toFixed(1) : 0}">${escapeXml(l)}</tspan>`).join('')}</text>`;
}

export function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  return out;
}

export function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10000 || a < 0.0001) return v.toExponential(0);
  return Number(v.toPrecision(3)).toString();
}

export function marker(kind: MarkerKind, x: number, y: number, color: string, size = 1): string {
  const c = `fill="${color}" stroke="#fff" stroke-width="0.8"`;
  const X = x.toFixed(1);
  const Y = y.toFixed(1);
  const s = (v: number) => (v * size).toFixed(1);
  switch (kind) {
    case 'circle':
      return `<circle cx="${X}" cy="${Y}" r="${s(3.4)}" ${c}/>`;
    case 'ring':
      return `<circle cx="${X}" cy="${Y}" r="${s(5.5)}" fill="none" stroke="${color}" stroke-width="2"/>`;
    case 'square':
      return `<rect x="${(x - 3.6 * size).toFixed(1)}" y="${(y - 3.6 * size).toFixed(1)}" width="${s(7.2)}" height="${s(7.2)}" ${c}/>`;
    case 'box':
      return `<rect x="${(x - 4.5 * size).toFixed(1)}" y="${(y - 4.5 * size).toFixed(1)}" width="${s(9)}" height="${s(9)}" fill="none" stroke="${color}" stroke-width="1.6"/>`;
    case 'diamond':
      return `<path d="M${X} ${(y - 5 * size).toFixed(1)}l${s(5)} ${s(5)}l-${s(5)} ${s(5)}l-${s(5)}-${s(5)}z" ${c}/>`;
    case 'triangle':
      return `<path d="M${X} ${(y - 5 * size).toFixed(1)}l${s(4.6)} ${s(8)}h-${s(9.2)}z" ${c}/>`;
    case 'tri-down':
      return `<path d="M${X} ${(y + 5 * size).toFixed(1)}l${s(4.6)}-${s(8)}h-${s(9.2)}z" ${c}/>`;
    case 'cross':
      return `<path d="M${(x - 4 * size).toFixed(1)} ${(y - 4 * size).toFixed(1)}l${s(8)} ${s(8)}m0-${s(8)}l-${s(8)} ${s(8)}" stroke="${color}" stroke-width="2.2" fill="none"/>`;
    case 'plus':
      return `<path d="M${(x - 5 * size).toFixed(1)} ${Y}h${s(10)}M${X} ${(y - 5 * size).toFixed(1)}v${s(10)}" stroke="${color}" stroke-width="2.4" fill="none"/>`;
    case 'star': {
      const pts: string[] = [];
      for (let k = 0; k < 10; k++) {
        const r = (k % 2 ? 3 : 7.5) * size;
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

// ---------- label placement ----------

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function segHitsBox(p: XY, q: XY, b: Box): boolean {
  // sample the segment (short in px): enough for label-vs-line collisions
  const n = Math.max(2, Math.ceil(Math.hypot(q[0] - p[0], q[1] - p[1]) / 3));
  for (let i = 0; i <= n; i++) {
    const x = p[0] + ((q[0] - p[0]) * i) / n;
    const y = p[1] + ((q[1] - p[1]) * i) / n;
    if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) return true;
  }
  return false;
}

export interface LabelRequest {
  text: string;
  /** Anchor point in px. */
  x: number;
  y: number;
}

export interface PlacedLabel extends LabelRequest {
  lx: number;
  ly: number;
  /** Baseline-left of the text; a leader line is drawn when the label moved away from its point. */
  leader: boolean;
  box: Box;
}

/**
 * Greedy label placement: each label tries positions around its point at growing distances and takes the
 * first inside `area` that overlaps no placed label, no marker box and no line (px polylines); failing that,
 * the position with the fewest collisions.
 */
export function placeLabels(
  labels: readonly LabelRequest[],
  area: Box,
  markers: readonly Box[],
  lines: readonly (readonly XY[])[],
  fontSize: number,
): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const h = fontSize * 1.15;
  const dirs: [number, number][] = [
    [1, -1],
    [1, 1],
    [-1, -1],
    [-1, 1],
    [0, -1],
    [0, 1],
    [1, 0],
    [-1, 0],
  ];
  // labels of points close together are placed top to bottom so they fan out
  const order = labels.map((_l, i) => i).sort((a, b) => labels[a]!.y - labels[b]!.y || labels[a]!.x - labels[b]!.x);
  const out: PlacedLabel[] = new Array(labels.length);
  for (const i of order) {
    const l = labels[i]!;
    const w = textWidth(l.text, fontSize);
    let bestScore = Infinity;
    let best: PlacedLabel | undefined;
    for (const dist of [6, 12, 20, 32, 48, 70]) {
      for (const [dx, dy] of dirs) {
        const bx = dx > 0 ? l.x + dist : dx < 0 ? l.x - dist - w : l.x - w / 2;
        const by = dy < 0 ? l.y - dist * 0.7 - h : dy > 0 ? l.y + dist * 0.7 : l.y - h / 2;
        const box: Box = { x: bx, y: by, w, h };
        let score = 0;
        if (box.x < area.x || box.y < area.y || box.x + box.w > area.x + area.w || box.y + box.h > area.y + area.h) score += 100;
        for (const p of placed) if (overlaps(p.box, box)) score += 10;
        for (const m of markers) if (overlaps(m, box)) score += 3;
        for (const ln of lines)
          for (let k = 1; k < ln.length; k++)
            if (segHitsBox(ln[k - 1]!, ln[k]!, box)) {
              score += 2;
              break;
            }
        score += dist / 1000;
        if (score < bestScore) {
          bestScore = score;
          best = { ...l, lx: bx, ly: by + fontSize * 0.88, leader: dist > 12, box };
        }
        if (score < 1) break;
      }
      if (bestScore < 1) break;
    }
    placed.push(best!);
    out[i] = best!;
  }
  return out;
}

// ---------- legend ----------

interface LegendItem {
  name: string;
  /** data-series of the series it stands for ('' for a style-only entry). */
  series: string;
  color: string;
  line?: boolean;
  dash?: string;
  marker?: MarkerKind;
  /** A filled block (bars). */
  block?: boolean;
}

/** Legend rows below a chart: as many columns as fit `width`; returns the SVG and its height. */
function renderLegend(items: readonly LegendItem[], x: number, y: number, width: number, fontSize = 11.5): { svg: string; height: number } {
  if (!items.length) return { svg: '', height: 0 };
  const sw = 30;
  const maxLabel = Math.max(...items.map((it) => textWidth(it.name, fontSize)));
  const colW = Math.min(width, sw + 8 + maxLabel + 18);
  const cols = Math.max(1, Math.floor(width / colW));
  const labelW = (cols === 1 ? width : colW) - sw - 8 - 4;
  const lh = fontSize * 1.3;
  const parts: string[] = ['<g class="legend">'];
  let rowY = y;
  for (let r = 0; r * cols < items.length; r++) {
    const row = items.slice(r * cols, (r + 1) * cols);
    const wrapped = row.map((it) => wrapText(it.name, fontSize, labelW));
    const rowH = Math.max(...wrapped.map((w) => w.length)) * lh + 5;
    row.forEach((it, c) => {
      const ex = x + c * colW;
      const cy = rowY + lh / 2;
      const g: string[] = [`<g class="legend-entry" data-series="${escapeXml(it.series)}">`];
      if (it.block) g.push(`<rect x="${ex + 4}" y="${(cy - 6).toFixed(1)}" width="${sw - 8}" height="12" fill="${it.color}"/>`);
      if (it.line)
        g.push(
          `<line x1="${ex}" y1="${cy.toFixed(1)}" x2="${ex + sw}" y2="${cy.toFixed(1)}" stroke="${it.color}" stroke-width="2"${it.dash ? ` stroke-dasharray="${it.dash}"` : ''}/>`,
        );
      if (it.marker) g.push(marker(it.marker, ex + sw / 2, cy, it.color));
      g.push(textLines(wrapped[c]!, ex + sw + 8, cy + fontSize * 0.36, fontSize, 'fill="#222"'));
      g.push('</g>');
      parts.push(g.join(''));
    });
    rowY += rowH;
  }
  parts.push('</g>');
  return { svg: parts.join(''), height: rowY - y };
}

function seriesDash(s: PlotSeries): string {
  return s.dash ?? (s.dashed ? '6 4' : '');
}

// ---------- line / scatter plot ----------

export function renderPlot(spec: PlotSpec): string {
  const W = spec.width ?? 1000;
  const ph = spec.plotHeight ?? 400;
  const m = { l: 66, r: 18 };
  const pw = W - m.l - m.r;
  const titleLines = wrapText(spec.title, 15, W - 24, true);
  const top = 14 + titleLines.length * 19 + 10;
  const all: XY[] = [];
  const ok = (p: XY) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!spec.xLog || p[0] > 0);
  for (const s of spec.series) {
    for (const p of [...(s.points ?? []), ...(s.line ?? [])]) if (ok(p)) all.push(p);
    if (s.extendTo !== undefined && s.line?.length) all.push([s.extendTo, s.line[s.line.length - 1]![1]]);
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  for (const h of spec.hLines ?? []) if (Number.isFinite(h.y)) ys.push(h.y);
  if (spec.yZero) ys.push(0);
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
  if (spec.yRange) [y0, y1] = spec.yRange;
  const dy = y1 - y0 || Math.abs(y1) || 1;
  y0 -= dy * 0.07;
  y1 += dy * 0.07;
  const sx = (x: number) => m.l + (spec.xLog ? (Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0)) : (x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => top + ph - ((y - y0) / (y1 - y0)) * ph;
  const px = (p: XY): XY => [sx(p[0]), sy(p[1])];
  const pts = (line: readonly XY[]) => line.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');

  const body: string[] = [];
  body.push(textLines(titleLines, 12, 14 + 15, 15, 'font-weight="bold" fill="#222" class="title"'));
  // grid and axes
  const xt = spec.xLog ? logTicks(x0, x1) : niceTicks(x0, x1, Math.max(4, Math.floor(pw / 110)));
  const yt = niceTicks(y0, y1);
  body.push('<g class="axes" font-size="11" fill="#444">');
  for (const v of xt) {
    const X = sx(v).toFixed(1);
    body.push(
      `<line x1="${X}" y1="${top}" x2="${X}" y2="${top + ph}" stroke="#eee"/><text x="${X}" y="${top + ph + 15}" text-anchor="middle">${fmtTick(v)}</text>`,
    );
  }
  for (const v of yt) {
    const Y = sy(v).toFixed(1);
    body.push(
      `<line x1="${m.l}" y1="${Y}" x2="${m.l + pw}" y2="${Y}" stroke="${v === 0 && spec.yZero ? '#999' : '#eee'}"/><text x="${m.l - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${fmtTick(v)}</text>`,
    );
  }
  body.push(`<rect x="${m.l}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  body.push(`<text x="${m.l + pw / 2}" y="${top + ph + 34}" text-anchor="middle" font-size="12">${escapeXml(spec.xLabel)}</text>`);
  body.push(`<text transform="translate(16 ${top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(spec.yLabel)}</text>`);
  body.push('</g>');

  const pxLines: XY[][] = [];
  const markerBoxes: Box[] = [];
  for (const h of spec.hLines ?? []) {
    if (!Number.isFinite(h.y)) continue;
    const Y = sy(h.y);
    pxLines.push([
      [m.l, Y],
      [m.l + pw, Y],
    ]);
  }
  // series: background first (baselines), then routers, then single models (hollow: the router's point at the
  // same place stays visible inside) and the oracle on top
  const layer = (s: PlotSeries) =>
    s.kind === 'zero' || s.kind === 'random' ? 0 : s.kind === 'model' ? (s.marker === 'box' ? 3 : 1) : s.kind === 'oracle' ? 4 : 2;
  const ordered = [...spec.series].sort((a, b) => layer(a) - layer(b));
  // with a fixed y range, series are clipped at the plot area: a nested <svg> viewport with the same coordinates
  const seriesSvg: string[] = spec.yRange
    ? [`<svg class="clip" x="${m.l}" y="${top}" width="${pw}" height="${ph}" viewBox="${m.l} ${top} ${pw} ${ph}" overflow="hidden">`]
    : [];
  const labelReqs: { req: LabelRequest; series: PlotSeries }[] = [];
  for (const s of ordered) {
    const g: string[] = [`<g class="series" data-series="${escapeXml(s.name)}" data-kind="${escapeXml(s.kind)}">`];
    // on a log cost axis a hull segment (a random mix of two settings: linear in cost) is a curve, so it is
    // drawn through intermediate points rather than as a straight log-space chord
    const line = (spec.xLog ? densify(s.line ?? []) : (s.line ?? [])).filter(ok);
    const dash = seriesDash(s);
    if (line.length >= 2) {
      g.push(
        `<polyline class="line" fill="none" stroke="${s.color}" stroke-width="${s.kind === 'router' ? 2.2 : 1.8}"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts(line)}"/>`,
      );
      pxLines.push(line.map(px));
    }
    if (s.extendTo !== undefined && line.length >= 1) {
      const last = line[line.length - 1]!;
      if (s.extendTo > last[0] * 1.0001) {
        const ext: XY[] = [last, [s.extendTo, last[1]]];
        g.push(
          `<polyline class="extension" fill="none" stroke="${s.color}" stroke-width="1.6" stroke-dasharray="1.5 3" stroke-linecap="round" points="${pts(ext)}"/>`,
        );
        pxLines.push(ext.map(px));
      }
    }
    for (const p of (s.points ?? []).filter(ok)) {
      const [X, Y] = px(p);
      g.push(marker(s.marker ?? 'circle', X, Y, s.color));
      markerBoxes.push({ x: X - 5, y: Y - 5, w: 10, h: 10 });
    }
    if (s.labelPoint && s.points?.length && ok(s.points[0]!)) {
      const [X, Y] = px(s.points[0]!);
      labelReqs.push({ req: { text: s.name, x: X, y: Y }, series: s });
    }
    g.push('</g>');
    seriesSvg.push(g.join(''));
  }
  if (spec.yRange) seriesSvg.push('</svg>');
  const hl: string[] = [];
  for (const h of spec.hLines ?? []) {
    if (!Number.isFinite(h.y)) continue;
    const Y = sy(h.y);
    hl.push(
      `<g class="hline" data-series="${escapeXml(h.label)}"><line x1="${m.l}" y1="${Y.toFixed(1)}" x2="${m.l + pw}" y2="${Y.toFixed(1)}" stroke="${h.color}" stroke-dasharray="2 4"/></g>`,
    );
    labelReqs.push({ req: { text: h.label, x: m.l + pw - textWidth(h.label, 10.5) / 2 - 10, y: Y }, series: { name: h.label, kind: 'hline', color: h.color } });
  }
  const placed = placeLabels(
    labelReqs.map((r) => r.req),
    { x: m.l + 2, y: top + 2, w: pw - 4, h: ph - 4 },
    markerBoxes,
    pxLines,
    10.5,
  );
  const labels: string[] = ['<g class="point-labels" font-size="10.5">'];
  placed.forEach((p, i) => {
    const s = labelReqs[i]!.series;
    const col = s.kind === 'hline' ? s.color : '#333';
    if (p.leader && s.kind !== 'hline') {
      const tx = Math.min(Math.max(p.x, p.box.x), p.box.x + p.box.w);
      const ty = Math.min(Math.max(p.y, p.box.y), p.box.y + p.box.h);
      labels.push(`<line x1="${p.x.toFixed(1)}" y1="${p.y.toFixed(1)}" x2="${tx.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#aaa" stroke-width="0.8"/>`);
    }
    labels.push(
      `<text class="point-label" x="${p.lx.toFixed(1)}" y="${p.ly.toFixed(1)}" fill="${col}" paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round">${escapeXml(p.text)}</text>`,
    );
  });
  labels.push('</g>');

  // legend below the plot: every series that is not labelled in place, single models as one entry, and the
  // flat extension's style when a series has one
  const items: LegendItem[] = spec.series
    .filter((s) => !s.noLegend && s.kind !== 'model')
    .map((s) => ({
      name: s.name,
      series: s.name,
      color: s.color,
      line: (s.line?.length ?? 0) >= 2,
      dash: seriesDash(s),
      marker: s.points?.length ? (s.marker ?? 'circle') : undefined,
    }));
  const models = spec.series.filter((s) => s.kind === 'model');
  if (models.length) items.push({ name: 'single models (labelled)', series: models[0]!.name, color: models[0]!.color, marker: models[0]!.marker ?? 'square' });
  if (spec.series.some((s) => s.extendTo !== undefined))
    items.push({ name: 'flat extension of a hull to the common maximum cost (AIQ counts it)', series: '', color: '#666', line: true, dash: '1.5 3' });
  const legendY = top + ph + 50;
  const legend = renderLegend(items, m.l, legendY, W - m.l - 12);
  const H = legendY + legend.height + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="${escapeXml(spec.id)}" width="${W}" height="${Math.ceil(H)}" viewBox="0 0 ${W} ${Math.ceil(H)}" role="img" aria-label="${escapeXml(spec.title)}">`,
    `<rect x="0" y="0" width="${W}" height="${Math.ceil(H)}" fill="#ffffff"/>`,
    ...body,
    ...hl,
    ...seriesSvg,
    ...labels,
    legend.svg,
    '</svg>',
  ].join('\n');
}

// ---------- dot plot (one row per category) ----------

export interface DotSeries {
  name: string;
  kind: string;
  color: string;
  marker: MarkerKind;
  /** One value per row (NaN: none). */
  values: readonly number[];
}

export interface DotPlotSpec {
  id: string;
  title: string;
  xLabel: string;
  rows: readonly string[];
  series: readonly DotSeries[];
  width?: number;
}

/** Rows of categories (tasks), one marker per series on a shared x axis; a light bar spans each row's range. */
export function renderDotPlot(spec: DotPlotSpec): string {
  const W = spec.width ?? 1000;
  const labelW = Math.min(260, Math.max(60, ...spec.rows.map((r) => textWidth(r, 11) + 14)));
  const m = { l: labelW + 8, r: 18 };
  const pw = W - m.l - m.r;
  const titleLines = wrapText(spec.title, 15, W - 24, true);
  const top = 14 + titleLines.length * 19 + 10;
  // series are dodged vertically within a row, so equal values stay visible side by side
  const n = spec.series.length;
  const step = 5;
  const rowH = Math.max(20, (n - 1) * step + 14);
  const dodge = (k: number) => (k - (n - 1) / 2) * step;
  const ph = spec.rows.length * rowH + 8;
  const vals = spec.series.flatMap((s) => s.values.filter(Number.isFinite));
  let x0 = vals.length ? Math.min(...vals) : 0;
  let x1 = vals.length ? Math.max(...vals) : 1;
  const d = x1 - x0 || 1;
  x0 -= d * 0.05;
  x1 += d * 0.05;
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const parts: string[] = [];
  parts.push(textLines(titleLines, 12, 29, 15, 'font-weight="bold" fill="#222" class="title"'));
  parts.push('<g class="axes" font-size="11" fill="#444">');
  for (const v of niceTicks(x0, x1, Math.max(4, Math.floor(pw / 110)))) {
    const X = sx(v).toFixed(1);
    parts.push(
      `<line x1="${X}" y1="${top}" x2="${X}" y2="${top + ph}" stroke="#eee"/><text x="${X}" y="${top + ph + 15}" text-anchor="middle">${fmtTick(v)}</text>`,
    );
  }
  spec.rows.forEach((r, i) => {
    const Y = top + 4 + i * rowH + rowH / 2;
    if (i % 2 === 0) parts.push(`<rect x="${m.l}" y="${(Y - rowH / 2).toFixed(1)}" width="${pw}" height="${rowH}" fill="#f7f7f7"/>`);
    const wrapped = wrapText(r, 11, labelW - 6);
    parts.push(
      `<text x="${m.l - 8}" y="${(Y + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#222">${escapeXml(wrapped.length > 1 ? `${wrapped[0]!.slice(0, -1)}…` : r)}${wrapped.length > 1 ? `<title>${escapeXml(r)}</title>` : ''}</text>`,
    );
    const rv = spec.series.map((s) => s.values[i]!).filter(Number.isFinite);
    if (rv.length > 1)
      parts.push(
        `<line x1="${sx(Math.min(...rv)).toFixed(1)}" y1="${Y.toFixed(1)}" x2="${sx(Math.max(...rv)).toFixed(1)}" y2="${Y.toFixed(1)}" stroke="#ccc" stroke-width="2"/>`,
      );
  });
  parts.push(`<rect x="${m.l}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${top + ph + 34}" text-anchor="middle" font-size="12">${escapeXml(spec.xLabel)}</text>`);
  parts.push('</g>');
  spec.series.forEach((s, k) => {
    const g = [`<g class="series" data-series="${escapeXml(s.name)}" data-kind="${escapeXml(s.kind)}">`];
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) g.push(marker(s.marker, sx(v), top + 4 + i * rowH + rowH / 2 + dodge(k), s.color, s.marker === 'circle' ? 1.4 : 1.1));
    });
    g.push('</g>');
    parts.push(g.join(''));
  });
  const legendY = top + ph + 50;
  const legend = renderLegend(
    spec.series.map((s) => ({ name: s.name, series: s.name, color: s.color, marker: s.marker })),
    m.l,
    legendY,
    W - m.l - 12,
  );
  const H = Math.ceil(legendY + legend.height + 8);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="${escapeXml(spec.id)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(spec.title)}"><rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>${parts.join('\n')}${legend.svg}</svg>`;
}

// ---------- stacked share bars ----------

export interface ShareBar {
  /** Row label, e.g. "knn · max quality". */
  label: string;
  /** Short note right of the bar, e.g. "$0.058/1k · q 0.572". */
  note?: string;
  /** Share per category (sums to ≤ 1). */
  shares: Record<string, number>;
  /** Rows with the same group are drawn together; a gap separates groups. */
  group: string;
}

export interface ShareBarsSpec {
  id: string;
  title: string;
  /** Categories in drawing order (models, cheapest first) with their colours. */
  categories: readonly { name: string; color: string }[];
  bars: readonly ShareBar[];
  width?: number;
}

/** Horizontal 100% stacked bars: one row per (router, operating point), one segment per model. */
export function renderShareBars(spec: ShareBarsSpec): string {
  const W = spec.width ?? 1000;
  const labelW = Math.min(320, Math.max(80, ...spec.bars.map((b) => textWidth(b.label, 11) + 12)));
  const noteW = Math.max(0, ...spec.bars.map((b) => (b.note ? textWidth(b.note, 10.5) + 12 : 0)));
  const m = { l: labelW + 8, r: noteW + 12 };
  const pw = W - m.l - m.r;
  const titleLines = wrapText(spec.title, 15, W - 24, true);
  const top = 14 + titleLines.length * 19 + 10;
  const barH = 16;
  const gap = 4;
  const groupGap = 10;
  const parts: string[] = [textLines(titleLines, 12, 29, 15, 'font-weight="bold" fill="#222" class="title"')];
  let y = top;
  let prev = '';
  const series = new Map<string, string[]>(spec.categories.map((c) => [c.name, []]));
  for (const b of spec.bars) {
    if (prev && b.group !== prev) y += groupGap;
    prev = b.group;
    parts.push(`<text x="${m.l - 8}" y="${(y + barH - 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#222">${escapeXml(b.label)}</text>`);
    parts.push(`<rect x="${m.l}" y="${y}" width="${pw}" height="${barH}" fill="#f3f3f3"/>`);
    let x = m.l;
    for (const c of spec.categories) {
      const s = b.shares[c.name] ?? 0;
      if (!(s > 0)) continue;
      const w = s * pw;
      const seg = [
        `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(w, 0.8).toFixed(1)}" height="${barH}" fill="${c.color}"><title>${escapeXml(`${c.name}: ${(s * 100).toFixed(1)}%`)}</title></rect>`,
      ];
      const t = `${Math.round(s * 100)}%`;
      if (w >= textWidth(t, 10) + 6)
        seg.push(`<text x="${(x + w / 2).toFixed(1)}" y="${(y + barH - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#fff">${t}</text>`);
      series.get(c.name)!.push(seg.join(''));
      x += w;
    }
    if (b.note) parts.push(`<text x="${m.l + pw + 8}" y="${(y + barH - 4).toFixed(1)}" font-size="10.5" fill="#444">${escapeXml(b.note)}</text>`);
    y += barH + gap;
  }
  for (const c of spec.categories) {
    const segs = series.get(c.name)!;
    if (segs.length) parts.push(`<g class="series" data-series="${escapeXml(c.name)}" data-kind="model">${segs.join('')}</g>`);
  }
  const axisY = y + 2;
  parts.push('<g class="axes" font-size="10.5" fill="#444">');
  for (const v of [0, 0.25, 0.5, 0.75, 1]) parts.push(`<text x="${(m.l + v * pw).toFixed(1)}" y="${axisY + 11}" text-anchor="middle">${v * 100}%</text>`);
  parts.push('</g>');
  const used = spec.categories.filter((c) => series.get(c.name)!.length);
  const legend = renderLegend(
    used.map((c) => ({ name: c.name, series: c.name, color: c.color, block: true })),
    12,
    axisY + 24,
    W - 24,
  );
  const H = Math.ceil(axisY + 24 + legend.height + 8);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="${escapeXml(spec.id)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(spec.title)}"><rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>${parts.join('\n')}${legend.svg}</svg>`;
}
