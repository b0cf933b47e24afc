import type { Logger } from "pino";
import type { WallboardEvent } from "../api/index.js";
import type { Settings } from "../config/index.js";
import { message, type LivenessBoard, type LivenessEvents, type PartStatusChanged } from "../domain/index.js";
import type { EventSource } from "../shared/event-bus.js";
import { createTelegramAlerts, type TelegramAlerts } from "../notify/index.js";
import { watchParts } from "../shared/metrics.js";

/** What a transition says, in the words of sounds/messages.pt-BR.txt (the Telegram message, the wallboard's alert title). */
export function transitionText(event: PartStatusChanged, timeZone: string): string {
  const { part } = event;
  if (part.liveness === "OFFLINE") {
    const since = new Date(part.lastSeenAt).toLocaleString("pt-BR", { timeZone, dateStyle: "short", timeStyle: "medium" });
    return message("part-offline", { name: part.name, host: part.host, since });
  }
  return message("part-online", { name: part.name, host: part.host, state: part.state });
}

/**
 * The API process's reactions to a part going OFFLINE or coming back: a log line, a Telegram
 * message when Telegram is configured, `ura_part_online` for Prometheus, and whatever else
 * subscribes to `board.events` (the wallboard's critical_alert). Returns the function that stops them.
 */
export function reactToLiveness(board: LivenessBoard, settings: Settings, logger: Logger, options: { telegram?: TelegramAlerts | null } = {}): () => Promise<void> {
  const log = logger.child({ component: "liveness" });
  const telegram =
    options.telegram !== undefined
      ? options.telegram
      : settings.TELEGRAM_BOT_TOKEN !== "" && settings.TELEGRAM_CHAT_ID !== ""
        ? createTelegramAlerts({ apiUrl: settings.TELEGRAM_API_URL, botToken: settings.TELEGRAM_BOT_TOKEN, chatId: settings.TELEGRAM_CHAT_ID, logger: log })
        : null;
  const unsubscribe = board.events.subscribe((event) => {
    const { part } = event;
    const fields = { part: part.name, kind: part.kind, host: part.host, lastSeenAt: part.lastSeenAt };
    if (part.liveness === "OFFLINE") log.warn(fields, "part OFFLINE: no heartbeat for 30 s");
    else log.info({ ...fields, state: part.state }, "part ONLINE again");
    // One message per transition: the key is the part and the instant it changed.
    telegram?.alert(`${part.name}:${part.liveness}:${part.since}`, transitionText(event, settings.URA_TIMEZONE));
  });
  const unwatch = watchParts(() => board.list().map((p) => ({ part: p.name, kind: p.kind, online: p.liveness === "ONLINE" })));
  return async () => {
    unsubscribe();
    unwatch();
    await telegram?.close(1000);
  };
}

/**
 * The transitions as the wallboard's critical_alert (seed 004): OFFLINE is critical, ONLINE again
 * is low, the title is the Telegram message's sentence, and the id names the part and the instant
 * it changed (one alert per transition).
 */
export function wallboardAlerts(events: LivenessEvents, timeZone: string): EventSource<WallboardEvent> {
  return {
    subscribe: (listener) =>
      events.subscribe((event) => {
        const { part } = event;
        listener({
          type: "part-status",
          alert: { id: `${part.name}:${part.liveness}:${part.since}`, title: transitionText(event, timeZone), severity: part.liveness === "OFFLINE" ? "critical" : "low" },
        });
      }),
  };
}
