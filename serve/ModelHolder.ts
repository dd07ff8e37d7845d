import type { RouterPipeline } from '../src/routers/RouterPipeline.js';
import type { RankService } from './rankService.js';

/** One consistent set of loaded models; handlers take one per request so a swap never mixes two versions. */
export interface ModelSet {
  readonly router: RouterPipeline | null;
  readonly ranker: RankService | null;
  /** Increases by one on every swap (and rollback); 1 for the set the server started with. */
  readonly generation: number;
  /** Human-readable "name/version" of the router (else the ranker), or null when nothing is loaded. */
  readonly version: string | null;
  /** Where the router / ranker was loaded from (for reload and rollback), when known. */
  readonly routerDir?: string | null;
  readonly rankerDir?: string | null;
  readonly loadedAt: string;
}

export interface ModelSetInput {
  router?: RouterPipeline | null;
  ranker?: RankService | null;
  routerDir?: string | null;
  rankerDir?: string | null;
}

export const describeRouter = (r: RouterPipeline | null | undefined): string | null => (r ? `${r.meta.name}/${r.meta.version}` : null);
export const describeRanker = (r: RankService | null | undefined): string | null => (r ? `${r.name}/${r.version}` : null);

/**
 * Owns the models the service answers with. Every handler reads `holder.current` (or the `router` / `ranker`
 * getters) per request; `swap()` replaces the whole set in one assignment, so a reload is atomic: requests
 * that already took the old set finish on it, new requests get the new one. `rollback()` returns to the set
 * before the last swap.
 */
export class ModelHolder {
  private cur: ModelSet;
  private prev: ModelSet | null = null;
  private readonly listeners: ((next: ModelSet, previous: ModelSet) => void)[] = [];

  constructor(initial: ModelSetInput = {}) {
    this.cur = ModelHolder.make(initial, 1);
  }

  private static make(i: ModelSetInput, generation: number): ModelSet {
    const router = i.router ?? null;
    const ranker = i.ranker ?? null;
    return Object.freeze({
      router,
      ranker,
      generation,
      version: describeRouter(router) ?? describeRanker(ranker),
      routerDir: i.routerDir ?? null,
      rankerDir: i.rankerDir ?? null,
      loadedAt: new Date().toISOString(),
    });
  }

  get current(): ModelSet {
    return this.cur;
  }
  get router(): RouterPipeline | null {
    return this.cur.router;
  }
  get ranker(): RankService | null {
    return this.cur.ranker;
  }
  get version(): string | null {
    return this.cur.version;
  }
  get generation(): number {
    return this.cur.generation;
  }
  get previous(): ModelSet | null {
    return this.prev;
  }

  /** Replace the set atomically. Fields left undefined keep their current value. Returns the new set. */
  swap(next: ModelSetInput): ModelSet {
    const merged: ModelSetInput = {
      router: next.router === undefined ? this.cur.router : next.router,
      ranker: next.ranker === undefined ? this.cur.ranker : next.ranker,
      routerDir: next.router === undefined ? this.cur.routerDir : (next.routerDir ?? null),
      rankerDir: next.ranker === undefined ? this.cur.rankerDir : (next.rankerDir ?? null),
    };
    const old = this.cur;
    this.cur = ModelHolder.make(merged, old.generation + 1);
    this.prev = old;
    for (const l of this.listeners) l(this.cur, old);
    return this.cur;
  }

  /** Return to the set before the last swap; null when there is none. The rolled-back set becomes `previous`. */
  rollback(): ModelSet | null {
    if (!this.prev) return null;
    const back = this.prev;
    return this.swap({ router: back.router, ranker: back.ranker, routerDir: back.routerDir, rankerDir: back.rankerDir });
  }

  /** Called after every swap (metrics, logs). */
  onSwap(l: (next: ModelSet, previous: ModelSet) => void): void {
    this.listeners.push(l);
  }
}
