/** Bounded concurrency with a bounded wait: acquire() resolves a release function, or null after `waitMs`. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.active;
  }

  async acquire(waitMs: number, signal?: AbortSignal): Promise<(() => void) | null> {
    if (this.active < this.max) return this.grant();
    if (waitMs <= 0 || signal?.aborted) return null;
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
        resolve(this.grant());
      };
      const giveUp = () => {
        clearTimeout(timer);
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(null);
      };
      const timer = setTimeout(giveUp, waitMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      this.waiting.push(wake);
    });
  }

  private grant(): () => void {
    this.active += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active -= 1;
      const next = this.waiting.shift();
      if (next) next();
    };
  }
}
