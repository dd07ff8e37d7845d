import type { RouteRecord, RouteRecordSink } from '../../src/store/RouteRecord.js';
import type { Store } from '../../src/store/Store.js';

/**
 * The server's handle on the feedback store. Opening is retried in the background (a database that is down
 * at start does not stop the server from routing); until it is open, route records wait in a bounded buffer
 * and `get()` is null (POST /feedback answers 503). Once open, the store's own buffer takes over.
 */
export class StoreConnection implements RouteRecordSink {
  private store: Store | null = null;
  private readonly early: RouteRecord[] = [];
  /** Route records dropped because the buffer was full while the store was down. */
  dropped = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  lastError: string | null = null;

  constructor(
    private readonly open: () => Promise<Store>,
    private readonly opts: { log?: (o: Record<string, unknown>) => void; retryMs?: number; maxBuffered?: number; onOpen?: (s: Store) => void } = {},
  ) {}

  /** Try to open now; on failure keep retrying every retryMs. Resolves after the first attempt. */
  async start(): Promise<Store | null> {
    try {
      const s = await this.open();
      if (this.stopped) {
        await s.close();
        return null;
      }
      this.store = s;
      this.lastError = null;
      for (const r of this.early.splice(0)) void s.write(r);
      this.opts.onOpen?.(s);
      this.opts.log?.({
        level: 'info',
        msg: 'feedback store open',
        kind: s.kind,
        location: s.location,
        schemaVersion: s.schemaVersion,
        storePrompts: s.storePrompts,
      });
      return s;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.opts.log?.({ level: 'warn', msg: 'feedback store unavailable; routing continues, retrying', error: this.lastError });
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.start(), this.opts.retryMs ?? 5000);
        this.timer.unref();
      }
      return null;
    }
  }

  get(): Store | null {
    return this.store;
  }

  async write(record: RouteRecord): Promise<void> {
    if (this.store) return this.store.write(record);
    this.early.push(record);
    if (this.early.length > (this.opts.maxBuffered ?? 10_000)) {
      this.early.shift();
      this.dropped++;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.store?.close();
    this.store = null;
  }
}
