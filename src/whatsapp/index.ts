import { dataPath, type Settings } from "../config/index.js";
import { createCloudSender } from "./cloud-sender.js";
import { createLogSender } from "./log-sender.js";
import type { MessageSender } from "../domain/index.js";
import { clientToken } from "./token.js";
import { createVenomSender } from "./venom-sender.js";

export { createLogSender, lastOutboxMessage } from "./log-sender.js";
export { createVenomSender, whatsappServiceUrl, type VenomSenderOptions } from "./venom-sender.js";
export { createCloudSender, type CloudSenderOptions } from "./cloud-sender.js";
export { whatsappIdCandidates } from "./phone.js";
export { maskPhone, maskDigits } from "../shared/privacy.js";
export type { WhatsappClient, SessionStatus, SessionState } from "./client.js";
export { buildServer, type ServerOptions } from "./server.js";
// The service module imports venom-bot only when a venom session starts (dynamic import).
export { startWhatsappService, type WhatsappService, type StartOptions } from "./service.js";

/** The outbox the `log` driver writes and `ura call` reads. */
export function outboxPath(settings: Settings): string {
  return dataPath(settings, "", "outbox.jsonl");
}

/** The sender SENDER_DRIVER names, configured from the settings. */
export function createSender(settings: Settings): MessageSender {
  switch (settings.SENDER_DRIVER) {
    case "log":
      return createLogSender(outboxPath(settings));
    case "venom":
      return createVenomSender({
        url: settings.WHATSAPP_URL,
        token: () => clientToken(settings),
        timeoutMs: settings.SENDER_TIMEOUT_MS,
      });
    case "cloud":
      return createCloudSender({
        baseUrl: settings.WHATSAPP_CLOUD_URL,
        phoneNumberId: settings.WHATSAPP_CLOUD_PHONE_ID,
        token: settings.WHATSAPP_CLOUD_TOKEN,
        timeoutMs: settings.SENDER_TIMEOUT_MS,
      });
  }
}
