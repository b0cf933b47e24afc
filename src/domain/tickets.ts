import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import { serviceIndex, serviceInfo, type ServiceInfo } from "./catalogue.js";
import { isUniqueViolation, forUpdate, type Db, type Queryable } from "./db.js";
import { ConflictError, DomainValidationError, NotFoundError } from "./errors.js";
import { findUserByCode, parseInput } from "./users.js";
import { formatLocal, fromDbTime, localParts, toDbTime } from "./time.js";

export const TICKET_STATUSES = ["open", "in_progress", "waiting", "resolved", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketSource = "phone" | "web" | "api";

/**
 * The lifecycle: open → in progress → waiting → resolved → closed, with the moves a help desk
 * really makes (waiting ↔ in progress, a resolved ticket reopened). Closed is final.
 */
export const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ["in_progress", "waiting", "resolved", "closed"],
  in_progress: ["waiting", "resolved", "closed"],
  waiting: ["in_progress", "resolved", "closed"],
  resolved: ["closed", "in_progress"],
  closed: [],
};

export interface TicketView {
  protocol: string;
  status: TicketStatus;
  service: { id: number; label: string; path: string };
  requester: { code: string; name: string };
  description: string | null;
  source: TicketSource;
  createdAt: string;
  updatedAt: string;
  updatedAtLocal: string;
}

export interface TicketHistoryEntry {
  from: TicketStatus | null;
  to: TicketStatus;
  note: string | null;
  actor: string;
  at: string;
  atLocal: string;
}

export interface TicketOptions {
  /** SITE_CODE: 1–3 digits, zero-padded to 3 inside the protocol. */
  siteCode: string;
  timeZone: string;
}

interface TicketRow {
  id: number;
  protocol: string;
  requester_id: number;
  service_id: number;
  description: string | null;
  status: TicketStatus;
  source: TicketSource;
  call_id: string | null;
  created_at: string;
  updated_at: string;
  user_code: string;
  user_name: string;
}

const SELECT_TICKET =
  "SELECT t.*, u.code AS user_code, u.name AS user_name FROM tickets t JOIN users u ON u.id = t.requester_id";

async function view(q: Queryable, row: TicketRow, timeZone: string, index?: (id: number) => ServiceInfo | null): Promise<TicketView> {
  const service = index ? index(Number(row.service_id)) : await serviceInfo(q, Number(row.service_id));
  const updated = fromDbTime(row.updated_at);
  return {
    protocol: row.protocol,
    status: row.status,
    service: { id: Number(row.service_id), label: service?.label ?? "?", path: service?.path ?? "?" },
    requester: { code: row.user_code, name: row.user_name },
    description: row.description,
    source: row.source,
    createdAt: fromDbTime(row.created_at).toISOString(),
    updatedAt: updated.toISOString(),
    updatedAtLocal: formatLocal(updated, timeZone),
  };
}

/**
 * Takes the next protocol number of this site and year. The counter row is locked (MySQL) or the
 * database is (SQLite) until the ticket's transaction ends, so no two tickets share a number.
 */
async function nextProtocol(q: Queryable, siteCode: string, now: Date, timeZone: string): Promise<string> {
  const year = localParts(now, timeZone).year;
  const site = siteCode.padStart(3, "0");
  let value: number;
  if (q.dialect === "sqlite") {
    const row = await q.get<{ last_value: number }>(
      "INSERT INTO protocol_counters (site, year, last_value) VALUES (?, ?, 1) ON CONFLICT (site, year) DO UPDATE SET last_value = last_value + 1 RETURNING last_value",
      [site, year],
    );
    value = Number(row!.last_value);
  } else {
    // LAST_INSERT_ID(expr) hands the new value back with the write itself: one round trip less
    // while the counter row is locked (the lock is what serialises every ticket of the site).
    const r = await q.run(
      "INSERT INTO protocol_counters (site, year, last_value) VALUES (?, ?, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE last_value = LAST_INSERT_ID(last_value + 1)",
      [site, year],
    );
    value = r.insertId;
  }
  return `${year}${site}${String(value).padStart(5, "0")}`;
}

