import type { Logger } from "pino";
import { HttpRequestError, neverReachedServer, requestJson } from "../shared/http-client.js";
import { describeError } from "../shared/errors.js";
import type { Timers } from "../shared/timers.js";
import type { Notifier, TicketOpenedEvent } from "./port.js";
import { NoticeQueue, type Attempt } from "./queue.js";
import { noticeText } from "./text.js";

export interface TelegramOptions {
  /** TELEGRAM_API_URL, e.g. https://api.telegram.org. */
  apiUrl: string;
  /** TELEGRAM_BOT_TOKEN. Part of the URL: never logged. */
  botToken: string;
  /** TELEGRAM_CHAT_ID. */
  chatId: string;
  logger: Logger;
  timeoutMs?: number;
  timers?: Timers;
  retry?: { initialMs: number; maxMs: number };
  maxAttempts?: number;
  /** Least time between two messages (Telegram's flood control: about one per second per chat). */
  minIntervalMs?: number;
}

/**
 * Telegram Bot API `sendMessage` to the IT team's chat (reference §9). A 429 waits
 * `parameters.retry_after` seconds; a 5xx or a refused connection retries with backoff; a 4xx
 * (bad token, unknown chat) is given up and logged. Telegram has no idempotency key, so an attempt
 * whose answer was lost (timeout, dropped connection) is not repeated: a notice arrives at most once.
 */
export function createTelegramNotifier(options: TelegramOptions): Notifier & { readonly queue: NoticeQueue<TicketOpenedEvent> } {
  const sendText = telegramSender(options);
  const send = (event: TicketOpenedEvent) => sendText(noticeText(event));
  const queue = new NoticeQueue<TicketOpenedEvent>(
    {
      name: "telegram",
      logger: options.logger,
      timers: options.timers,
      retry: options.retry,
      maxAttempts: options.maxAttempts,
      minIntervalMs: options.minIntervalMs ?? 1000,
    },
    send,
  );
  return {
    name: "telegram",
    queue,
    ticketOpened(event) {
      queue.enqueue(event.key, event);
    },
    close: (graceMs) => queue.close(graceMs),
  };
}

/** One `sendMessage` of `text` to the chat, as an Attempt the notice queue understands. */
function telegramSender(options: TelegramOptions): (text: string) => Promise<Attempt> {
  const url = `${options.apiUrl.replace(/\/+$/, "")}/bot${options.botToken}/sendMessage`;
  return async (text) => {
    let reply;
    try {
      reply = await requestJson(url, {
        method: "POST",
        body: { chat_id: options.chatId, text, link_preview_options: { is_disabled: true } },
        timeoutMs: options.timeoutMs ?? 10_000,
        dependency: "telegram",
      });
    } catch (err) {
      // The URL holds the bot token: only the error's own words are logged.
      if (err instanceof HttpRequestError && neverReachedServer(err)) return { kind: "retry", reason: err.message };
      return { kind: "unknown", reason: err instanceof HttpRequestError ? err.message : describeError(err) };
    }
    const body = (reply.body ?? {}) as { ok?: boolean; description?: string; parameters?: { retry_after?: number } };
    if (reply.status === 200 && body.ok === true) return { kind: "sent" };
    const why = `HTTP ${reply.status}${body.description ? `: ${body.description}` : ""}`;
    if (reply.status === 429) {
      const seconds = Number(body.parameters?.retry_after);
      return { kind: "retry", reason: why, afterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined };
    }
    if (reply.status >= 500) return { kind: "retry", reason: why };
    return { kind: "drop", reason: why };
  };
}

/** Plain-text alerts to the IT team's chat (a part of the system went OFFLINE or came back), one per key. */
export interface TelegramAlerts {
  alert(key: string, text: string): void;
  close(graceMs?: number): Promise<void>;
  readonly queue: NoticeQueue<string>;
}

export function createTelegramAlerts(options: TelegramOptions): TelegramAlerts {
  const queue = new NoticeQueue<string>(
    { name: "telegram-alerts", logger: options.logger, timers: options.timers, retry: options.retry, maxAttempts: options.maxAttempts, minIntervalMs: options.minIntervalMs ?? 1000 },
    telegramSender(options),
  );
  return {
    queue,
    alert: (key, text) => queue.enqueue(key, text.slice(0, 4096)),
    close: (graceMs) => queue.close(graceMs),
  };
}
