/** Clock in milliseconds; injectable so tests can move time. */
export type Clock = () => number;

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Per-upstream circuit breaker: `failureThreshold` consecutive failures open it; while open, requests are
 * refused for `cooldownMs`; then one probe is let through (half-open) — success closes it, failure re-opens it.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private state_: BreakerState = 'closed';
  private probing = false;

  constructor(
    readonly failureThreshold: number,
    readonly cooldownMs: number,
    private readonly now: Clock = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.state_ === 'open' && this.now() - this.openedAt >= this.cooldownMs) return 'half-open';
    return this.state_;
  }

  /** May a request go out now? In half-open state only one probe at a time. */
  allow(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open') return false;
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.state_ = 'closed';
  }

  failure(): void {
    this.probing = false;
    this.failures += 1;
    if (this.state_ !== 'closed' || this.failures >= this.failureThreshold) {
      this.state_ = 'open';
      this.openedAt = this.now();
    }
  }

  /** A request that was let through ended without telling us anything about the upstream (client went away). */
  release(): void {
    this.probing = false;
  }
}
