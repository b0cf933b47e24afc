import { createHmac, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import { requestJson } from "../shared/http-client.js";
import { describeError } from "../shared/errors.js";
import type { Timers } from "../shared/timers.js";
import type { Notifier, TicketOpenedEvent } from "./port.js";
import { NoticeQueue, type Attempt } from "./queue.js";

export interface WebhookOptions {
  /** NOTIFY_WEBHOOK_URL. */
  url: string;
  /** NOTIFY_WEBHOOK_SECRET. */
  secret: string;
  logger: Logger;
  timeoutMs?: number;
  timers?: Timers;
  retry?: { initialMs: number; maxMs: number };
  maxAttempts?: number;
  now?: () => number;
}

export const SIGNATURE_HEADER = "x-ura-signature";
export const TIMESTAMP_HEADER = "x-ura-timestamp";
export const DELIVERY_HEADER = "x-ura-delivery";
export const EVENT_HEADER = "x-ura-event";

/** `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` (the receiver checks the same). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** The receiver's check (documented in docs/glpi.md; used by our tests): signature and freshness. */
export function verifyWebhook(secret: string, headers: { signature?: string; timestamp?: string }, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  if (!headers.signature || !headers.timestamp || !/^[0-9]+$/.test(headers.timestamp)) return false;
  if (Math.abs(nowSeconds - Number(headers.timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, headers.timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * The same event as a signed JSON POST, for other systems. The receiver dedupes by the
 * X-Ura-Delivery header (the event key), so unlike Telegram a lost answer is retried: a 2xx ends
 * it, a 4xx other than 408/429 gives up, anything else retries with backoff (honouring Retry-After).
 */
export function createWebhookNotifier(options: WebhookOptions): Notifier & { readonly queue: NoticeQueue<TicketOpenedEvent> } {
  const now = options.now ?? Date.now;
  const send = async (event: TicketOpenedEvent): Promise<Attempt> => {
    const payload = { event: "ticket.opened", ...event };
    // The signed text is what requestJson sends: JSON.stringify of the same object.
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(now() / 1000));
    let reply;
    try {
      reply = await requestJson(options.url, {
        method: "POST",
        headers: {
          "user-agent": "ura-chamados",
          [EVENT_HEADER]: "ticket.opened",
          [DELIVERY_HEADER]: event.key,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signWebhook(options.secret, timestamp, body),
        },
        body: payload,
        timeoutMs: options.timeoutMs ?? 10_000,
        dependency: "webhook",
      });
    } catch (err) {
      return { kind: "retry", reason: describeError(err) };
    }
    if (reply.status >= 200 && reply.status < 300) return { kind: "sent" };
    const why = `HTTP ${reply.status}`;
    if (reply.status === 408 || reply.status === 429 || reply.status >= 500) {
      const after = Number(reply.headers.get("retry-after"));
      return { kind: "retry", reason: why, afterMs: Number.isFinite(after) && after > 0 ? after * 1000 : undefined };
    }
    return { kind: "drop", reason: why };
  };
  const queue = new NoticeQueue<TicketOpenedEvent>(
    { name: "webhook", logger: options.logger, timers: options.timers, retry: options.retry, maxAttempts: options.maxAttempts },
    send,
  );
  return {
    name: "webhook",
    queue,
    ticketOpened(event) {
      queue.enqueue(event.key, event);
    },
    close: (graceMs) => queue.close(graceMs),
  };
}
