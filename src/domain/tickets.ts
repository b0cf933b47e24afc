import { createHash } from "node:crypto";
import { writeAudit, type Actor } from "./audit.js";
import { serviceIndex, serviceInfo, type ServiceInfo } from "./catalogue.js";
import { isUniqueViolation, forUpdate, type Db, type Queryable } from "./db.js";
import { checkNotAfter, ConflictError, DomainValidationError, NotFoundError } from "./errors.js";
import {
  attachmentFileSchema,
  filterStatuses,
  openTicketSchema,
  statusChangeSchema,
  ticketWorkSchema,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TRANSITIONS,
  type AttachmentFile,
  type OpenTicketInput,
  type StatusChange,
  type TicketAttachment,
  type TicketBackend,
  type ServiceCount,
  type TicketResponseStats,
  type TicketCounts,
  type TicketPriority,
  type TicketWork,
  type TicketDetail,
  type TicketFilter,
  type TicketSource,
  type TicketStatus,
  type TicketView,
} from "./ports/index.js";
import { formatProtocol, parseInput } from "./rules.js";
import { formatLocal, fromDbTime, toDbTime } from "./time.js";
import { findUserCoreByCode } from "./users.js";

export interface BuiltinTicketOptions {
  /** SITE_CODE: 1–3 digits, zero-padded to 3 inside the protocol. */
  siteCode: string;
  /** URA_TIMEZONE: the `…Local` instants. */
  timeZone: string;
  /**
   * Resolves services by id without reading the table each time (CatalogueRepository.recentIndex):
   * a new ticket's service check and every ticket's service path. Default: read them each time.
   */
  services?: (q: Queryable) => Promise<(id: number) => ServiceInfo | null>;
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
  priority: TicketPriority;
  assignee: string | null;
  assignee_name: string | null;
  user_code: string;
  user_name: string;
  user_department: string | null;
}

interface HistoryRow {
  from_status: TicketStatus | null;
  to_status: TicketStatus;
  note: string | null;
  assignee_changed: number;
  assignee_name: string | null;
  priority: TicketPriority | null;
  actor: string;
  at: string;
}

interface AttachmentRow {
  id: number;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  actor: string;
  created_at: string;
}

/** What a new ticket starts with (written, not left to the column's default, so the answer says what is stored). */
const NEW_TICKET_PRIORITY: TicketPriority = "medium";

const SELECT_TICKET =
  "SELECT t.*, u.code AS user_code, u.name AS user_name, u.department AS user_department FROM tickets t JOIN users u ON u.id = t.requester_id";
/** Everything but the bytes, which only readAttachment reads. */
const ATTACHMENT_COLUMNS = "a.id, a.name, a.content_type, a.size, a.sha256, a.actor, a.created_at";

/**
 * The builtin ticket backend: tickets, their history and attachments in this database's own
 * tables. Protocol numbers are the site code and a gap-free sequence per site that never restarts
 * (`formatProtocol`, `nextProtocol`).
 */
export class BuiltinTicketBackend implements TicketBackend {
  readonly kind = "builtin" as const;

  constructor(
    private readonly db: Db,
    private readonly options: BuiltinTicketOptions,
  ) {}

