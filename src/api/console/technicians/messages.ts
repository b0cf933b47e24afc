import { z } from "zod";
import {
  IDENTIFICATION_METHODS,
  TICKET_PRIORITIES,
  TICKET_SORTS,
  TICKET_STATUSES,
  ticketDetailSchema,
  ticketHistoryEntrySchema,
  ticketPriority,
  ticketStatus,
  ticketViewSchema,
} from "../../../domain/index.js";

/**
 * The technicians' console on the wire: the queue, a ticket with its call, work on it, and the
 * live socket's messages (/ws/console/). The zod schemas validate requests and document the
 * routes; the page imports the types only.
 */

/** `active` is the queue's default: what is still being worked on (open, in progress, waiting). */
export const QUEUE_STATUSES = ["active", ...TICKET_STATUSES] as const;

export const queueQuery = z.object({
  status: z.enum(QUEUE_STATUSES).default("active"),
  /** A catalogue node: a menu stands for every option under it. */
  serviceId: z.coerce.number().int().positive().optional(),
  department: z.string().trim().min(1).max(200).optional(),
  /** Only tickets opened at least this long ago. */
  olderThanMinutes: z.coerce.number().int().min(1).max(525_600).optional(),
  /** `mine`: taken by the signed-in account; `nobody`: not taken yet. */
  assignee: z.enum(["mine", "nobody"]).optional(),
  sort: z.enum(TICKET_SORTS).default("oldest"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type QueueQuery = z.input<typeof queueQuery>;

const counts = z.object({
  byStatus: z.object(Object.fromEntries(TICKET_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof TICKET_STATUSES)[number], z.ZodNumber>),
  byPriority: z.object(Object.fromEntries(TICKET_PRIORITIES.map((p) => [p, z.number().int()])) as Record<(typeof TICKET_PRIORITIES)[number], z.ZodNumber>),
});

/** What the queue's filters offer: the catalogue's options with their paths, and the departments. */
export const queueOptions = z.object({
  services: z.array(z.object({ id: z.number().int(), path: z.string(), leaf: z.boolean() })),
  departments: z.array(z.string()),
});
export type QueueOptions = z.infer<typeof queueOptions>;

export const queueResponse = z.object({
  tickets: z.array(ticketViewSchema),
  total: z.number().int(),
  /** Null when the backend cannot count (GLPI): the page shows the total only. */
  counts: counts.nullable(),
  /** Tickets still being worked on whose caller asked to be called back (builtin tickets). */
  /** Null with GLPI: whether a ticket is still being worked on is known there, not here (each ticket carries its `callback`). */
  callbacksPending: z.number().int().nullable(),
  /** False with GLPI: work happens there (each ticket carries its `link`). */
  workHere: z.boolean(),
});
export type QueueResponse = z.infer<typeof queueResponse>;

export const callFacts = z.object({
  callId: z.string(),
  startedAt: z.string(),
  callerNumber: z.string().nullable(),
  identifiedBy: z.enum(IDENTIFICATION_METHODS).nullable(),
  outcome: z.string(),
  durationMs: z.number().int(),
});

export const ticketPage = ticketDetailSchema.extend({
  /** The requester as our directory knows them (null: not in it, e.g. a GLPI-only requester). */
  requester: z.object({ code: z.string(), name: z.string(), department: z.string().nullable(), extensions: z.array(z.string()) }).nullable(),
  /** The call that opened the ticket, while its record is kept (RETENTION_CALL_DAYS). */
  call: callFacts.nullable(),
  workHere: z.boolean(),
  /** `actorName`: the console account's display name; null for a token, the CLI or the system (the page labels `actor`). */
  history: z.array(ticketHistoryEntrySchema.extend({ actorName: z.string().nullable() })),
});
export type TicketPage = z.infer<typeof ticketPage>;

/**
 * Work from the console: `take` gives the ticket to the signed-in account, `assignTo` to another
 * active account (by username), `release` gives it back; priority, status and a note as the
 * port's TicketWork.
 */
export const workRequest = z
  .object({
    take: z.boolean().optional(),
    assignTo: z.string().trim().min(1).max(100).optional(),
    release: z.boolean().optional(),
    priority: ticketPriority.optional(),
    status: ticketStatus.optional(),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();
export type WorkRequest = z.infer<typeof workRequest>;

/** Who a ticket can be given to: the active console accounts. */
export const assignableAccounts = z.object({
  technicians: z.array(z.object({ username: z.string(), name: z.string(), extension: z.string().nullable() })),
});

/** A ticket opened from the console (the screen-pop's button): the caller's call id links them. */
export const consoleOpenTicket = z.object({
  userCode: z.string().regex(/^[0-9]{1,12}$/, "1 to 12 digits"),
  serviceId: z.number().int().positive(),
  description: z.string().trim().max(4000).optional(),
  callId: z.string().min(1).max(64).regex(/^[\w.\-:]+$/).optional(),
});

// ── the live socket (/ws/console/) ───────────────────────────────────────────────────────────

/** The incoming-call card: who is calling, how we know, what they chose, their last tickets. */
export interface CallCard {
  callId: string;
  at: string;
  callerNumber: string | null;
  user: { code: string; name: string; department: string | null } | null;
  identifiedBy: (typeof IDENTIFICATION_METHODS)[number] | null;
  service: { id: number; path: string } | null;
  lastTickets: Array<{ protocol: string; status: string; service: string; createdAt: string }>;
  /** waiting: in the queue (no AMI: every technician sees it) · ringing: this desk's phone rings · answered: picked up here. */
  state: "waiting" | "ringing" | "answered";
}

export type ConsoleMessage =
  | { type: "hello"; account: { username: string; name: string; extension: string | null }; cards: CallCard[]; ami: boolean }
  | { type: "ticket_opened"; ticket: z.infer<typeof ticketViewSchema> }
  | { type: "ticket_changed"; ticket: z.infer<typeof ticketViewSchema> }
  | { type: "call_card"; card: CallCard }
  | { type: "call_card_gone"; callId: string };

export const CONSOLE_SOCKET_PATH = "/ws/console/";
