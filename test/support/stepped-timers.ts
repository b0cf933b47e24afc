import type { Timers } from "../../src/shared/timers.js";

interface Pending {
  at: number;
  order: number;
  fn: () => void;
}

/**
 * The Timers port with a clock that moves only when the test says so. `advance(ms)` runs every
 * timer that falls due, earliest first (timers set meanwhile included), and lets the promises each
 * one starts settle before the next; so "nothing else happens for ten minutes" is one line and
 * takes no wall-clock time. Starts at the real time, so timestamps stay readable.
 */
export class SteppedTimers implements Timers {
  private current = Date.now();
  private order = 0;
  private readonly pending = new Set<Pending>();

  now = (): number => this.current;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const timer: Pending = { at: this.current + Math.max(0, ms), order: this.order++, fn };
    this.pending.add(timer);
    return timer;
  };

  clearTimeout = (handle: unknown): void => {
    this.pending.delete(handle as Pending);
  };

  /** Moves the clock `ms` forward, running what falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.at > target) break;
      this.pending.delete(next);
      this.current = next.at;
      next.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /**
   * Steps the clock by `stepMs` until `check` holds: for work that needs time to pass (retries,
   * restarts) and also real I/O between steps. Fails after `realMs` of wall-clock time.
   */
  async until(check: () => boolean, what: string, options: { stepMs?: number; realMs?: number } = {}): Promise<void> {
    const stepMs = options.stepMs ?? 1000;
    const giveUp = Date.now() + (options.realMs ?? 5000);
    while (!check()) {
      if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
      await this.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 2)); // room for real I/O (files, sockets)
    }
  }

  private earliest(): Pending | undefined {
    let first: Pending | undefined;
    for (const timer of this.pending) {
      if (first === undefined || timer.at < first.at || (timer.at === first.at && timer.order < first.order)) first = timer;
    }
    return first;
  }
}

/** One turn of the event loop: every promise job already queued runs first. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
