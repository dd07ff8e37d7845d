/**
 * A timer that survives a busy event loop: Node runs expired timers before it delivers pending I/O, so a plain
 * setTimeout deadline can fire although the answer (connect, headers, a chunk) already arrived. This one
 * re-checks one turn later (setImmediate runs after I/O polling) and fires only if it was not cleared or re-armed.
 */
export class Deadline {
  private timer: NodeJS.Timeout | null = null;
  private generation = 0;

  arm(ms: number, onExpire: () => void): void {
    this.clear();
    const g = this.generation;
    this.timer = setTimeout(() => {
      setImmediate(() => {
        if (g === this.generation) onExpire();
      });
    }, ms);
  }

  clear(): void {
    this.generation += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