export const openTicketSchema = z.object({
  userCode: z.string().regex(/^[0-9]{1,12}$/, "1 to 12 digits"),
  serviceId: z.number().int().positive(),
  description: z.string().max(4000).nullable().optional(),
  source: z.enum(["phone", "web", "api"]).default("api"),
  callId: z.string().min(1).max(64).nullable().optional(),
});
export type OpenTicketInput = z.input<typeof openTicketSchema>;

async function byCallId(q: Queryable, callId: string): Promise<TicketRow | undefined> {
  return q.get<TicketRow>(`${SELECT_TICKET} WHERE t.call_id = ?`, [callId]);
}

function sameRequester(row: TicketRow, userCode: string): TicketRow {
  if (row.user_code !== userCode) {
    throw new ConflictError("call_conflict", "this call id already opened a ticket for another user", "callId");
  }
  return row;
}

/** Opens a ticket; with a call id already used, returns that call's ticket (`created: false`). */
export async function openTicket(
  db: Db,
  raw: OpenTicketInput,
  actor: Actor,
  now: Date,
  options: TicketOptions,
): Promise<{ ticket: TicketView; created: boolean }> {
  const input = parseInput(openTicketSchema, raw);
  const callId = input.callId ?? null;
  try {
    // The transaction only writes; the answer is read after the commit, so the protocol counter's
    // row lock (MySQL) is held for as few round trips as possible.
    const done = await db.transaction(async (tx): Promise<{ row: TicketRow; created: false } | { id: number; created: true }> => {
      if (callId !== null) {
        const existing = await byCallId(tx, callId);
        if (existing) return { row: sameRequester(existing, input.userCode), created: false };
      }
      const user = await findUserByCode(tx, input.userCode);
      if (!user || !user.active) throw new NotFoundError("unknown_user", `no active user with code ${input.userCode}`);
      const service = await serviceInfo(tx, input.serviceId);
      if (!service || !service.active) throw new NotFoundError("unknown_service", `no service ${input.serviceId}`);
      if (!service.leaf) throw new DomainValidationError("serviceId", `service ${input.serviceId} is a menu: choose one of its options`);
      const protocol = await nextProtocol(tx, options.siteCode, now, options.timeZone);
      const at = toDbTime(now);
      const description = input.description?.trim() ? input.description.trim() : null;
      const r = await tx.run(
        "INSERT INTO tickets (protocol, requester_id, service_id, description, status, source, call_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?)",
        [protocol, user.id, service.id, description, input.source, callId, at, at],
      );
      await tx.run("INSERT INTO ticket_history (ticket_id, from_status, to_status, note, actor, at) VALUES (?, NULL, 'open', NULL, ?, ?)", [
        r.insertId,
        actor.client,
        at,
      ]);
      await writeAudit(tx, actor, now, {
        action: "ticket.open",
        entity: "ticket",
        entityId: protocol,
        details: { requester: user.code, serviceId: service.id, source: input.source, callId },
      });
      return { id: r.insertId, created: true };
    });
    const row = done.created ? (await db.get<TicketRow>(`${SELECT_TICKET} WHERE t.id = ?`, [done.id]))! : done.row;
    return { ticket: await view(db, row, options.timeZone), created: done.created };
  } catch (err) {
    // Another request for the same call won the race: answer with its ticket.
    if (callId !== null && isUniqueViolation(err)) {
      const existing = await byCallId(db, callId);
      if (existing) return { ticket: await view(db, sameRequester(existing, input.userCode), options.timeZone), created: false };
    }
    throw err;
  }
}

/**
 * A ticket as its requester may see it. Someone else's ticket is `null`, exactly like an unknown
 * one, so the API cannot be used to probe which protocol numbers exist.
 */
