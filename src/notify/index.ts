/** Notices of new tickets to the IT team (Telegram) and to other systems (signed webhook). */
import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import { allNotifiers, type Notifier } from "./port.js";
import { createTelegramNotifier } from "./telegram.js";
import { createWebhookNotifier } from "./webhook.js";

export { allNotifiers, type Notifier, type TicketOpenedEvent } from "./port.js";
export { createTelegramAlerts, createTelegramNotifier, type TelegramAlerts, type TelegramOptions } from "./telegram.js";
export { createWebhookNotifier, signWebhook, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_HEADER, EVENT_HEADER } from "./webhook.js";
export { noticeText } from "./text.js";

/** The notifiers the settings ask for (none, Telegram, the webhook, or both), as one. */
export function notifierFromSettings(settings: Settings, logger: Logger): Notifier {
  const list: Notifier[] = [];
  if (settings.TELEGRAM_BOT_TOKEN !== "" && settings.TELEGRAM_CHAT_ID !== "") {
    list.push(createTelegramNotifier({ apiUrl: settings.TELEGRAM_API_URL, botToken: settings.TELEGRAM_BOT_TOKEN, chatId: settings.TELEGRAM_CHAT_ID, logger }));
  }
  if (settings.NOTIFY_WEBHOOK_URL !== "") {
    list.push(createWebhookNotifier({ url: settings.NOTIFY_WEBHOOK_URL, secret: settings.NOTIFY_WEBHOOK_SECRET, logger }));
  }
  return allNotifiers(list);
}
