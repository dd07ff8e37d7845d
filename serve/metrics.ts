/** In-process request metrics in Prometheus text format (counters + latency histogram per route). */
const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

export class Metrics {
  private counts = new Map<string, number>();
  private hist = new Map<string, { buckets: number[]; sum: number; count: number }>();

  observe(route: string, status: number, ms: number): void {
    const key = `${route}|${status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let h = this.hist.get(route);
    if (!h) this.hist.set(route, (h = { buckets: BUCKETS_MS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS_MS.forEach((b, i) => {
      if (ms <= b) h!.buckets[i]! += 1;
    });
    h.sum += ms;
    h.count += 1;
  }

  render(): string {
    const lines = ['# HELP llmr_requests_total HTTP requests by route and status', '# TYPE llmr_requests_total counter'];
    for (const [key, n] of this.counts) {
      const [route, status] = key.split('|');
      lines.push(`llmr_requests_total{route="${route}",status="${status}"} ${n}`);
    }
    lines.push('# HELP llmr_request_duration_ms request latency', '# TYPE llmr_request_duration_ms histogram');
    for (const [route, h] of this.hist) {
      BUCKETS_MS.forEach((b, i) => lines.push(`llmr_request_duration_ms_bucket{route="${route}",le="${b}"} ${h.buckets[i]}`));
      lines.push(`llmr_request_duration_ms_bucket{route="${route}",le="+Inf"} ${h.count}`);
      lines.push(`llmr_request_duration_ms_sum{route="${route}"} ${h.sum.toFixed(3)}`, `llmr_request_duration_ms_count{route="${route}"} ${h.count}`);
    }
    return lines.join('\n') + '\n';
  }
}
