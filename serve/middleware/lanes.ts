import { HttpError } from '../httpError.js';

export interface LaneOptions {
  /** Requests running at once. */
  concurrency: number;
  /** Requests waiting at most; beyond → 503 at once. */
  maxQueue: number;
  /** Longest wait in the queue → 503 with Retry-After. */
  queueTimeoutMs: number;
}

interface Waiter {
  resolve(release: () => void): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
  cleanup(): void;
}

/** A bounded concurrency lane with a bounded FIFO queue, a queue timeout and cancellation of queued work. */
export class Lane {
  private active = 0;
  private readonly queue: Waiter[] = [];
  rejected = 0;

  constructor(
    readonly name: string,
    readonly o: LaneOptions,
  ) {}

  get running(): number {
    return this.active;
  }
  get queued(): number {
    return this.queue.length;
  }

  private retryAfterS(): string {
    return String(Math.max(1, Math.ceil(this.o.queueTimeoutMs / 1000)));
  }

  /** Resolves with a release function once a slot is free; rejects with a 503 HttpError, or an AbortError when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.active < this.o.concurrency) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.o.maxQueue) {
      this.rejected++;
      return Promise.reject(
        new HttpError(503, 'overloaded', `the ${this.name} lane is full (${this.o.concurrency} running, ${this.o.maxQueue} queued)`, {
          fix: 'retry after the Retry-After seconds, or send fewer concurrent requests',
          headers: { 'retry-after': this.retryAfterS() },
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        w.cleanup();
        reject(abortError());
      };
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          w.cleanup();
          this.rejected++;
          reject(
            new HttpError(503, 'queue_timeout', `waited ${this.o.queueTimeoutMs} ms in the ${this.name} queue without a free slot`, {
              fix: 'retry after the Retry-After seconds, or send fewer concurrent requests',
              headers: { 'retry-after': this.retryAfterS() },
            }),
          );
        }, this.o.queueTimeoutMs),
        cleanup: () => {
          clearTimeout(w.timer);
          signal?.removeEventListener('abort', onAbort);
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(w);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.cleanup();
        next.resolve(this.releaser());
      } else this.active--;
    };
  }
}

function abortError(): Error {
  const e = new Error('client disconnected');
  e.name = 'AbortError';
  return e;
}
