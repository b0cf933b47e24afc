/**
 * Counts events per key in fixed windows (e.g. identification lookups per token and per client
 * address, per minute) and says, at the limit, when the window ends. In memory: each process
 * counts its own requests (with several API nodes the limit is per node). Keys whose window has
 * ended are dropped as new ones arrive, so memory stays bounded by the keys of one window.
 */
export class RateWindow {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    /** Events allowed per key and window. */
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** The key's count in its current window, without counting anything. */
  count(key: string, now: number): number {
    const w = this.windows.get(key);
    return w && now - w.start < this.windowMs ? w.count : 0;
  }

  /** When the key's current window ends, if it is at the limit; null while it is under it. */
  limitedUntil(key: string, now: number): Date | null {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs || w.count < this.limit) return null;
    return new Date(w.start + this.windowMs);
  }

  /** Counts one event for the key. */
  add(key: string, now: number): void {
    const w = this.windows.get(key);
    if (w && now - w.start < this.windowMs) {
      w.count++;
      return;
    }
    if (this.windows.size >= 10_000) this.sweep(now);
    this.windows.set(key, { start: now, count: 1 });
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
  }
}
