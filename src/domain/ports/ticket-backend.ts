import { z } from "zod";
import type { Actor } from "../audit.js";
import { callbackSchema } from "../callbacks.js";
import { identificationMethod } from "../calls.js";
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

/**
 * What a phone call knows besides who and which service, for the technician (GLPI's content) and
 * the IT team's notice: the number called from, and how the caller was identified.
 */
export const callFactsSchema = z.object({
  callerNumber: z.string().trim().max(40).nullable().optional(),
  /** How the caller proved who they are (the call record's vocabulary: caller-id, code, each +otp). */
  identifiedBy: identificationMethod.nullable().optional(),
});
export type CallFacts = z.infer<typeof callFactsSchema>;

/** What opens a ticket. */
export const openTicketSchema = z.object({
  userCode,
  /** A leaf of the catalogue. */
  serviceId: z.number().int().positive(),
  description: z.string().max(4000).nullable().optional(),
  source: ticketSource.default("api"),
  /** The originating call: opening twice for one call returns the same ticket. */
  callId: callId.nullable().optional(),
  /** The call's facts, when a call opens it (the builtin backend keeps none of them). */
  call: callFactsSchema.nullable().optional(),
});
export type OpenTicketInput = z.input<typeof openTicketSchema>;

/** How urgent a ticket is: seed 004's four words (the wallboard shows them as they are). */
export const TICKET_PRIORITIES = ["critical", "high", "medium", "low"] as const;
export const ticketPriority = z.enum(TICKET_PRIORITIES);
export type TicketPriority = z.infer<typeof ticketPriority>;

/** Who works on a ticket: a console account, by its username, and the name people see. */
export const assigneeSchema = z.object({ username: z.string().trim().min(1).max(100), name: z.string().trim().min(1).max(200) });
export type Assignee = z.infer<typeof assigneeSchema>;

/**
 * A technician's work on a ticket, in one step: take or assign it (`assignee`; null gives it back),
 * set its priority, move its status, and say why (`note`). Absent fields do not change; a note
 * alone is a note in the history. At least one field must be given.
 */
export const ticketWorkSchema = z
  .object({
    assignee: assigneeSchema.nullable().optional(),
    priority: ticketPriority.optional(),
    status: ticketStatus.optional(),
    note: z.string().trim().max(2000).nullable().optional(),
  })
  .refine((w) => w.assignee !== undefined || w.priority !== undefined || w.status !== undefined || (w.note ?? "") !== "", {
    message: "say what changes: assignee, priority, status or note",
    path: ["note"],
  });
export type TicketWork = z.input<typeof ticketWorkSchema>;

export const statusChangeSchema = z.object({
  status: ticketStatus,
  note: z.string().trim().max(2000).nullable().optional(),
});
export type StatusChange = z.input<typeof statusChangeSchema>;

/** The technicians' queue orders: newest first (the default), oldest first, or most urgent first (then oldest). */
export const TICKET_SORTS = ["newest", "oldest", "priority"] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

export interface TicketFilter {
  status?: TicketStatus;
  /** Any of these statuses (the queue's "still being worked on": open, in_progress, waiting). */
  statuses?: readonly TicketStatus[];
  userCode?: string;
  /** Leaves of the catalogue (a menu stands for the leaves under it: the caller resolves that). */
  serviceIds?: readonly number[];
  /** The requester's department, exactly. */
  department?: string;
  /** Opened before this instant (the queue's "older than"). */
  createdBefore?: Date;
  /** Opened at or after this instant (the wallboard's "today", from midnight). */
  createdSince?: Date;
  /** A console account's username; null: nobody has it. */
  assignee?: string | null;
  sort?: TicketSort;
  limit: number;
  offset: number;
}

/** The statuses a filter asks for (`statuses` wins over `status`); empty: any status. */
export function filterStatuses(filter: Pick<TicketFilter, "status" | "statuses">): readonly TicketStatus[] {
  return filter.statuses ?? (filter.status ? [filter.status] : []);
}

/** How many tickets match a filter, by status and by priority (status and priority filters left out, so the queue shows its tabs' counts). */
export interface TicketCounts {
  byStatus: Record<TicketStatus, number>;
  byPriority: Record<TicketPriority, number>;
}

/** How many tickets of a filter each service has: one entry per service with any (the wallboard's "today by service"). */
export interface ServiceCount {
  serviceId: number;
  count: number;
}

/**
 * Tickets opened since an instant, as the wallboard's KPIs read them: how many, how many are
 * resolved or closed now, and how long the first response took (the first move out of "open").
 */
