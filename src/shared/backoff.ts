/** Delays between retries: each one twice the last, from `initialMs` up to `maxMs`, until reset. */
export class Backoff {
  private nextMs: number;

  constructor(private readonly limits: { initialMs: number; maxMs: number }) {
    this.nextMs = limits.initialMs;
  }

  /** The delay the next retry waits (without using it up). */
  get upcomingMs(): number {
    return this.nextMs;
  }

  /** Takes the delay for this retry; the following one will be twice as long. */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.limits.maxMs);
    return delay;
  }

  /** After a success: the next failure starts again from `initialMs`. */
  reset(): void {
    this.nextMs = this.limits.initialMs;
  }
}
