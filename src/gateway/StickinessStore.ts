import type { Clock } from './CircuitBreaker.js';

/**
 * Conversation → model, with a time-to-live refreshed on every use and a bound on entries (least recently used
 * dropped first), so a conversation keeps its model without the store growing without limit.
 */
export class StickinessStore {
  private readonly map = new Map<string, { model: string; expires: number }>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries = 100_000,
    private readonly now: Clock = Date.now,
  ) {}

  get(key: string): string | null {
    const e = this.map.get(key);
    if (!e) return null;
    if (e.expires <= this.now()) {
      this.map.delete(key);
      return null;
    }
    return e.model;
  }

  set(key: string, model: string): void {
    this.map.delete(key);
    this.map.set(key, { model, expires: this.now() + this.ttlMs });
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!);
  }

  get size(): number {
    return this.map.size;
  }
}
