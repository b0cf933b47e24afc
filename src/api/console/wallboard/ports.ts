import type { FastifyRequest } from "fastify";
import type { CallsNow, DashboardUpdate, Priority, TicketCounters, WallboardTicket } from "./messages.js";

/** The stored half of the wallboard, read once for every message of a push. */
export interface WallboardSnapshot {
  /** Tickets still being worked on (seed 004: open and in progress), with the counters by priority. */
  tickets: { data: WallboardTicket[]; counters: TicketCounters };
  /** dashboard_update but the calls (in memory, read at each push: WallboardCalls). */
  dashboard: Omit<DashboardUpdate, "type" | "timestamp" | "calls">;
}

/** Where the wallboard's stored numbers come from (the ticket backend in force, the surveys, the audit log). */
export interface WallboardSource {
  snapshot(): Promise<WallboardSnapshot>;
}

/** The calls right now, from memory (the IVR nodes' heartbeats, the screen-pop's cards); their changes come as "calls-changed". */
export type WallboardCalls = () => CallsNow;

/** What the wallboard reacts to; published on an EventBus (src/shared/event-bus.ts). */
export type WallboardEvent =
  /** Something in the ticket list changed: every screen gets fresh tickets_update and dashboard_update. */
  | { type: "tickets-changed" }
  /** Calls entered or left the IVR, or a transferred call was answered or given up: dashboard_update. */
  | { type: "calls-changed" }
  /** A ticket was opened (by phone or on the console): new_ticket_alert with a sound, then the fresh lists. */
  | { type: "ticket-opened"; ticket: { id: string; title: string; severity: Priority } }
  /**
   * A part of the system went OFFLINE (severity critical) or came back ONLINE (severity low):
   * critical_alert, as issue 15 asks for both transitions (src/app/liveness.ts makes them).
   */
  | { type: "part-status"; alert: { id: string; title: string; severity: Priority } };

/** Who is on the other end of a socket. */
export interface WallboardViewer {
  /** For the log: the account's or the kiosk token's name. */
  name: string;
  /** May switch the other screens' views (remote_switch). Kiosk tokens are read-only. */
  canControl: boolean;
}

/**
 * Decides at the handshake who may connect (phase B: the session cookie, or `?token=` with a kiosk
 * token). Null refuses the upgrade with 401.
 */
export type WallboardAuthenticator = (request: FastifyRequest) => Promise<WallboardViewer | null> | WallboardViewer | null;
