/**
 * The TicketBackend port as PLAN.md gives it, copied here until core-domain lands
 * `src/domain/ports/ticket-backend.ts`; phase B replaces this file by an import from there.
 */
import type { Actor, TicketHistoryEntry, TicketStatus, TicketView } from "../domain/index.js";

export type { Actor, TicketHistoryEntry, TicketStatus, TicketView };

/** What a caller (or the API) gives to open a ticket; the call facts feed the GLPI content. */
export interface OpenTicketInput {
  userCode: string;
  serviceId: number;
  description?: string | null;
  source?: "phone" | "web" | "api";
  callId?: string | null;
  /** What the call knows, written for the technician (all optional: the web and API have none). */
  call?: {
    /** The extension or number the caller called from, as the PBX gave it. */
    callerNumber?: string | null;
    /** How the caller was identified. */
    identifiedBy?: "extension" | "code" | "otp" | null;
  } | null;
}

export interface TicketFilter {
  status?: TicketStatus;
  userCode?: string;
  limit: number;
  offset: number;
}

export interface TicketAttachment {
  /** The backend's id of the stored file (a GLPI Document id). */
  id: string;
  name: string;
  contentType: string;
  size: number;
  createdAt: string;
}

/**
 * A ticket view as the GLPI backend gives it: today's TicketView, plus `pending` while the ticket
 * waits in the local outbox for GLPI (the caller hears "registered and waiting").
 */
export interface BackendTicketView extends TicketView {
  pending?: boolean;
}

/** Where tickets live: the builtin tables, or GLPI (with a local outbox while GLPI is down). */
export interface TicketBackend {
  readonly kind: "builtin" | "glpi";
  open(input: OpenTicketInput, actor: Actor, now: Date): Promise<{ ticket: BackendTicketView; created: boolean }>;
  forRequester(protocol: string, userCode: string): Promise<BackendTicketView | null>;
  list(filter: TicketFilter): Promise<{ tickets: BackendTicketView[]; total: number }>;
  get(protocol: string): Promise<{ ticket: BackendTicketView; history: TicketHistoryEntry[] } | null>;
  changeStatus(
    protocol: string,
    change: { status: TicketStatus; note?: string | null },
    actor: Actor,
    now: Date,
  ): Promise<{ ticket: BackendTicketView; history: TicketHistoryEntry[] }>;
  attach(protocol: string, file: { name: string; contentType: string; data: Uint8Array }, actor: Actor, now: Date): Promise<TicketAttachment>;
}
