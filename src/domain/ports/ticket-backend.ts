import { z } from "zod";
import type { Actor } from "../audit.js";
import { callId, protocol, userCode } from "../rules.js";

/**
 * Where tickets live: the builtin tables (src/domain/tickets.ts), or GLPI. The IVR and the routes
 * only ever see this port (`store.tickets`), so a backend is chosen by setting, not by code.
 *
 * What crosses the port is described here once, as zod schemas: the domain validates inputs with
 * them and the API contract uses the same schemas for its requests and responses.
 */

/**
 * The lifecycle: open → in progress → waiting → resolved → closed. A GLPI backend maps GLPI's six
 * statuses onto these five.
 */
export const TICKET_STATUSES = ["open", "in_progress", "waiting", "resolved", "closed"] as const;
export const ticketStatus = z.enum(TICKET_STATUSES);
export type TicketStatus = z.infer<typeof ticketStatus>;

/** The moves a help desk really makes (waiting ↔ in progress, a resolved ticket reopened). Closed is final. */
export const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ["in_progress", "waiting", "resolved", "closed"],
  in_progress: ["waiting", "resolved", "closed"],
  waiting: ["in_progress", "resolved", "closed"],
  resolved: ["closed", "in_progress"],
  closed: [],
};

export const TICKET_SOURCES = ["phone", "web", "api"] as const;
export const ticketSource = z.enum(TICKET_SOURCES);
export type TicketSource = z.infer<typeof ticketSource>;

/** What opens a ticket. */
export const openTicketSchema = z.object({
  userCode,
  /** A leaf of the catalogue. */
  serviceId: z.number().int().positive(),
  description: z.string().max(4000).nullable().optional(),
  source: ticketSource.default("api"),
  /** The originating call: opening twice for one call returns the same ticket. */
  callId: callId.nullable().optional(),
});
export type OpenTicketInput = z.input<typeof openTicketSchema>;

export const statusChangeSchema = z.object({
  status: ticketStatus,
  note: z.string().trim().max(2000).nullable().optional(),
});
export type StatusChange = z.input<typeof statusChangeSchema>;

export interface TicketFilter {
  status?: TicketStatus;
  userCode?: string;
  limit: number;
  offset: number;
}

export const ticketViewSchema = z.object({
  protocol,
  status: ticketStatus,
  service: z.object({ id: z.number().int(), label: z.string(), path: z.string() }),
  requester: z.object({ code: userCode, name: z.string() }),
  description: z.string().nullable(),
  source: ticketSource,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** updatedAt in the site's timezone (URA_TIMEZONE), for people to read. */
  updatedAtLocal: z.string(),
});
export type TicketView = z.infer<typeof ticketViewSchema>;

export const ticketHistoryEntrySchema = z.object({
  from: ticketStatus.nullable(),
  to: ticketStatus,
  note: z.string().nullable(),
  actor: z.string(),
  at: z.string(),
  atLocal: z.string(),
});
export type TicketHistoryEntry = z.infer<typeof ticketHistoryEntrySchema>;

/** Large enough for eleven minutes of 8 kHz voice; small enough for one MariaDB packet (16 MiB by default). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** A file to attach: a name people recognise, its media type, and its bytes. */
export const attachmentFileSchema = z.object({
  /** Only the last part of a path is kept (`C:\\fotos\\tela.png` → `tela.png`). */
  name: z
    .string()
    .transform((n) => n.split(/[\\/]/).pop()!.trim())
    .pipe(
      z
        .string()
        .min(1, "required")
        .max(200)
        .regex(/^[^\p{Cc}]*$/u, "no control characters"),
    ),
  contentType: z
    .string()
    .trim()
    .toLowerCase()
    .max(200)
    .regex(/^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\p{Cc}]*"|[\w.+-]+))*$/u, "a media type, e.g. audio/wav"),
  data: z
    .custom<Uint8Array>((d) => d instanceof Uint8Array, "expected the file's bytes")
    .refine((d) => d.byteLength > 0, "empty file")
    .refine((d) => d.byteLength <= MAX_ATTACHMENT_BYTES, `larger than ${MAX_ATTACHMENT_BYTES} bytes`),
});
export type AttachmentFile = z.input<typeof attachmentFileSchema>;

/** An attachment as listed with its ticket (the bytes come from `readAttachment`). */
export const ticketAttachmentSchema = z.object({
  /** Opaque to clients: the builtin backend's row id, GLPI's document id. */
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  /** Hex SHA-256 of the bytes: lets a client check what it downloaded. */
  sha256: z.string(),
  actor: z.string(),
  createdAt: z.string(),
  createdAtLocal: z.string(),
});
export type TicketAttachment = z.infer<typeof ticketAttachmentSchema>;

/** A ticket as technicians read it. */
export const ticketDetailSchema = z.object({
  ticket: ticketViewSchema,
  history: z.array(ticketHistoryEntrySchema),
  attachments: z.array(ticketAttachmentSchema),
});
export type TicketDetail = z.infer<typeof ticketDetailSchema>;

/**
 * The ticket operations the IVR and the help desk need. Inputs arrive as callers give them:
 * implementations validate them with the schemas above (`parseInput`), so a bad value is the same
 * DomainValidationError naming its field whichever backend is in force. Unknown tickets are
 * NotFoundError("not_found"); impossible moves ConflictError("invalid_transition").
 */
export interface TicketBackend {
  readonly kind: "builtin" | "glpi";
  /** Idempotent by callId: a second open for the same call returns that call's ticket (created: false). */
  open(input: OpenTicketInput, actor: Actor, now: Date): Promise<{ ticket: TicketView; created: boolean }>;
  /** A ticket as its requester may see it; someone else's ticket is null, exactly like an unknown one. */
  forRequester(protocol: string, userCode: string): Promise<TicketView | null>;
  /** For technicians: filter and page, newest first. */
  list(filter: TicketFilter): Promise<{ tickets: TicketView[]; total: number }>;
  /** The ticket with its status history and its attachments (without their bytes). */
  get(protocol: string): Promise<TicketDetail | null>;
  /** Moves a ticket along TRANSITIONS and records the move, with its note, in the history. */
  changeStatus(protocol: string, change: StatusChange, actor: Actor, now: Date): Promise<TicketDetail>;
  /** Stores a file with the ticket (a voice recording, a screenshot). */
  attach(protocol: string, file: AttachmentFile, actor: Actor, now: Date): Promise<TicketAttachment>;
  /** One attachment with its bytes; null when the ticket or the attachment is unknown. */
  readAttachment(protocol: string, attachmentId: string): Promise<{ attachment: TicketAttachment; data: Uint8Array } | null>;
  /** Stops what the backend runs in the background (an outbox worker); the store calls it on close. */
  close?(): Promise<void>;
}
