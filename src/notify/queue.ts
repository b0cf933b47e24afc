import type { Logger } from "pino";
import { Backoff } from "../shared/backoff.js";
import { describeError } from "../shared/errors.js";
import { realTimers, type Timers } from "../shared/timers.js";

/** What one delivery attempt came to. */
export type Attempt =
  | { kind: "sent" }
  /** Not delivered, try again (after `afterMs` when the far end said how long, e.g. Telegram's retry_after). */
  | { kind: "retry"; reason: string; afterMs?: number }
  /** Refused for good (bad token, unknown chat): retrying cannot help. */
  | { kind: "drop"; reason: string }
  /** Maybe delivered (timeout after the request left): not sent again, so never twice. */
  | { kind: "unknown"; reason: string };

export interface NoticeQueueOptions {
  name: string;
  logger: Logger;
  timers?: Timers;
  /** Backoff between attempts of one notice: doubles from initial to max. */
  retry?: { initialMs: number; maxMs: number };
  /** Attempts before a notice is given up. */
  maxAttempts?: number;
  /** Notices waiting at most; more are dropped (and logged). */
  maxSize?: number;
  /** Least time between two sends (Telegram: about one message per second per chat). */
  minIntervalMs?: number;
  /** Keys remembered, so a repeated event is not sent again. */
  rememberKeys?: number;
}

interface Entry<T> {
  key: string;
  payload: T;
  attempts: number;
  backoff: Backoff;
}

/**
 * A small in-memory queue for notices: enqueue returns at once (a call never waits for a notice),
 * one send at a time, in order, with backoff. Each key is taken once: a second event with a key
 * already queued or sent is ignored. The queue lives in the process; the GLPI backend only raises
 * an event when its database says the ticket was just created, which is what makes it once across
 * restarts and nodes.
 */
export class NoticeQueue<T> {
  private readonly entries: Entry<T>[] = [];
  private readonly seen = new Set<string>();
  private readonly timers: Timers;
  private readonly retry: { initialMs: number; maxMs: number };
  private readonly maxAttempts: number;
  private readonly maxSize: number;
  private readonly minIntervalMs: number;
  private readonly rememberKeys: number;
  private timer: unknown = null;
  private working: Promise<void> | null = null;
  private lastSentAt = -Infinity;
  private closed = false;
  readonly stats = { sent: 0, dropped: 0, unknown: 0, retries: 0 };

  constructor(
    private readonly options: NoticeQueueOptions,
    private readonly send: (payload: T) => Promise<Attempt>,
  ) {
    this.timers = options.timers ?? realTimers;
    this.retry = options.retry ?? { initialMs: 1000, maxMs: 60_000 };
    this.maxAttempts = options.maxAttempts ?? 10;
    this.maxSize = options.maxSize ?? 1000;
    this.minIntervalMs = options.minIntervalMs ?? 0;
    this.rememberKeys = options.rememberKeys ?? 10_000;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Queues a notice; false when the key was seen already, the queue is full or closed. */
  enqueue(key: string, payload: T): boolean {
    if (this.closed || this.seen.has(key)) return false;
    if (this.entries.length >= this.maxSize) {
      this.stats.dropped += 1;
      this.options.logger.error({ notifier: this.options.name, key }, "notice queue full; notice dropped");
      return false;
    }
    this.remember(key);
    this.entries.push({ key, payload, attempts: 0, backoff: new Backoff(this.retry) });
    this.schedule(0);
    return true;
  }

  /** Stops; waits up to graceMs for the send in flight. What is still queued is dropped (and logged). */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (this.working) {
      let handle: unknown;
      await Promise.race([this.working, new Promise<void>((resolve) => (handle = this.timers.setTimeout(resolve, graceMs)))]);
      this.timers.clearTimeout(handle);
    }
    if (this.entries.length > 0) {
      this.options.logger.warn({ notifier: this.options.name, left: this.entries.length }, "notices not sent before shutdown");
    }
  }

  /** Resolves when the queue is empty and nothing is in flight (tests). */
  async idle(): Promise<void> {
    while (this.entries.length > 0 || this.working) {
      await (this.working ?? new Promise((r) => setTimeout(r, 5)));
    }
  }

  private remember(key: string): void {
    this.seen.add(key);
    if (this.seen.size > this.rememberKeys) this.seen.delete(this.seen.values().next().value as string);
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.working || this.timer !== null) return;
    const wait = Math.max(delayMs, this.lastSentAt + this.minIntervalMs - this.timers.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.working = (async () => {
        const next = await this.work();
        this.working = null;
        if (next !== null) this.schedule(next);
      })();
    }, Math.max(0, wait));
  }

  /** One attempt at the first notice; the delay before the next one, or null when none is left. */
  private async work(): Promise<number | null> {
    const entry = this.entries[0];
    if (!entry || this.closed) return null;
    entry.attempts += 1;
    let outcome: Attempt;
    try {
      outcome = await this.send(entry.payload);
    } catch (err) {
      outcome = { kind: "unknown", reason: describeError(err) };
    }
    this.lastSentAt = this.timers.now();
    const log = this.options.logger;
    const fields = { notifier: this.options.name, key: entry.key, attempts: entry.attempts };
    let next = 0;
    if (outcome.kind === "retry" && entry.attempts < this.maxAttempts) {
      this.stats.retries += 1;
      next = outcome.afterMs ?? entry.backoff.next();
      log.warn({ ...fields, retryInMs: next, why: outcome.reason }, "notice not delivered; will retry");
    } else {
      this.entries.shift();
      if (outcome.kind === "sent") {
        this.stats.sent += 1;
        log.info(fields, "notice sent");
      } else if (outcome.kind === "unknown") {
        this.stats.unknown += 1;
        log.warn({ ...fields, why: outcome.reason }, "notice may or may not have arrived; not sent again");
      } else {
        this.stats.dropped += 1;
        log.error({ ...fields, why: outcome.reason }, "notice given up");
      }
    }
    return this.entries.length > 0 ? next : null;
  }
}
