/**
 * The Notifier port: who hears about a new ticket (the IT team's Telegram chat, a webhook). Defined
 * here until core-domain's `src/domain/ports/` can hold it (phase B moves it there).
 */

/** A ticket came into existence, in whichever backend. */
export interface TicketOpenedEvent {
  /** Idempotency key: one notice per key, ever ("glpi:123", "builtin:2026001000042"). */
  key: string;
  backend: "builtin" | "glpi";
  protocol: string;
  service: { id: number; label: string; path: string };
  requester: { code: string; name: string; department: string | null };
  /** The extension or number the caller called from, when a call opened it. */
  callerNumber: string | null;
  source: "phone" | "web" | "api";
  /** Where a technician opens the ticket (GLPI's ticket form), when there is such a page. */
  url: string | null;
  /** ISO-8601 instant. */
  openedAt: string;
}

export interface Notifier {
  readonly name: string;
  /**
   * Queues the notice and returns at once: never awaited by a call. A key already notified (or
   * queued) is not sent again.
   */
  ticketOpened(event: TicketOpenedEvent): void;
  /** Stops retrying; resolves when what is in flight has settled (or after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** Several notifiers as one (Telegram and the webhook together). */
export function allNotifiers(notifiers: Notifier[]): Notifier {
  return {
    name: notifiers.map((n) => n.name).join("+") || "none",
    ticketOpened(event) {
      for (const n of notifiers) n.ticketOpened(event);
    },
    async close(graceMs) {
      await Promise.all(notifiers.map((n) => n.close(graceMs)));
    },
  };
}
