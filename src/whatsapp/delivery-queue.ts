import type { Logger } from "pino";
import { maskDigits, maskPhone } from "../shared/privacy.js";
import type { SessionStatus, WhatsappClient } from "./client.js";
import { Backoff } from "../shared/backoff.js";
import { withDeadline } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { realTimers, type Timers } from "../shared/timers.js";

export interface QueueOptions {
  client: WhatsappClient;
  logger: Logger;
  /** Messages waiting at most (WHATSAPP_QUEUE_MAX); more are refused. */
  maxSize: number;
  /** Messages accepted for one number in any 60 s (WHATSAPP_PER_NUMBER_PER_MINUTE). */
  perNumberPerMinute: number;
  timers?: Timers;
  /** Backoff between attempts while the session is down or a send failed: doubles up to max. */
  retry?: { initialMs: number; maxMs: number };
  /** A message older than this is dropped unsent (a one-time code lives at most 10 minutes). */
  maxAgeMs?: number;
  /** Failed attempts while connected before a message is given up (a bad id, not a bad session). */
  maxAttempts?: number;
  /** Longest wait for WhatsApp Web to take one message or resolve one number. */
  callTimeoutMs?: number;
  /** How long a delivered message's id is remembered, so a repeated request is not sent again. */
  rememberMs?: number;
}

export interface QueuedMessage {
  id: string;
  /** E.164. */
  phone: string;
  text: string;
  /** The WhatsApp id, when already resolved. */
  waId?: string;
}

export type EnqueueResult =
  | { ok: true; id: string; duplicate: boolean }
  | { ok: false; reason: "queue_full" | "rate_limited"; message: string; retryAfterMs: number };

interface Entry extends QueuedMessage {
  enqueuedAt: number;
  attempts: number;
}

const MINUTE = 60_000;

/**
 * The outbound queue of `ura whatsapp`: bounded, in memory, one message in flight at a time. A
 * message leaves the queue only once `sendText` resolved, so a drop of the session never loses it;
 * attempts back off exponentially while the session is down and resume at once when it is back.
 * Each id is accepted once (a retried request is answered as a duplicate, not sent again). Texts
 * are logged with every run of four or more digits masked, numbers with only their last digits.
 */
export class DeliveryQueue {
  private readonly entries: Entry[] = [];
  /** id → when it was accepted or delivered; the idempotency memory. */
  private readonly seen = new Map<string, number>();
  /** number → times messages to it were accepted in the last minute. */
  private readonly recent = new Map<string, number[]>();
  private readonly timers: Timers;
  private readonly backoff: Backoff;
  private readonly maxAgeMs: number;
  private readonly maxAttempts: number;
  private readonly callTimeoutMs: number;
  private readonly rememberMs: number;
  private readonly stopListening: () => void;
  private retryTimer: unknown;
  private running = false;
  private closed = false;
  private counts = { delivered: 0, dropped: 0, failedAttempts: 0 };

  constructor(private readonly options: QueueOptions) {
    this.timers = options.timers ?? realTimers;
    this.backoff = new Backoff(options.retry ?? { initialMs: 1000, maxMs: 60_000 });
    this.maxAgeMs = options.maxAgeMs ?? 10 * MINUTE;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.rememberMs = options.rememberMs ?? 60 * MINUTE;
    this.stopListening = options.client.onStateChange((status) => this.onSession(status));
  }

  get size(): number {
    return this.entries.length;
  }

  stats(): { queued: number; delivered: number; dropped: number; failedAttempts: number; max: number } {
    return { queued: this.entries.length, ...this.counts, max: this.options.maxSize };
  }

  /** True when a message with this id was accepted recently (queued or delivered). */
  has(id: string): boolean {
    const at = this.seen.get(id);
    return at !== undefined && this.timers.now() - at < this.rememberMs;
  }

  /**
   * Why a message to `phone` would be refused now, or null. Lets the service skip work (a number
   * lookup) for a request that cannot be queued anyway; `enqueue` checks again.
   */
  refusal(phone: string): Extract<EnqueueResult, { ok: false }> | null {
    const now = this.timers.now();
    if (this.entries.length >= this.options.maxSize) {
      return {
        ok: false,
        reason: "queue_full",
        message: `the outbound queue is full (${this.options.maxSize} messages waiting for WhatsApp); try again later`,
        retryAfterMs: Math.max(this.backoff.upcomingMs, 1000),
      };
    }
    const times = this.recentFor(phone, now);
    if (times.length >= this.options.perNumberPerMinute) {
      return {
        ok: false,
        reason: "rate_limited",
        message: `${this.options.perNumberPerMinute} messages to this number in the last minute already`,
        retryAfterMs: times[0]! + MINUTE - now,
      };
    }
    return null;
  }

