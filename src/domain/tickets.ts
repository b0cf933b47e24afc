import { createHash } from "node:crypto";
import { writeAudit, type Actor } from "./audit.js";
import { serviceIndex, serviceInfo, type ServiceInfo } from "./catalogue.js";
import { isUniqueViolation, forUpdate, type Db, type Queryable } from "./db.js";
import { ConflictError, DomainValidationError, NotFoundError } from "./errors.js";
import {
  attachmentFileSchema,
  openTicketSchema,
  statusChangeSchema,
  TRANSITIONS,
  type AttachmentFile,
  type OpenTicketInput,
  type StatusChange,
  type TicketAttachment,
  type TicketBackend,
  type TicketDetail,
  type TicketFilter,
  type TicketSource,
  type TicketStatus,
  type TicketView,
} from "./ports/index.js";
import { parseInput } from "./rules.js";
import { formatLocal, fromDbTime, localParts, toDbTime } from "./time.js";
import { findUserByCode } from "./users.js";

export interface BuiltinTicketOptions {
  /** SITE_CODE: 1–3 digits, zero-padded to 3 inside the protocol. */
  siteCode: string;
  /** URA_TIMEZONE: the protocol's year and the `…Local` instants. */
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

interface AttachmentRow {
  id: number;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  actor: string;
  created_at: string;
}

const SELECT_TICKET =
  "SELECT t.*, u.code AS user_code, u.name AS user_name FROM tickets t JOIN users u ON u.id = t.requester_id";
/** Everything but the bytes, which only readAttachment reads. */
const ATTACHMENT_COLUMNS = "a.id, a.name, a.content_type, a.size, a.sha256, a.actor, a.created_at";

/**
 * The builtin ticket backend: tickets, their history and attachments in this database's own
 * tables. Protocol numbers are year + site + a gap-free sequence per site and year.
 */
export class BuiltinTicketBackend implements TicketBackend {
  readonly kind = "builtin" as const;

  constructor(
    private readonly db: Db,
    private readonly options: BuiltinTicketOptions,
  ) {}

  async open(raw: OpenTicketInput, actor: Actor, now: Date): Promise<{ ticket: TicketView; created: boolean }> {
    const input = parseInput(openTicketSchema, raw);
    const callId = input.callId ?? null;
    try {
      // The transaction only writes; the answer is read after the commit, so the protocol counter's
      // row lock (MySQL) is held for as few round trips as possible.
      const done = await this.db.transaction(async (tx): Promise<{ row: TicketRow; created: false } | { id: number; created: true }> => {
        if (callId !== null) {
          const existing = await byCallId(tx, callId);
          if (existing) return { row: sameRequester(existing, input.userCode), created: false };
        }
        const user = await findUserByCode(tx, input.userCode);
        if (!user || !user.active) throw new NotFoundError("unknown_user", `no active user with code ${input.userCode}`);
        const service = await serviceInfo(tx, input.serviceId);
        if (!service || !service.active) throw new NotFoundError("unknown_service", `no service ${input.serviceId}`);
        if (!service.leaf) throw new DomainValidationError("serviceId", `service ${input.serviceId} is a menu: choose one of its options`);
        const protocol = await nextProtocol(tx, this.options.siteCode, now, this.options.timeZone);
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
      const row = done.created ? (await this.db.get<TicketRow>(`${SELECT_TICKET} WHERE t.id = ?`, [done.id]))! : done.row;
      return { ticket: await this.view(this.db, row), created: done.created };
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
    const total = await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM tickets t JOIN users u ON u.id = t.requester_id ${clause}`, params);
    const rows = await this.db.all<TicketRow>(`${SELECT_TICKET} ${clause} ORDER BY t.id DESC LIMIT ? OFFSET ?`, [...params, filter.limit, filter.offset]);
    const index = await serviceIndex(this.db); // one catalogue read for the whole page
    const tickets: TicketView[] = [];
    for (const row of rows) tickets.push(await this.view(this.db, row, index));
    return { tickets, total: Number(total?.n ?? 0) };
  }

  async get(protocol: string): Promise<TicketDetail | null> {
    const row = await this.db.get<TicketRow>(`${SELECT_TICKET} WHERE t.protocol = ?`, [protocol]);
    if (!row) return null;
    const history = await this.db.all<{ from_status: TicketStatus | null; to_status: TicketStatus; note: string | null; actor: string; at: string }>(
      "SELECT from_status, to_status, note, actor, at FROM ticket_history WHERE ticket_id = ? ORDER BY id",
      [row.id],
    );
    const attachments = await this.db.all<AttachmentRow>(`SELECT ${ATTACHMENT_COLUMNS} FROM ticket_attachments a WHERE a.ticket_id = ? ORDER BY a.id`, [row.id]);
    return {
      ticket: await this.view(this.db, row),
      history: history.map((h) => ({
        from: h.from_status,
        to: h.to_status,
        note: h.note,
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

  private async view(q: Queryable, row: TicketRow, index?: (id: number) => ServiceInfo | null): Promise<TicketView> {
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
      updatedAtLocal: formatLocal(updated, this.options.timeZone),
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
