import type { RouterPipeline } from '../routers/RouterPipeline.js';
import type { PairObservation } from '../routers/Router.js';
import { routerSpec } from '../routers/registry.js';
import type { FeedbackRecord, Store } from './Store.js';

/** One piece of committed feedback with its prompt text (null when prompts are not stored: nothing to learn from). */
export interface LabelledFeedback {
  feedback: FeedbackRecord;
  prompt: string | null;
}

export interface OnlineLearnerOptions {
  /** The router serving now (read at each flush, so a hot swap is followed). */
  getRouter: () => RouterPipeline | null;
  log?: (o: Record<string, unknown>) => void;
  /** Feedback is applied in batches at most this often (ms). */
  batchMs?: number;
  /** Replay at most this many of the newest feedback rows at start / after a swap. */
  maxReplay?: number;
}

/**
 * Online learning without retraining: committed feedback goes into the serving router through its `learn()`
 * (kNN: score rows join the neighbour memory; Elo: preferences update the ratings). The store is the durable
 * log: at start and after every hot swap, the feedback newer than the serving artifact is replayed, so the
 * learned state survives restarts and is the same on every replica reading one database.
 */
export class OnlineLearner {
  private queue: LabelledFeedback[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  learned = 0;

  constructor(private readonly o: OnlineLearnerOptions) {}

  enqueue(items: readonly LabelledFeedback[]): void {
    this.queue.push(...items);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.o.batchMs ?? 200);
      this.timer.unref();
    }
  }

  /** Apply everything queued to the serving router (serialised with replays). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const items = this.queue.splice(0);
    this.running = this.running.then(async () => {
      const p = this.o.getRouter();
      if (p && items.length) this.learned += await this.apply(p, items);
    });
    return this.running.catch((e: unknown) => this.o.log?.({ level: 'error', msg: 'online learning failed', error: (e as Error).message }));
  }

  /** Re-apply the store's feedback newer than the router's artifact (start, hot swap). */
  replay(store: Store, p: RouterPipeline): Promise<number> {
    const run = this.running.then(async () => {
      if (!routerSpec(p.router.kind).capabilities.learnsOnline || !p.router.learn) return 0;
      const since = p.meta.createdAt ? new Date(p.meta.createdAt) : undefined;
      const items: LabelledFeedback[] = [];
      for (const { route, feedback } of await store.labelledRoutes({ since }))
        for (const f of feedback) items.push({ feedback: f, prompt: route.prompt ?? f.prompt });
      for (const f of await store.preferences({ since })) items.push({ feedback: f, prompt: f.prompt });
      items.sort((a, b) => Date.parse(a.feedback.time) - Date.parse(b.feedback.time));
      const n = await this.apply(p, items.slice(-(this.o.maxReplay ?? 10_000)));
      this.o.log?.({
        level: 'info',
        msg: 'online learning: feedback replayed from the store',
        router: `${p.meta.name}/${p.meta.version}`,
        rows: n,
        since: since?.toISOString() ?? null,
      });
      return n;
    });
    this.running = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /** Learn from feedback items; returns the rows learned. */
  async apply(p: RouterPipeline, items: readonly LabelledFeedback[]): Promise<number> {
    const mode = routerSpec(p.router.kind).capabilities.learnsOnline;
    if (!mode || !p.router.learn) return 0;
    const idx = new Map(p.models.map((m, j) => [m, j]));
    const nm = p.models.length;
    if (mode === 'scores') {
      const rows = items.filter((i) => i.prompt !== null && i.feedback.kind !== 'preference' && i.feedback.score !== null && idx.has(i.feedback.model ?? ''));
      if (!rows.length) return 0;
      const features = await p.featurizer.transform(rows.map((r) => r.prompt!));
      const scores = rows.map((r) => {
        const s = new Float64Array(nm).fill(Number.NaN);
        s[idx.get(r.feedback.model!)!] = r.feedback.score!;
        return s;
      });
      await p.router.learn({ ids: rows.map((r) => `feedback:${r.feedback.feedbackId}`), features, scores });
      return rows.length;
    }
    const rows = items.filter(
      (i) =>
        i.prompt !== null &&
        i.feedback.kind === 'preference' &&
        idx.has(i.feedback.winner ?? '') &&
        idx.has(i.feedback.loser ?? '') &&
        i.feedback.winner !== i.feedback.loser,
    );
    if (!rows.length) return 0;
    const features = await p.featurizer.transform(rows.map((r) => r.prompt!));
    const pairs: PairObservation[] = rows.map((r, row) => ({
      row,
      a: idx.get(r.feedback.winner!)!,
      b: idx.get(r.feedback.loser!)!,
      y: r.feedback.tie ? 0.5 : 1,
    }));
    await p.router.learn({ ids: rows.map((r) => `feedback:${r.feedback.feedbackId}`), features, pairs });
    return rows.length;
  }
}
