import type { Queryable } from "./db.js";
import { fromDbTime, toDbTime } from "./time.js";

/** Who made a write: the API client's token name and its address. */
export interface Actor {
  client: string;
  address: string | null;
}

export const systemActor: Actor = { client: "system", address: null };

export interface AuditEntry {
  action: string;
  entity: string;
  entityId?: string | number | null;
  /** What changed. Phone numbers must already be masked; never a code or a token. */
  details?: Record<string, unknown>;
}

export interface AuditRecord {
  id: number;
  at: string;
  client: string;
  address: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  details: Record<string, unknown> | null;
}

/** Writes one audit row, inside the caller's transaction so it stands or falls with the change. */
export async function writeAudit(q: Queryable, actor: Actor, now: Date, entry: AuditEntry): Promise<void> {
  await q.run("INSERT INTO audit_log (at, client, address, action, entity, entity_id, details) VALUES (?, ?, ?, ?, ?, ?, ?)", [
    toDbTime(now),
    actor.client.slice(0, 100),
    actor.address?.slice(0, 64) ?? null,
    entry.action,
    entry.entity,
    entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
    entry.details === undefined ? null : JSON.stringify(entry.details),
  ]);
}

interface AuditRow {
  id: number;
  at: string;
  client: string;
  address: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  details: string | null;
}

export interface AuditFilter {
  limit: number;
  entity?: string;
  entityId?: string;
  action?: string;
}

/** The audit log, read back (rows are written by each repository's own transactions, with writeAudit). */
export class AuditRepository {
  constructor(private readonly db: Queryable) {}

  /** Writes one row on its own (what no repository's transaction writes: aggregate counts of reads). */
  async write(actor: Actor, now: Date, entry: AuditEntry): Promise<void> {
    await writeAudit(this.db, actor, now, entry);
  }

  /** Newest first. */
  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.entity) {
      where.push("entity = ?");
      params.push(filter.entity);
    }
    if (filter.entityId) {
      where.push("entity_id = ?");
      params.push(filter.entityId);
    }
    if (filter.action) {
      where.push("action = ?");
      params.push(filter.action);
    }
    params.push(filter.limit);
    const rows = await this.db.all<AuditRow>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: fromDbTime(r.at).toISOString(),
      client: r.client,
      address: r.address,
      action: r.action,
      entity: r.entity,
      entityId: r.entity_id,
      details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
    }));
  }
}