export async function ticketForRequester(q: Queryable, protocol: string, userCode: string, timeZone: string): Promise<TicketView | null> {
  const row = await q.get<TicketRow>(`${SELECT_TICKET} WHERE t.protocol = ? AND u.code = ?`, [protocol, userCode]);
  return row ? view(q, row, timeZone) : null;
}

export async function ticketWithHistory(
  q: Queryable,
  protocol: string,
  timeZone: string,
): Promise<{ ticket: TicketView; history: TicketHistoryEntry[] } | null> {
  const row = await q.get<TicketRow>(`${SELECT_TICKET} WHERE t.protocol = ?`, [protocol]);
  if (!row) return null;
  const history = await q.all<{ from_status: TicketStatus | null; to_status: TicketStatus; note: string | null; actor: string; at: string }>(
    "SELECT from_status, to_status, note, actor, at FROM ticket_history WHERE ticket_id = ? ORDER BY id",
    [row.id],
  );
  return {
    ticket: await view(q, row, timeZone),
    history: history.map((h) => ({
      from: h.from_status,
      to: h.to_status,
      note: h.note,
      actor: h.actor,
      at: fromDbTime(h.at).toISOString(),
      atLocal: formatLocal(fromDbTime(h.at), timeZone),
    })),
  };
}

export async function listTickets(
  q: Queryable,
  filter: { status?: TicketStatus; userCode?: string; limit: number; offset: number },
  timeZone: string,
): Promise<{ tickets: TicketView[]; total: number }> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.status) {
    where.push("t.status = ?");
    params.push(filter.status);
  }
  if (filter.userCode) {
    where.push("u.code = ?");
    params.push(filter.userCode);
  }
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const total = await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM tickets t JOIN users u ON u.id = t.requester_id ${clause}`, params);
  const rows = await q.all<TicketRow>(`${SELECT_TICKET} ${clause} ORDER BY t.id DESC LIMIT ? OFFSET ?`, [...params, filter.limit, filter.offset]);
  const index = await serviceIndex(q); // one catalogue read for the whole page
  const tickets: TicketView[] = [];
  for (const row of rows) tickets.push(await view(q, row, timeZone, index));
  return { tickets, total: Number(total?.n ?? 0) };
}

export const statusChangeSchema = z.object({
  status: z.enum(TICKET_STATUSES),
  note: z.string().trim().max(2000).nullable().optional(),
});

/** Moves a ticket along its lifecycle and records the change in its history. */
export async function changeTicketStatus(
  db: Db,
  protocol: string,
  raw: z.input<typeof statusChangeSchema>,
  actor: Actor,
  now: Date,
  timeZone: string,
): Promise<{ ticket: TicketView; history: TicketHistoryEntry[] }> {
  const input = parseInput(statusChangeSchema, raw);
  await db.transaction(async (tx) => {
    const row = await tx.get<{ id: number; status: TicketStatus }>(`SELECT id, status FROM tickets WHERE protocol = ?${forUpdate(tx)}`, [protocol]);
    if (!row) throw new NotFoundError("not_found", `no ticket ${protocol}`);
    if (!TRANSITIONS[row.status].includes(input.status)) {
      throw new ConflictError("invalid_transition", `a ticket cannot go from ${row.status} to ${input.status}`, "status");
    }
    const at = toDbTime(now);
    await tx.run("UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", [input.status, at, row.id]);
    await tx.run("INSERT INTO ticket_history (ticket_id, from_status, to_status, note, actor, at) VALUES (?, ?, ?, ?, ?, ?)", [
      row.id,
      row.status,
      input.status,
      input.note ?? null,
      actor.client,
      at,
    ]);
    await writeAudit(tx, actor, now, {
      action: "ticket.status",
      entity: "ticket",
      entityId: protocol,
      details: { from: row.status, to: input.status, note: input.note ?? null },
    });
  });
  return (await ticketWithHistory(db, protocol, timeZone))!;
}
