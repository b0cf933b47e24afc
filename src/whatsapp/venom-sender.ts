import { randomUUID } from "node:crypto";
import { jsonField as field, requestJson } from "../shared/http-client.js";
import { senderUnreachable } from "./http.js";
import {
  normalizeBrazilianPhone,
  SenderRejectedError,
  SenderUnavailableError,
  type MessageSender,
  type OutgoingMessage,
} from "../domain/index.js";

export interface VenomSenderOptions {
  /** Base URL of `ura whatsapp`, e.g. http://127.0.0.1:8090. */
  url: string;
  /** The service's bearer token, or a function that finds it (null: none configured). */
  token: string | (() => Promise<string | null>);
  /** Longest wait for the service to accept (queue) a message. */
  timeoutMs: number;
}

const REJECTION_REASONS = new Set<SenderRejectedError["reason"]>([
  "invalid_number",
  "not_on_whatsapp",
  "rate_limited",
  "queue_full",
  "rejected",
]);

/**
 * The `venom` driver: hands each message to the `ura whatsapp` service over HTTP. Resolves once the
 * service has queued it (202). 503 and network trouble are SenderUnavailableError; a refusal of the
 * message itself (4xx) is SenderRejectedError with the service's reason. A refused token or client
 * address (401/403) is SenderUnavailableError: no message can go until an operator fixes it.
 */
export function createVenomSender(options: VenomSenderOptions): MessageSender {
  const endpoint = whatsappServiceUrl(options.url, "api/send-message").toString();
  const getToken = typeof options.token === "string" ? async () => options.token as string : options.token;
  return {
    driver: "venom",
    async send(message: OutgoingMessage, sendOptions?: { signal?: AbortSignal }) {
      const phone = normalizeBrazilianPhone(message.phone);
      if (!phone.ok) throw new SenderRejectedError("invalid_number", `invalid phone number: ${phone.reason}`);
      const token = await getToken();
      if (token === null || token === "") {
        throw new SenderUnavailableError(
          "no token for the whatsapp service: set WHATSAPP_TOKEN (the same value as the service's), or run `ura whatsapp` once on this host so it writes DATA_DIR/whatsapp-token.local",
        );
      }
      const id = message.id ?? randomUUID();
      const response = await requestJson(endpoint, {
        method: "POST",
        body: { phone: phone.e164, message: message.text, id },
        headers: { authorization: `Bearer ${token}` },
        timeoutMs: options.timeoutMs,
        signal: sendOptions?.signal,
        dependency: "sender",
      }).catch((err: unknown) => {
        throw senderUnreachable(`the whatsapp service at ${options.url}`, err, options.timeoutMs);
      });
      const detail = describe(response.body, response.status);
      if (response.status === 202 || response.status === 200) {
        const accepted = field(response.body, "id");
        return { id: typeof accepted === "string" ? accepted : id };
      }
      if (response.status === 401 || response.status === 403) {
        throw new SenderUnavailableError(
          `the whatsapp service refused this client (${response.status}: ${detail}); check WHATSAPP_TOKEN and the service's WHATSAPP_ALLOWED_CLIENTS`,
        );
      }
      if (response.status >= 400 && response.status < 500) {
        const code = field(response.body, "error");
        const reason = REJECTION_REASONS.has(code as SenderRejectedError["reason"])
          ? (code as SenderRejectedError["reason"])
          : "rejected";
        throw new SenderRejectedError(reason, `the whatsapp service refused the message (${response.status}: ${detail})`);
      }
      throw new SenderUnavailableError(`the whatsapp service cannot take messages now (${response.status}: ${detail})`);
    },
  };
}

function describe(body: unknown, status: number): string {
  const message = field(body, "message");
  if (typeof message === "string") return message;
  const error = field(body, "error");
  return typeof error === "string" ? error : `HTTP ${status}`;
}

/** A route of the `ura whatsapp` service under WHATSAPP_URL, keeping its path prefix (a reverse proxy's /wa/). */
export function whatsappServiceUrl(baseUrl: string, path: string): URL {
  return new URL(path.replace(/^\//, ""), baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
}
