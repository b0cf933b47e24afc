/** The port the domain sends one-time codes through. Adapters (src/whatsapp): log, venom (ura whatsapp), cloud. */
export interface OutgoingMessage {
  /** E.164 mobile number, e.g. +5545999999999. */
  phone: string;
  text: string;
  /**
   * Idempotency key: a message sent again with the same id (a retry after a timeout) is delivered
   * at most once by the venom service. One-time codes carry `otp-<code id>-<issued at>`; drivers
   * make one when it is absent.
   */
  id?: string;
}

export interface MessageSender {
  readonly driver: "log" | "venom" | "cloud";
  /** Resolves once the message is accepted for delivery (queued), with the sender's message id. */
  send(message: OutgoingMessage, options?: { signal?: AbortSignal }): Promise<{ id: string }>;
  /** Lets go of what the sender holds open (the log sender's outbox file), at shutdown. */
  close?(): void;
}

/** The sender cannot take messages now (session unlinked, service down, timeout): the caller is told. */
export class SenderUnavailableError extends Error {
  /**
   * True when the message may have been taken all the same (no answer in time, a connection cut
   * after sending): the code may reach the phone, so it counts against the caps.
   */
  readonly maybeSent: boolean;
  constructor(message: string, options?: { cause?: unknown; maybeSent?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SenderUnavailableError";
    this.maybeSent = options?.maybeSent ?? false;
  }
}

/** The sender refused this message for good (not a WhatsApp number, invalid number, rate limit). */
export class SenderRejectedError extends Error {
  constructor(
    readonly reason: "invalid_number" | "not_on_whatsapp" | "rate_limited" | "queue_full" | "rejected",
    message: string,
  ) {
    super(message);
    this.name = "SenderRejectedError";
  }
}