  enqueue(message: QueuedMessage): EnqueueResult {
    if (this.closed) throw new Error("the delivery queue is closed");
    if (this.has(message.id)) return { ok: true, id: message.id, duplicate: true };
    const refused = this.refusal(message.phone);
    if (refused) return refused;
    const now = this.timers.now();
    this.recentFor(message.phone, now).push(now);
    this.remember(message.id, now);
    this.entries.push({ ...message, enqueuedAt: now, attempts: 0 });
    this.options.logger.info(
      { messageId: message.id, to: maskPhone(message.phone), preview: preview(message.text), queued: this.entries.length },
      "message queued",
    );
    this.pump();
    return { ok: true, id: message.id, duplicate: false };
  }

  /** Stops retrying; messages still queued are lost (the log says how many). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    this.clearRetry();
    if (this.entries.length > 0) {
      this.options.logger.warn({ unsent: this.entries.length }, "delivery queue closed with messages unsent");
    }
  }

  private onSession(status: SessionStatus): void {
    if (status.connected) {
      this.clearRetry();
      this.backoff.reset();
      this.pump();
    }
  }

  private pump(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.drain()
      .catch((err: unknown) => {
        // drain() handles every failure of a send itself; reaching here is a bug, not a message lost.
        this.options.logger.error({ err }, "delivery loop failed");
        this.scheduleRetry();
      })
      .finally(() => {
        this.running = false;
      });
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.entries.length > 0) {
      const entry = this.entries[0]!;
      const log = this.options.logger.child({ messageId: entry.id, to: maskPhone(entry.phone) });
      const age = this.timers.now() - entry.enqueuedAt;
      if (age > this.maxAgeMs) {
        this.remove(entry);
        this.counts.dropped += 1;
        log.warn({ ageMs: age, attempts: entry.attempts }, "message dropped unsent: too old to be useful");
        continue;
      }
      if (!this.options.client.status().connected) {
        this.scheduleRetry();
        return;
      }
      const outcome = await this.attempt(entry).catch((err: unknown) => ({ failed: describeError(err) }));
      if (this.closed) return;
      if (outcome === "sent") {
        this.remove(entry);
        this.remember(entry.id, this.timers.now());
        this.counts.delivered += 1;
        this.backoff.reset();
        log.info({ attempts: entry.attempts + 1, waitedMs: this.timers.now() - entry.enqueuedAt }, "message delivered");
        continue;
      }
      if (outcome === "no-account") {
        this.remove(entry);
        this.counts.dropped += 1;
        log.warn("message dropped: the number has no WhatsApp account");
        continue;
      }
      entry.attempts += 1;
      this.counts.failedAttempts += 1;
      const connected = this.options.client.status().connected;
      if (connected && entry.attempts >= this.maxAttempts) {
        this.remove(entry);
        this.counts.dropped += 1;
        log.error({ attempts: entry.attempts, err: outcome.failed }, "message given up after repeated failures while connected");
        continue;
      }
      log.warn({ attempts: entry.attempts, err: outcome.failed, retryInMs: this.backoff.upcomingMs }, "send failed; will retry");
      // Let the others go first: one bad message must not hold the queue.
      if (this.entries.length > 1) this.entries.push(...this.entries.splice(0, 1));
      this.scheduleRetry();
      return;
    }
  }

  /** One try at a message; rejects when WhatsApp failed or did not answer within callTimeoutMs. */
  private async attempt(entry: Entry): Promise<"sent" | "no-account"> {
    const client = this.options.client;
    const call = <T>(what: string, work: () => Promise<T>) =>
      withDeadline(this.callTimeoutMs, work, { timers: this.timers }).catch((err: unknown) => {
        throw new Error(`${what}: ${describeError(err)}`, { cause: err });
      });
    if (entry.waId === undefined) {
      const waId = await call("number lookup", () => client.resolveNumber(entry.phone));
      if (waId === null) return "no-account";
      entry.waId = waId;
    }
    const waId = entry.waId;
    await call("send", () => client.sendText(waId, entry.text));
    return "sent";
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    const delay = this.backoff.next();
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer === undefined) return;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private remove(entry: Entry): void {
    const index = this.entries.indexOf(entry);
    if (index !== -1) this.entries.splice(index, 1);
  }

  private remember(id: string, now: number): void {
    this.seen.delete(id);
    this.seen.set(id, now);
    // Oldest first (Map order): forget what is past the memory, and never hold more than needed.
    for (const [oldId, at] of this.seen) {
      if (now - at < this.rememberMs && this.seen.size <= 100_000) break;
      this.seen.delete(oldId);
    }
  }

  private recentFor(phone: string, now: number): number[] {
    let times = this.recent.get(phone);
    if (!times) {
      times = [];
      this.recent.set(phone, times);
      if (this.recent.size > 10_000) this.sweepRecent(now);
    }
    while (times.length > 0 && now - times[0]! >= MINUTE) times.shift();
    return times;
  }

  private sweepRecent(now: number): void {
    for (const [phone, times] of this.recent) {
      if (times.every((t) => now - t >= MINUTE)) this.recent.delete(phone);
    }
  }
}

/** What a log line may show of a message: its start, every run of 4+ digits masked. */
export function preview(text: string): string {
  const masked = maskDigits(text).replace(/\s+/g, " ");
  return masked.length > 60 ? `${masked.slice(0, 57)}...` : masked;
}