  async open(raw: OpenTicketInput, actor: Actor, now: Date, options: { notAfter?: number } = {}): Promise<{ ticket: TicketView; created: boolean }> {
    const input = parseInput(openTicketSchema, raw);
    const callId = input.callId ?? null;
    try {
      // The answer is built from what the transaction wrote and read, not read back after it:
      // a ticket and the whole catalogue less per call (issue 16). MySQL's counter row lock is
      // still held only from the protocol to the commit.
      const done = await this.db.transaction(async (tx): Promise<{ row: TicketRow; service?: ServiceInfo; created: boolean }> => {
        if (callId !== null) {
          const existing = await byCallId(tx, callId);
          if (existing) return { row: sameRequester(existing, input.userCode), created: false };
        }
        const user = await findUserCoreByCode(tx, input.userCode);
        if (!user || !user.active) throw new NotFoundError("unknown_user", `no active user with code ${input.userCode}`);
        const service = await this.service(tx, input.serviceId);
        if (!service || !service.active) throw new NotFoundError("unknown_service", `no service ${input.serviceId}`);
        if (!service.leaf) throw new DomainValidationError("serviceId", `service ${input.serviceId} is a menu: choose one of its options`);
        const protocol = await nextProtocol(tx, this.options.siteCode);
        const at = toDbTime(now);
        const description = input.description?.trim() ? input.description.trim() : null;
        const r = await tx.run(
          "INSERT INTO tickets (protocol, requester_id, service_id, description, status, source, call_id, created_at, updated_at, priority) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
          [protocol, user.id, service.id, description, input.source, callId, at, at, NEW_TICKET_PRIORITY],
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
        // The last thing before the commit: past the client's deadline (a stalled database) the
        // ticket is rolled back, since the caller was already told it could not be opened.
        checkNotAfter(options.notAfter, "open ticket");
        const row: TicketRow = {
          id: r.insertId,
          protocol,
          requester_id: user.id,
          service_id: service.id,
          description,
          status: "open",
          source: input.source,
          call_id: callId,
          created_at: at,
          updated_at: at,
          priority: NEW_TICKET_PRIORITY,
          assignee: null,
          assignee_name: null,
          user_code: user.code,
          user_name: user.name,
          user_department: user.department,
        };
        return { row, service, created: true };
      });
      const service = done.service;
      return { ticket: await this.view(this.db, done.row, service ? () => service : undefined), created: done.created };
    } catch (err) {
      // Another request for the same call won the race: answer with its ticket.
      if (callId !== null && isUniqueViolation(err)) {
        const existing = await byCallId(this.db, callId);
        if (existing) return { ticket: await this.view(this.db, sameRequester(existing, input.userCode)), created: false };
      }
      throw err;
    }
  }

  async forRequester(protocol: string, userCode: string): Promise<TicketView | null> {
    const row = await this.db.get<TicketRow>(`${SELECT_TICKET} WHERE t.protocol = ? AND u.code = ?`, [protocol, userCode]);
    return row ? this.view(this.db, row) : null;
  }

  async list(filter: TicketFilter): Promise<{ tickets: TicketView[]; total: number }> {
    const { clause, params } = whereOf(filter);
    const total = await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM tickets t JOIN users u ON u.id = t.requester_id ${clause}`, params);
    const rows = await this.db.all<TicketRow>(`${SELECT_TICKET} ${clause} ORDER BY ${ORDER[filter.sort ?? "newest"]} LIMIT ? OFFSET ?`, [
      ...params,
      filter.limit,
      filter.offset,
    ]);
    const index = await serviceIndex(this.db); // one catalogue read for the whole page
    const tickets: TicketView[] = [];
    for (const row of rows) tickets.push(await this.view(this.db, row, index));
    return { tickets, total: Number(total?.n ?? 0) };
  }

  async counts(filter: TicketFilter): Promise<TicketCounts> {
    const { clause, params } = whereOf({ ...filter, status: undefined, statuses: undefined });
    const rows = await this.db.all<{ status: TicketStatus; priority: TicketPriority; n: number }>(
      `SELECT t.status, t.priority, COUNT(*) AS n FROM tickets t JOIN users u ON u.id = t.requester_id ${clause} GROUP BY t.status, t.priority`,
      params,
    );
    const byStatus = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as Record<TicketStatus, number>;
    const byPriority = Object.fromEntries(TICKET_PRIORITIES.map((p) => [p, 0])) as Record<TicketPriority, number>;
    const wanted = filter.statuses ?? (filter.status ? [filter.status] : TICKET_STATUSES);
    for (const r of rows) {
      byStatus[r.status] += Number(r.n);
      // Priorities count the tickets the queue shows (its statuses), so the badges add up to its total.
      if (wanted.includes(r.status)) byPriority[r.priority] += Number(r.n);
    }
    return { byStatus, byPriority };
  }

  async countByService(filter: Omit<TicketFilter, "limit" | "offset" | "sort">): Promise<ServiceCount[]> {
    const { clause, params, readsRequester } = whereOf(filter);
    // The requester is joined only when the filter reads their columns.
    const join = readsRequester ? "JOIN users u ON u.id = t.requester_id" : "";
    const rows = await this.db.all<{ service_id: number; n: number }>(`SELECT t.service_id, COUNT(*) AS n FROM tickets t ${join} ${clause} GROUP BY t.service_id`, params);
    return rows.map((r) => ({ serviceId: Number(r.service_id), count: Number(r.n) }));
  }

  async responseStats(since: Date): Promise<TicketResponseStats> {
    // Each ticket's wait in whole milliseconds (its first move out of "open" less its opening),
    // summed here so the mean is the same division the wallboard made over the listed tickets.
    const wait =
      this.db.dialect === "mysql"
        ? "TIMESTAMPDIFF(MICROSECOND, t.created_at, MIN(h.at)) DIV 1000"
        : "CAST(ROUND((julianday(MIN(h.at)) - julianday(t.created_at)) * 86400000) AS INTEGER)";
    const row = await this.db.get<{ opened: number | string; resolved: number | string | null; responded: number | string; wait_ms: number | string | null }>(
      `SELECT COUNT(*) AS opened, SUM(CASE WHEN w.status IN ('resolved', 'closed') THEN 1 ELSE 0 END) AS resolved,
              COUNT(w.wait_ms) AS responded, SUM(w.wait_ms) AS wait_ms
         FROM (SELECT t.status,
                      (SELECT ${wait} FROM ticket_history h WHERE h.ticket_id = t.id AND h.from_status = 'open' AND h.to_status <> 'open') AS wait_ms
                 FROM tickets t WHERE t.created_at >= ?) w`,
      [toDbTime(since)],
    );
    const responded = Number(row?.responded ?? 0);
    return {
      opened: Number(row?.opened ?? 0),
      resolved: Number(row?.resolved ?? 0),
      responded,
      meanFirstResponseMs: responded ? Number(row?.wait_ms ?? 0) / responded : null,
    };
  }

  async get(protocol: string): Promise<TicketDetail | null> {
    const row = await this.db.get<TicketRow>(`${SELECT_TICKET} WHERE t.protocol = ?`, [protocol]);
    if (!row) return null;
    const history = await this.db.all<HistoryRow>(
      "SELECT from_status, to_status, note, assignee_changed, assignee_name, priority, actor, at FROM ticket_history WHERE ticket_id = ? ORDER BY id",
      [row.id],
    );
    const attachments = await this.db.all<AttachmentRow>(`SELECT ${ATTACHMENT_COLUMNS} FROM ticket_attachments a WHERE a.ticket_id = ? ORDER BY a.id`, [row.id]);
    return {
      ticket: await this.view(this.db, row),
      history: history.map((h) => ({
        from: h.from_status,
        to: h.to_status,
        note: h.note,
        ...(Number(h.assignee_changed) ? { assignee: h.assignee_name === null ? null : { name: h.assignee_name } } : {}),
        ...(h.priority ? { priority: h.priority } : {}),
        actor: h.actor,
        at: fromDbTime(h.at).toISOString(),
        atLocal: formatLocal(fromDbTime(h.at), this.options.timeZone),
      })),
      attachments: attachments.map((a) => this.attachmentView(a)),
    };
  }

  async changeStatus(protocol: string, raw: StatusChange, actor: Actor, now: Date): Promise<TicketDetail> {
    const input = parseInput(statusChangeSchema, raw);
    await this.db.transaction(async (tx) => {
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
    return (await this.get(protocol))!;
  }

  async work(protocol: string, raw: TicketWork, actor: Actor, now: Date): Promise<TicketDetail> {
    const work = parseInput(ticketWorkSchema, raw);
    const note = work.note ? work.note : null;
    await this.db.transaction(async (tx) => {
      const row = await tx.get<{ id: number; status: TicketStatus; priority: TicketPriority; assignee: string | null; assignee_name: string | null }>(
        `SELECT id, status, priority, assignee, assignee_name FROM tickets WHERE protocol = ?${forUpdate(tx)}`,
        [protocol],
      );
      if (!row) throw new NotFoundError("not_found", `no ticket ${protocol}`);
      const status = work.status ?? row.status;
      if (status !== row.status && !TRANSITIONS[row.status].includes(status)) {
        throw new ConflictError("invalid_transition", `a ticket cannot go from ${row.status} to ${status}`, "status");
      }
      if (row.status === "closed") throw new ConflictError("closed", "a closed ticket is final: open a new one", "status");
      const priority = work.priority ?? row.priority;
      const assignee = work.assignee === undefined ? undefined : work.assignee;
      const at = toDbTime(now);
      await tx.run("UPDATE tickets SET status = ?, priority = ?, assignee = ?, assignee_name = ?, updated_at = ? WHERE id = ?", [
        status,
        priority,
        assignee === undefined ? row.assignee : (assignee?.username ?? null),
        assignee === undefined ? row.assignee_name : (assignee?.name ?? null),
        at,
        row.id,
      ]);
      await tx.run(
        "INSERT INTO ticket_history (ticket_id, from_status, to_status, note, assignee_changed, assignee_name, priority, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row.id, row.status, status, note, assignee === undefined ? 0 : 1, assignee?.name ?? null, work.priority ?? null, actor.client, at],
      );
      await writeAudit(tx, actor, now, {
        action: "ticket.work",
        entity: "ticket",
        entityId: protocol,
        details: {
          ...(status !== row.status ? { from: row.status, to: status } : {}),
          ...(work.priority ? { priority: work.priority } : {}),
          ...(assignee !== undefined ? { assignee: assignee?.username ?? null } : {}),
          note,
        },
      });
    });
    return (await this.get(protocol))!;
  }

  /**
   * Stores the bytes in the database beside the ticket (ticket_attachments), not in DATA_DIR: every
   * API node sharing the database sees them, backups carry them, and the row and its bytes are
   * written in one transaction, so a crash leaves no orphan file and no dangling row.
   */
  async attach(protocol: string, raw: AttachmentFile, actor: Actor, now: Date): Promise<TicketAttachment> {
    const file = parseInput(attachmentFileSchema, raw);
    const data = Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
    const sha256 = createHash("sha256").update(data).digest("hex");
    const id = await this.db.transaction(async (tx) => {
      const ticket = await tx.get<{ id: number }>("SELECT id FROM tickets WHERE protocol = ?", [protocol]);
      if (!ticket) throw new NotFoundError("not_found", `no ticket ${protocol}`);
      const r = await tx.run(
        "INSERT INTO ticket_attachments (ticket_id, name, content_type, size, sha256, actor, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [ticket.id, file.name, file.contentType, data.byteLength, sha256, actor.client, toDbTime(now), data],
      );
      await writeAudit(tx, actor, now, {
        action: "ticket.attach",
        entity: "ticket",
        entityId: protocol,
        details: { attachment: r.insertId, name: file.name, contentType: file.contentType, size: data.byteLength },
      });
      return r.insertId;
    });
    const row = await this.db.get<AttachmentRow>(`SELECT ${ATTACHMENT_COLUMNS} FROM ticket_attachments a WHERE a.id = ?`, [id]);
    return this.attachmentView(row!);
  }

  async readAttachment(protocol: string, attachmentId: string): Promise<{ attachment: TicketAttachment; data: Uint8Array } | null> {
    if (!/^[0-9]{1,18}$/.test(attachmentId)) return null;
    const row = await this.db.get<AttachmentRow & { data: Uint8Array }>(
      `SELECT ${ATTACHMENT_COLUMNS}, a.data FROM ticket_attachments a JOIN tickets t ON t.id = a.ticket_id WHERE a.id = ? AND t.protocol = ?`,
      [Number(attachmentId), protocol],
    );
    return row ? { attachment: this.attachmentView(row), data: row.data } : null;
  }

  private async service(q: Queryable, id: number): Promise<ServiceInfo | null> {
    return this.options.services ? (await this.options.services(q))(id) : serviceInfo(q, id);
  }

  private async view(q: Queryable, row: TicketRow, index?: (id: number) => ServiceInfo | null): Promise<TicketView> {
    const service = index ? index(Number(row.service_id)) : await this.service(q, Number(row.service_id));
    const updated = fromDbTime(row.updated_at);
    return {
      protocol: row.protocol,
      status: row.status,
      service: { id: Number(row.service_id), label: service?.label ?? "?", path: service?.path ?? "?" },
      requester: { code: row.user_code, name: row.user_name, department: row.user_department ?? null },
      description: row.description,
      source: row.source,
      createdAt: fromDbTime(row.created_at).toISOString(),
      updatedAt: updated.toISOString(),
      updatedAtLocal: formatLocal(updated, this.options.timeZone),
      priority: row.priority,
      assignee: row.assignee === null ? null : { username: row.assignee, name: row.assignee_name ?? row.assignee },
      callId: row.call_id,
    };
  }

  private attachmentView(a: AttachmentRow): TicketAttachment {
    const at = fromDbTime(a.created_at);
    return {
      id: String(a.id),
      name: a.name,
      contentType: a.content_type,
      size: Number(a.size),
      sha256: a.sha256,
      actor: a.actor,
      createdAt: at.toISOString(),
      createdAtLocal: formatLocal(at, this.options.timeZone),
    };
  }
}

/** The queue's orders; the id breaks ties so pages never repeat or skip a ticket. */
const ORDER: Record<NonNullable<TicketFilter["sort"]>, string> = {
  newest: "t.id DESC",
  oldest: "t.id ASC",
  priority: "CASE t.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, t.id ASC",
};

/** The WHERE of a filter; `readsRequester`: it names the requester's columns (`u.`), so the query must join users. */
function whereOf(filter: Omit<TicketFilter, "limit" | "offset" | "sort">): { clause: string; params: (string | number)[]; readsRequester: boolean } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const statuses = filterStatuses(filter);
  if (statuses.length) {
    where.push(`t.status IN (${statuses.map(() => "?").join(", ")})`);
    params.push(...statuses);
  }
  if (filter.userCode) {
    where.push("u.code = ?");
    params.push(filter.userCode);
  }
  if (filter.serviceIds) {
    // An empty list matches nothing (a menu with no leaves), not everything.
    if (filter.serviceIds.length === 0) where.push("1 = 0");
    else {
      where.push(`t.service_id IN (${filter.serviceIds.map(() => "?").join(", ")})`);
      params.push(...filter.serviceIds);
    }
  }
  if (filter.department !== undefined) {
    where.push("u.department = ?");
    params.push(filter.department);
  }
  if (filter.createdBefore) {
    where.push("t.created_at < ?");
    params.push(toDbTime(filter.createdBefore));
  }
  if (filter.createdSince) {
    where.push("t.created_at >= ?");
    params.push(toDbTime(filter.createdSince));
  }
  if (filter.assignee !== undefined) {
    if (filter.assignee === null) where.push("t.assignee IS NULL");
    else {
      where.push("t.assignee = ?");
      params.push(filter.assignee);
    }
  }
  return { clause: where.length ? `WHERE ${where.join(" AND ")}` : "", params, readsRequester: where.some((w) => /\bu\./.test(w)) };
}

async function byCallId(q: Queryable, callId: string): Promise<TicketRow | undefined> {
  return q.get<TicketRow>(`${SELECT_TICKET} WHERE t.call_id = ?`, [callId]);
}

function sameRequester(row: TicketRow, userCode: string): TicketRow {
  if (row.user_code !== userCode) {
    throw new ConflictError("call_conflict", "this call id already opened a ticket for another user", "callId");
  }
  return row;
}

/**
 * The counter row of the short protocols (`formatProtocol`): the `year` column is 0 because their
 * sequence never restarts. Rows with a real year are the counters of the year-based protocols
 * made before issue 13, kept and no longer advanced.
 */
const SHORT_PROTOCOL_COUNTER_YEAR = 0;

/**
 * Takes the next protocol number of this site. The counter row is locked (MySQL) or the database
 * is (SQLite) until the ticket's transaction ends, so no two tickets share a number.
 */
async function nextProtocol(q: Queryable, siteCode: string): Promise<string> {
  const year = SHORT_PROTOCOL_COUNTER_YEAR;
  const site = siteCode;
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
  return formatProtocol(siteCode, value);
}
