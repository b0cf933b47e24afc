/** The delay before retry number `n` (from 1): `initialMs`, doubling up to `maxMs`. */
export function backoffDelay(n: number, limits: { initialMs: number; maxMs: number }): number {
  return Math.min(limits.initialMs * 2 ** Math.max(0, n - 1), limits.maxMs);
}

/** Delays between retries: each one twice the last, from `initialMs` up to `maxMs`, until reset. */
export class Backoff {
  /** Retries taken since the last reset. */
  private taken = 0;

  constructor(private readonly limits: { initialMs: number; maxMs: number }) {}

  /** The delay the next retry waits (without using it up). */
  get upcomingMs(): number {
    return backoffDelay(this.taken + 1, this.limits);
  }

  /** Takes the delay for this retry; the following one will be twice as long. */
  next(): number {
    this.taken += 1;
    return backoffDelay(this.taken, this.limits);
  }

  /** After a success: the next failure starts again from `initialMs`. */
  reset(): void {
    this.taken = 0;
  }
}
