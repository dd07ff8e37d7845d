import type { RouteRecord, RouteRecordSink } from '../src/store/RouteRecord.js';
import type { Metrics } from './metrics.js';

/**
 * Hands route records to a sink without ever failing or slowing the request: fire-and-forget, at most
 * `maxInFlight` writes pending (beyond that records are dropped and counted), failures counted in metrics
 * (`llmr_route_records_total{outcome}`) and logged without the record's content.
 */
export class RouteRecorder {
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly sink: RouteRecordSink | null,
    private readonly metrics: Metrics,
    private readonly log: (o: Record<string, unknown>) => void,
    private readonly maxInFlight = 256,
  ) {}

  get enabled(): boolean {
    return this.sink !== null;
  }
  get pendingWrites(): number {
    return this.inFlight;
  }

  record(rec: RouteRecord): void {
    if (!this.sink) return;
    const count = (outcome: 'written' | 'failed' | 'dropped') =>
      this.metrics.inc('llmr_route_records_total', 'route records handed to the sink, by outcome', { outcome });
    if (this.inFlight >= this.maxInFlight) {
      count('dropped');
      return;
    }
    this.inFlight++;
    let p: Promise<void>;
    try {
      p = Promise.resolve(this.sink.write(rec));
    } catch (e) {
      p = Promise.reject(e);
    }
    const done = p
      .then(
        () => count('written'),
        (e: unknown) => {
          count('failed');
          this.log({ level: 'warn', msg: 'route record write failed', routeId: rec.routeId, error: e instanceof Error ? e.message : String(e) });
        },
      )
      .finally(() => {
        this.inFlight--;
        this.pending.delete(done);
      });
    this.pending.add(done);
  }

  /** Wait for pending writes (graceful shutdown), at most `ms`. */
  async flush(ms = 2000): Promise<void> {
    if (!this.pending.size) return;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, ms).unref())]);
  }
}
