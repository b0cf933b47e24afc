import { fromDbTime, toDbTime, type Queryable } from "../domain/index.js";

/** One row of `glpi_tickets` (migration 020): the local ledger entry and outbox state of a ticket. */
export interface OutboxTicket {
  id: number;
  marker: string;
  callId: string | null;
  requesterCode: string;
  requesterName: string;
  serviceId: number;
  serviceLabel: string;
  servicePath: string;
  description: string | null;
  source: "phone" | "web" | "api";
  payload: Record<string, unknown>;
  notice: NoticeFacts;
  glpiId: number | null;
  state: "pending" | "created";
  uncertain: boolean;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

/** What the IT team's notice says about a ticket, besides its protocol and link. */
export interface NoticeFacts {
  department: string | null;
  callerNumber: string | null;
}

export interface OutboxAttachment {
  id: number;
  ticketId: number;
  marker: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  actor: string;
  documentId: number | null;
  state: "pending" | "sent";
  uncertain: boolean;
  attempts: number;
  createdAt: Date;
}

/** A status change made through the port (glpi_ticket_events). */
export interface OutboxEvent {
  from: string | null;
  to: string;
  note: string | null;
  actor: string;
  at: Date;
}

interface TicketRow {
  id: number;
  marker: string;
  call_id: string | null;
  requester_code: string;
  requester_name: string;
  service_id: number;
  service_label: string;
  service_path: string;
  description: string | null;
  source: "phone" | "web" | "api";
  payload: string;
  notice: string;
  glpi_id: number | null;
  state: "pending" | "created";
  uncertain: number;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

interface AttachmentRow {
  id: number;
  ticket_id: number;
  marker: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  actor: string;
  document_id: number | null;
  state: "pending" | "sent";
  uncertain: number;
  attempts: number;
  created_at: string;
}

/** Every attachment column but the bytes, which only `attachmentData` reads. */
const ATTACHMENT_COLUMNS =
  "id, ticket_id, marker, name, content_type, size, sha256, actor, document_id, state, uncertain, attempts, created_at";

function toTicket(r: TicketRow): OutboxTicket {
  return {
    id: Number(r.id),
    marker: r.marker,
    callId: r.call_id,
    requesterCode: r.requester_code,
    requesterName: r.requester_name,
    serviceId: Number(r.service_id),
    serviceLabel: r.service_label,
    servicePath: r.service_path,
    description: r.description,
    source: r.source,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    notice: JSON.parse(r.notice) as NoticeFacts,
    glpiId: r.glpi_id === null ? null : Number(r.glpi_id),
    state: r.state,
    uncertain: Number(r.uncertain) === 1,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    nextAttemptAt: fromDbTime(r.next_attempt_at),
    createdAt: fromDbTime(r.created_at),
    updatedAt: fromDbTime(r.updated_at),
    sentAt: r.sent_at === null ? null : fromDbTime(r.sent_at),
  };
}

function toAttachment(r: AttachmentRow): OutboxAttachment {
  return {
    id: Number(r.id),
    ticketId: Number(r.ticket_id),
    marker: r.marker,
    name: r.name,
    contentType: r.content_type,
    size: Number(r.size),
    sha256: r.sha256,
    actor: r.actor,
    documentId: r.document_id === null ? null : Number(r.document_id),
    state: r.state,
    uncertain: Number(r.uncertain) === 1,
    attempts: Number(r.attempts),
    createdAt: fromDbTime(r.created_at),
  };
}

export interface NewOutboxTicket {
  marker: string;
  callId: string | null;
  requesterCode: string;
  requesterName: string;
  serviceId: number;
  serviceLabel: string;
  servicePath: string;
  description: string | null;
  source: "phone" | "web" | "api";
  payload: Record<string, unknown>;
  notice: NoticeFacts;
}

/** A claim on a row: who sends it, until when (then another process may take it over). */
export interface Lease {
  owner: string;
  until: Date;
}

/**
 * The SQL of the outbox, on either database. A row is sent by whoever holds its lease: the request
 * that opened it, or a worker once that lease ran out, so two processes never send one ticket at
 * the same time. `attempts` counts attempts started. `uncertain` says GLPI may hold the ticket
 * already (an earlier attempt's outcome is unknown), so the next attempt searches before creating;
 * an attempt that ends records it, and taking over a lease that ran out (its holder died
 * mid-attempt) sets it.
 */
/**
 * The first assignment of a claim: a lease still set means its holder died mid-attempt. It comes
 * first because MySQL evaluates SET assignments left to right with the new values.
 */
const CRASHED_ATTEMPT = "uncertain = CASE WHEN lease_until IS NOT NULL THEN 1 ELSE uncertain END";

export const outbox = {
  /** Inserts a ticket leased to `lease` for its first attempt; throws a unique violation when the call already has one. */
  async insert(q: Queryable, t: NewOutboxTicket, lease: Lease, now: Date): Promise<number> {
    const at = toDbTime(now);
    const r = await q.run(
      `INSERT INTO glpi_tickets (marker, call_id, requester_code, requester_name, service_id, service_label, service_path, description, source,
         payload, notice, state, uncertain, attempts, next_attempt_at, lease_owner, lease_until, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, 1, ?, ?, ?, ?, ?)`,
      [
        t.marker,
        t.callId,
        t.requesterCode,
        t.requesterName,
        t.serviceId,
        t.serviceLabel,
        t.servicePath,
        t.description,
        t.source,
        JSON.stringify(t.payload),
        JSON.stringify(t.notice),
        at,
        lease.owner,
        toDbTime(lease.until),
        at,
        at,
      ],
    );
    return r.insertId;
  },

  async byId(q: Queryable, id: number): Promise<OutboxTicket | null> {
    const r = await q.get<TicketRow>("SELECT * FROM glpi_tickets WHERE id = ?", [id]);
    return r ? toTicket(r) : null;
  },

  async byCallId(q: Queryable, callId: string): Promise<OutboxTicket | null> {
    const r = await q.get<TicketRow>("SELECT * FROM glpi_tickets WHERE call_id = ?", [callId]);
    return r ? toTicket(r) : null;
  },

  async byGlpiId(q: Queryable, glpiId: number): Promise<OutboxTicket | null> {
    const r = await q.get<TicketRow>("SELECT * FROM glpi_tickets WHERE glpi_id = ?", [glpiId]);
    return r ? toTicket(r) : null;
  },

  async byGlpiIds(q: Queryable, ids: number[]): Promise<Map<number, OutboxTicket>> {
    const out = new Map<number, OutboxTicket>();
    if (ids.length === 0) return out;
    const rows = await q.all<TicketRow>(`SELECT * FROM glpi_tickets WHERE glpi_id IN (${ids.map(() => "?").join(", ")})`, ids);
    for (const r of rows) out.set(Number(r.glpi_id), toTicket(r));
    return out;
  },

  /** Tickets still waiting for GLPI (oldest first unless `newestFirst`), narrowed as the list's query says (list-query.ts). */
  async pending(
    q: Queryable,
    filter: { requesterCodes?: string[]; serviceIds?: number[]; createdSince?: Date; createdBefore?: Date; newestFirst?: boolean; limit: number; offset: number },
  ): Promise<{ rows: OutboxTicket[]; total: number }> {
    const conditions = ["state = 'pending'"];
    const params: (string | number)[] = [];
    const oneOf = (column: string, values: ReadonlyArray<string | number>) => {
      // An empty list matches nothing, not everything.
      conditions.push(values.length === 0 ? "1 = 0" : `${column} IN (${values.map(() => "?").join(", ")})`);
      params.push(...values);
    };
    if (filter.requesterCodes !== undefined) oneOf("requester_code", filter.requesterCodes);
    if (filter.serviceIds !== undefined) oneOf("service_id", filter.serviceIds);
    if (filter.createdSince) {
      conditions.push("created_at >= ?");
      params.push(toDbTime(filter.createdSince));
    }
    if (filter.createdBefore) {
      conditions.push("created_at < ?");
      params.push(toDbTime(filter.createdBefore));
    }
    const where = conditions.join(" AND ");
    const total = await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM glpi_tickets WHERE ${where}`, params);
    const rows = await q.all<TicketRow>(`SELECT * FROM glpi_tickets WHERE ${where} ORDER BY id ${filter.newestFirst ? "DESC" : "ASC"} LIMIT ? OFFSET ?`, [
      ...params,
      filter.limit,
      filter.offset,
    ]);
    return { rows: rows.map(toTicket), total: Number(total?.n ?? 0) };
  },

  /** Ids of pending tickets due now and not leased by anyone. */
  async due(q: Queryable, now: Date, limit: number): Promise<number[]> {
    const at = toDbTime(now);
    const rows = await q.all<{ id: number }>(
      "SELECT id FROM glpi_tickets WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?",
      [at, at, limit],
    );
    return rows.map((r) => Number(r.id));
  },

  /** Takes the row for one attempt; false when it is created already or someone else holds it. */
  async claim(q: Queryable, id: number, lease: Lease, now: Date): Promise<boolean> {
    const at = toDbTime(now);
    const r = await q.run(
      `UPDATE glpi_tickets SET ${CRASHED_ATTEMPT}, lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)`,
      [lease.owner, toDbTime(lease.until), at, id, at],
    );
    return r.changes === 1;
  },

  /** Records GLPI's id; true for the one caller that made the change (who then sends the notice). */
  async created(q: Queryable, id: number, glpiId: number, now: Date): Promise<boolean> {
    const at = toDbTime(now);
    const r = await q.run(
      "UPDATE glpi_tickets SET state = 'created', glpi_id = ?, uncertain = 0, last_error = NULL, lease_owner = NULL, lease_until = NULL, sent_at = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
      [glpiId, at, at, id],
    );
    return r.changes === 1;
  },

  /** An attempt failed: when to try again, and whether GLPI may have created it anyway. */
  async failed(q: Queryable, id: number, result: { uncertain: boolean; error: string; nextAttemptAt: Date }, now: Date): Promise<void> {
    await q.run(
      "UPDATE glpi_tickets SET uncertain = ?, last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'pending'",
      [result.uncertain ? 1 : 0, result.error.slice(0, 500), toDbTime(result.nextAttemptAt), toDbTime(now), id],
    );
  },

  /** Counts for `ura doctor` and the health line: waiting tickets and the oldest one. */
  async backlog(q: Queryable): Promise<{ pending: number; oldest: Date | null; attachments: number }> {
    const t = await q.get<{ n: number; oldest: string | null }>("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM glpi_tickets WHERE state = 'pending'");
    const a = await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM glpi_attachments WHERE state = 'pending'");
    return { pending: Number(t?.n ?? 0), oldest: t?.oldest ? fromDbTime(t.oldest) : null, attachments: Number(a?.n ?? 0) };
  },

  // ── attachments ─────────────────────────────────────────────────────────────

  async insertAttachment(
    q: Queryable,
    a: { ticketId: number; marker: string; name: string; contentType: string; sha256: string; actor: string; data: Uint8Array },
    lease: Lease,
    now: Date,
  ): Promise<number> {
    const at = toDbTime(now);
    const r = await q.run(
      `INSERT INTO glpi_attachments (ticket_id, marker, name, content_type, size, sha256, actor, state, uncertain, attempts, next_attempt_at, lease_owner, lease_until, created_at, updated_at, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, 1, ?, ?, ?, ?, ?, ?)`,
      [a.ticketId, a.marker, a.name, a.contentType, a.data.byteLength, a.sha256, a.actor, at, lease.owner, toDbTime(lease.until), at, at, a.data],
    );
    return r.insertId;
  },

  async attachment(q: Queryable, id: number): Promise<OutboxAttachment | null> {
    const r = await q.get<AttachmentRow>(`SELECT ${ATTACHMENT_COLUMNS} FROM glpi_attachments WHERE id = ?`, [id]);
    return r ? toAttachment(r) : null;
  },

  async attachments(q: Queryable, ticketId: number): Promise<OutboxAttachment[]> {
    const rows = await q.all<AttachmentRow>(`SELECT ${ATTACHMENT_COLUMNS} FROM glpi_attachments WHERE ticket_id = ? ORDER BY id`, [ticketId]);
    return rows.map(toAttachment);
  },

  /** The bytes of one attachment of one ticket, or null. */
  async attachmentData(q: Queryable, ticketId: number, id: number): Promise<{ attachment: OutboxAttachment; data: Uint8Array } | null> {
    const r = await q.get<AttachmentRow & { data: Uint8Array }>(`SELECT ${ATTACHMENT_COLUMNS}, data FROM glpi_attachments WHERE id = ? AND ticket_id = ?`, [id, ticketId]);
    return r ? { attachment: toAttachment(r), data: r.data } : null;
  },

  /** Pending attachments of created tickets, due and not leased. */
  async dueAttachments(q: Queryable, now: Date, limit: number): Promise<number[]> {
    const at = toDbTime(now);
    const rows = await q.all<{ id: number }>(
      `SELECT a.id FROM glpi_attachments a JOIN glpi_tickets t ON t.id = a.ticket_id
       WHERE a.state = 'pending' AND t.state = 'created' AND a.next_attempt_at <= ? AND (a.lease_until IS NULL OR a.lease_until < ?) ORDER BY a.id LIMIT ?`,
      [at, at, limit],
    );
    return rows.map((r) => Number(r.id));
  },

  async claimAttachment(q: Queryable, id: number, lease: Lease, now: Date): Promise<boolean> {
    const at = toDbTime(now);
    const r = await q.run(
      `UPDATE glpi_attachments SET ${CRASHED_ATTEMPT}, lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)`,
      [lease.owner, toDbTime(lease.until), at, id, at],
    );
    return r.changes === 1;
  },

  async attachmentSent(q: Queryable, id: number, documentId: number, now: Date): Promise<void> {
    await q.run(
      "UPDATE glpi_attachments SET state = 'sent', document_id = ?, uncertain = 0, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'pending'",
      [documentId, toDbTime(now), id],
    );
  },

  async attachmentFailed(q: Queryable, id: number, result: { uncertain: boolean; error: string; nextAttemptAt: Date }, now: Date): Promise<void> {
    await q.run(
      "UPDATE glpi_attachments SET uncertain = ?, last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'pending'",
      [result.uncertain ? 1 : 0, result.error.slice(0, 500), toDbTime(result.nextAttemptAt), toDbTime(now), id],
    );
  },

  // ── status changes made through the port ────────────────────────────────────

  async addEvent(q: Queryable, ticketId: number, e: OutboxEvent): Promise<void> {
    await q.run("INSERT INTO glpi_ticket_events (ticket_id, from_status, to_status, note, actor, at) VALUES (?, ?, ?, ?, ?, ?)", [
      ticketId,
      e.from,
      e.to,
      e.note,
      e.actor,
      toDbTime(e.at),
    ]);
  },

  async events(q: Queryable, ticketId: number): Promise<OutboxEvent[]> {
    const rows = await q.all<{ from_status: string | null; to_status: string; note: string | null; actor: string; at: string }>(
      "SELECT from_status, to_status, note, actor, at FROM glpi_ticket_events WHERE ticket_id = ? ORDER BY id",
      [ticketId],
    );
    return rows.map((r) => ({ from: r.from_status, to: r.to_status, note: r.note, actor: r.actor, at: fromDbTime(r.at) }));
  },
};