export interface TicketResponseStats {
  opened: number;
  /** Resolved or closed now (a reopened ticket is not). */
  resolved: number;
  /** Moved out of "open" at least once. */
  responded: number;
  /** Mean milliseconds from opening to that first move, over `responded`; null when none. */
  meanFirstResponseMs: number | null;
}

export const ticketViewSchema = z.object({
  protocol,
  status: ticketStatus,
  service: z.object({ id: z.number().int(), label: z.string(), path: z.string() }),
  /** `department` where the backend knows it (the builtin does: the console filters and shows it). */
  requester: z.object({ code: userCode, name: z.string(), department: z.string().nullable().optional() }),
  description: z.string().nullable(),
  source: ticketSource,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** updatedAt in the site's timezone (URA_TIMEZONE), for people to read. */
  updatedAtLocal: z.string(),
  /** Set by technicians (builtin backend), or read back from a system of record such as GLPI; absent: not known yet. */
  priority: ticketPriority.optional(),
  assignee: assigneeSchema.nullable().optional(),
  /** The call that opened it (the IVR's call id), when one did. */
  callId: z.string().nullable().optional(),
  /** Where the ticket is worked on when that is another system (GLPI's page for it). */
  link: z.string().optional(),
  /** The caller asked to be called back, at this number (technicians' views; null: not asked). */
  callback: callbackSchema.nullable().optional(),
});
export type TicketView = z.infer<typeof ticketViewSchema>;

export const ticketHistoryEntrySchema = z.object({
  from: ticketStatus.nullable(),
  to: ticketStatus,
  note: z.string().nullable(),
  /** Present when this entry gave the ticket to someone (null: gave it back). */
  assignee: assigneeSchema.pick({ name: true }).nullable().optional(),
  /** Present when this entry set the priority. */
  priority: ticketPriority.optional(),
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
  /**
   * Idempotent by callId: a second open for the same call returns that call's ticket (created:
   * false). With `notAfter` (epoch ms, this host's clock) a new ticket is not committed past it:
   * DeadlinePassedError, and nothing is written.
   */
  open(input: OpenTicketInput, actor: Actor, now: Date, options?: { notAfter?: number }): Promise<{ ticket: TicketView; created: boolean }>;
  /** A ticket as its requester may see it; someone else's ticket is null, exactly like an unknown one. */
  forRequester(protocol: string, userCode: string): Promise<TicketView | null>;
  /** For technicians: filter and page, newest first. */
  list(filter: TicketFilter): Promise<{ tickets: TicketView[]; total: number }>;
  /** The ticket with its status history and its attachments (without their bytes). */
  get(protocol: string): Promise<TicketDetail | null>;
  /** Moves a ticket along TRANSITIONS and records the move, with its note, in the history. */
  changeStatus(protocol: string, change: StatusChange, actor: Actor, now: Date): Promise<TicketDetail>;
  /**
   * Technicians' work (take/assign, priority, status with a note) in one history entry. Absent when
   * the work happens in another system (GLPI): the console then links to the ticket there.
   */
  work?(protocol: string, work: TicketWork, actor: Actor, now: Date): Promise<TicketDetail>;
  /** The queue's counts for a filter (its status, priority, limit and offset ignored); absent: the console shows the total only. */
  counts?(filter: TicketFilter): Promise<TicketCounts>;
  /**
   * How many tickets match a filter, per service (its sort, limit and offset ignored): one grouped
   * count, no ticket read. Absent (GLPI): count a list of the tickets instead.
   */
  countByService?(filter: Omit<TicketFilter, "limit" | "offset" | "sort">): Promise<ServiceCount[]>;
  /**
   * Opened, resolved and first-response figures for the tickets opened since an instant, counted
   * by the database (one row, no ticket read). Absent (GLPI): the wallboard shows no figures.
   */
  responseStats?(since: Date): Promise<TicketResponseStats>;
  /** Stores a file with the ticket (a voice recording, a screenshot). */
  attach(protocol: string, file: AttachmentFile, actor: Actor, now: Date): Promise<TicketAttachment>;
  /** One attachment with its bytes; null when the ticket or the attachment is unknown. */
  readAttachment(protocol: string, attachmentId: string): Promise<{ attachment: TicketAttachment; data: Uint8Array } | null>;
  /** Stops what the backend runs in the background (an outbox worker); the store calls it on close. */
  close?(): Promise<void>;
}
