/**
 * In-process metrics in Prometheus text format. Label values come only from route templates and fixed enums
 * (the callers guarantee it); they are escaped anyway so that no client byte can forge a line.
 */
const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

type Labels = Record<string, string>;
type Kind = 'counter' | 'gauge';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (l: Labels) => {
  const ks = Object.keys(l);
  return ks.length ? `{${ks.map((k) => `${k}="${esc(l[k]!)}"`).join(',')}}` : '';
};

/** Most distinct label sets one metric keeps; beyond it new sets fold into one "other" series (defence in depth). */
export const MAX_SERIES = 500;

export class Metrics {
  private readonly families = new Map<string, { kind: Kind; help: string; series: Map<string, { labels: Labels; value: number }> }>();
  private readonly gauges = new Map<string, { help: string; read: () => number | [Labels, number][] }>();
  private readonly hist = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();

  private family(name: string, kind: Kind, help: string) {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { kind, help, series: new Map() }));
    return f;
  }

  private series(name: string, kind: Kind, help: string, labels: Labels) {
    const f = this.family(name, kind, help);
    let key = labelText(labels);
    let s = f.series.get(key);
    if (!s) {
      if (f.series.size >= MAX_SERIES) {
        const other = Object.fromEntries(Object.keys(labels).map((k) => [k, 'other']));
        key = labelText(other);
        s = f.series.get(key);
        if (!s) f.series.set(key, (s = { labels: other, value: 0 }));
      } else f.series.set(key, (s = { labels, value: 0 }));
    }
    return s;
  }

  /** Add to a counter. */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.series(name, 'counter', help, labels).value += by;
  }

  /** Set a gauge. */
  set(name: string, help: string, labels: Labels, value: number): void {
    this.series(name, 'gauge', help, labels).value = value;
  }

  /** A gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number | [Labels, number][]): void {
    this.gauges.set(name, { help, read });
  }

  /** One finished HTTP request: `route` is a route template or a fixed name, never the raw path. */
  observe(method: string, route: string, status: number, ms: number): void {
    this.inc('llmr_requests_total', 'HTTP requests by method, route template and status', { method, route, status: String(status) });
    const key = `${method} ${route}`;
    let h = this.hist.get(key);
    if (!h) {
      if (this.hist.size >= MAX_SERIES) return;
      this.hist.set(key, (h = { labels: { method, route }, buckets: BUCKETS_MS.map(() => 0), sum: 0, count: 0 }));
    }
    for (let i = 0; i < BUCKETS_MS.length; i++) if (ms <= BUCKETS_MS[i]!) h.buckets[i]! += 1;
    h.sum += ms;
    h.count += 1;
  }

  /** Current value of a counter/gauge series (tests, /admin). */
  value(name: string, labels: Labels = {}): number {
    return this.families.get(name)?.series.get(labelText(labels))?.value ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) {
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.kind}`);
      for (const s of f.series.values()) lines.push(`${name}${labelText(s.labels)} ${s.value}`);
    }
    for (const [name, g] of this.gauges) {
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`);
      const v = g.read();
      if (typeof v === 'number') lines.push(`${name} ${v}`);
      else for (const [l, x] of v) lines.push(`${name}${labelText(l)} ${x}`);
    }
    lines.push('# HELP llmr_request_duration_ms request latency by method and route template', '# TYPE llmr_request_duration_ms histogram');
    for (const h of this.hist.values()) {
      const l = labelText(h.labels).slice(1, -1);
      BUCKETS_MS.forEach((b, i) => lines.push(`llmr_request_duration_ms_bucket{${l},le="${b}"} ${h.buckets[i]}`));
      lines.push(`llmr_request_duration_ms_bucket{${l},le="+Inf"} ${h.count}`);
      lines.push(`llmr_request_duration_ms_sum{${l}} ${h.sum.toFixed(3)}`, `llmr_request_duration_ms_count{${l}} ${h.count}`);
    }
    return lines.join('\n') + '\n';
  }
}
