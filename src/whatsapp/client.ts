/**
 * The WhatsApp session as the sender service sees it. venom-bot implements it in
 * `venom-client.ts`; tests use `test/support/fake-venom.ts`. Nothing else in the service knows
 * which one it has.
 */

export type SessionState =
  /** Chromium is starting or WhatsApp Web is loading. */
  | "starting"
  /** Waiting for the municipality's phone to scan the QR code (Linked devices → Link a device). */
  | "qr"
  /** Linked and online: messages go out now. */
  | "connected"
  /** Linked, but not online now (phone offline, network drop, browser restarting). Messages wait. */
  | "disconnected"
  /** WhatsApp ended the link (removed on the phone, or expired): a new QR scan is needed. */
  | "logged_out"
  /** The session cannot start (no Chromium, WhatsApp Web unreachable…); retried in the background. */
  | "failed"
  /** Closed by us (shutdown). */
  | "closed";

/** Every SessionState, for the ura_whatsapp_session_state gauge (a state not held reads 0). */
export const SESSION_STATES: readonly SessionState[] = ["starting", "qr", "connected", "disconnected", "logged_out", "failed", "closed"];

export interface SessionStatus {
  state: SessionState;
  /** A session exists that WhatsApp has not logged out: messages may be queued for it. */
  linked: boolean;
  /** Linked and online. */
  connected: boolean;
  /** Why the session is in this state, in words an operator can act on. */
  detail?: string;
  /** The QR code's content while `state` is "qr" (qr.ts renders it as PNG or for a terminal). */
  qr?: string;
  /** Which QR this is: WhatsApp Web renews it every ~20 s. */
  qrAttempt?: number;
  /** When the state last changed, ms since the epoch. */
  since: number;
}

export interface WhatsappClient {
  status(): SessionStatus;
  /** Called after every change of status; returns the function that stops listening. */
  onStateChange(listener: (status: SessionStatus) => void): () => void;
  /**
   * The number's real WhatsApp id (`5545999999999@c.us`, or the eight-digit form for accounts from
   * before the ninth digit), or null when the number has no WhatsApp account. Throws when it cannot
   * tell (not connected, timeout).
   */
  resolveNumber(e164: string): Promise<string | null>;
  /** Sends a text to a resolved id. Resolves only once WhatsApp Web accepted the message. */
  sendText(id: string, text: string): Promise<void>;
  close(): Promise<void>;
}

/** Status plus listeners, shared by the clients so each only says what changed. */
export class SessionStatusBox {
  private current: SessionStatus;
  private readonly listeners = new Set<(status: SessionStatus) => void>();

  constructor(
    initial: Omit<SessionStatus, "since" | "connected">,
    private readonly now: () => number = Date.now,
  ) {
    this.current = { ...initial, connected: initial.state === "connected", since: now() };
  }

  get(): SessionStatus {
    return this.current;
  }

  /**
   * Moves to `state`. `linked` defaults to what the state implies (qr/logged_out: no; connected:
   * yes; others keep the previous value). QR fields are kept only in the "qr" state.
   */
  set(state: SessionState, changes: { linked?: boolean; detail?: string; qr?: string; qrAttempt?: number } = {}): void {
    const previous = this.current;
    const linked =
      changes.linked ??
      (state === "connected" ? true : state === "qr" || state === "logged_out" || state === "closed" ? false : previous.linked);
    const next: SessionStatus = {
      state,
      linked,
      connected: state === "connected",
      since: previous.state === state ? previous.since : this.now(),
    };
    if (changes.detail !== undefined) next.detail = changes.detail;
    if (state === "qr") {
      const qr = changes.qr ?? previous.qr;
      const qrAttempt = changes.qrAttempt ?? previous.qrAttempt;
      if (qr !== undefined) next.qr = qr;
      if (qrAttempt !== undefined) next.qrAttempt = qrAttempt;
    }
    if (
      next.state === previous.state &&
      next.linked === previous.linked &&
      next.detail === previous.detail &&
      next.qr === previous.qr
    ) {
      return;
    }
    this.current = next;
    for (const listener of [...this.listeners]) listener(next);
  }

  on(listener: (status: SessionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
