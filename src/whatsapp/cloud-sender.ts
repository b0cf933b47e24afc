import { jsonField as field, requestJson } from "../shared/http-client.js";
import { senderUnreachable } from "./http.js";
import {
  normalizeBrazilianPhone,
  SenderRejectedError,
  SenderUnavailableError,
  type MessageSender,
  type OutgoingMessage,
} from "../domain/index.js";

export interface CloudSenderOptions {
  /** Graph API base with its version, e.g. https://graph.facebook.com/v20.0. */
  baseUrl: string;
  /** The business phone number's id (not the number itself). */
  phoneNumberId: string;
  /** A system-user access token with whatsapp_business_messaging. */
  token: string;
  timeoutMs: number;
}

/** Graph error codes that mean our credentials or permissions are wrong (Meta's error-code table). */
const AUTH_CODES = new Set([0, 190]);
const PERMISSION_CODES = new Set([3, 10]);
/** Throughput and spam limits: app (4), account (80007, 130429), spam (131048), pair (131056). */
const RATE_CODES = new Set([4, 80007, 130429, 131048, 131056]);
/** Meta's side is down or busy: unknown (1), service temporarily unavailable (2, 131016), generic (131000). */
const UNAVAILABLE_CODES = new Set([1, 2, 131000, 131016]);
const NOT_ON_WHATSAPP = 131026;
const OUTSIDE_SERVICE_WINDOW = 131047;

/**
 * The `cloud` driver: the official WhatsApp Business Cloud API,
 * `POST {base}/{phone-number-id}/messages` with a text message. Meta accepts a message and
 * reports delivery later by webhook; this resolves with Meta's message id (`wamid.…`) once the
 * Graph API has accepted it. Errors are read from Graph's `error.code` first, then the status.
 */
export function createCloudSender(options: CloudSenderOptions): MessageSender {
  const base = options.baseUrl.replace(/\/+$/, "");
  const endpoint = `${base}/${encodeURIComponent(options.phoneNumberId)}/messages`;
  return {
    driver: "cloud",
    async send(message: OutgoingMessage, sendOptions?: { signal?: AbortSignal }) {
      if (options.phoneNumberId === "" || options.token === "") {
        throw new SenderUnavailableError("the Cloud API driver needs WHATSAPP_CLOUD_PHONE_ID and WHATSAPP_CLOUD_TOKEN");
      }
      const phone = normalizeBrazilianPhone(message.phone);
      if (!phone.ok) throw new SenderRejectedError("invalid_number", `invalid phone number: ${phone.reason}`);
      const response = await requestJson(endpoint, {
        method: "POST",
        body: {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: phone.e164,
          type: "text",
          text: { preview_url: false, body: message.text },
        },
        headers: { authorization: `Bearer ${options.token}` },
        timeoutMs: options.timeoutMs,
        dependency: "sender",
        signal: sendOptions?.signal,
      }).catch((err: unknown) => {
        throw senderUnreachable("the WhatsApp Cloud API", err, options.timeoutMs);
      });
      if (response.status >= 200 && response.status < 300) {
        const messages = field(response.body, "messages");
        const id = Array.isArray(messages) ? field(messages[0], "id") : undefined;
        if (typeof id !== "string") {
          throw new SenderUnavailableError(`the WhatsApp Cloud API answered ${response.status} without a message id`);
        }
        return { id };
      }
      throw cloudError(response.status, response.body);
    },
  };
}

/** Maps a Graph API error response to the port's errors. */
export function cloudError(status: number, body: unknown): SenderRejectedError | SenderUnavailableError {
  const rawCode = field(body, "error", "code");
  const code = typeof rawCode === "number" ? rawCode : Number(rawCode ?? NaN);
  const graphMessage = field(body, "error", "message");
  const details = field(body, "error", "error_data", "details");
  const what = [
    `HTTP ${status}`,
    Number.isFinite(code) ? `code ${code}` : null,
    typeof graphMessage === "string" ? graphMessage : null,
    typeof details === "string" ? details : null,
  ]
    .filter((x) => x !== null)
    .join(", ");

  if (code === NOT_ON_WHATSAPP) {
    return new SenderRejectedError("not_on_whatsapp", `the number cannot receive WhatsApp messages (${what})`);
  }
  if (code === OUTSIDE_SERVICE_WINDOW) {
    return new SenderRejectedError(
      "rejected",
      `free-form text is only allowed within 24 h of the user's last message; business-initiated codes need an approved template (${what})`,
    );
  }
  if (RATE_CODES.has(code) || status === 429) {
    return new SenderRejectedError("rate_limited", `the WhatsApp Cloud API is rate limiting us (${what})`);
  }
  if (AUTH_CODES.has(code) || status === 401) {
    return new SenderUnavailableError(`the WhatsApp Cloud API refused the access token; renew WHATSAPP_CLOUD_TOKEN (${what})`);
  }
  if (PERMISSION_CODES.has(code) || (code >= 200 && code <= 299) || status === 403) {
    return new SenderUnavailableError(
      `the access token lacks permission for this phone number id; check WHATSAPP_CLOUD_PHONE_ID and the token's whatsapp_business_messaging permission (${what})`,
    );
  }
  if (UNAVAILABLE_CODES.has(code) || status >= 500) {
    return new SenderUnavailableError(`the WhatsApp Cloud API is unavailable (${what})`);
  }
  if (status >= 400 && status < 500) {
    return new SenderRejectedError("rejected", `the WhatsApp Cloud API refused the message (${what})`);
  }
  return new SenderUnavailableError(`unexpected answer from the WhatsApp Cloud API (${what})`);
}
