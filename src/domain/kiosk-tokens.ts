import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import type { Db } from "./db.js";
import { NotFoundError } from "./errors.js";
import { parseInput } from "./rules.js";
import { fromDbTime, toDbTime } from "./time.js";

/** A wall TV's token: it opens the wallboard read-only and nothing else. */
export interface KioskToken {
  id: number;
  name: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const kioskCreateSchema = z.object({ name: z.string().trim().min(1, "required").max(100) });

interface KioskRow {
  id: number;
  name: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const toKiosk = (r: KioskRow): KioskToken => ({
  id: Number(r.id),
  name: r.name,
  createdBy: r.created_by,
  createdAt: fromDbTime(r.created_at).toISOString(),
  lastUsedAt: r.last_used_at === null ? null : fromDbTime(r.last_used_at).toISOString(),
  revokedAt: r.revoked_at === null ? null : fromDbTime(r.revoked_at).toISOString(),
});

const digest = (token: string) => createHash("sha256").update(token).digest("hex");

export class KioskTokenRepository {
  constructor(private readonly db: Db) {}

  /** A new token; the only time it exists in clear is this return value. */
  async create(raw: unknown, actor: Actor, now: Date): Promise<{ token: string; kiosk: KioskToken }> {
    const { name } = parseInput(kioskCreateSchema, raw);
    const token = `quiosque-${randomBytes(24).toString("base64url")}`;
    const kiosk = await this.db.transaction(async (tx) => {
      const r = await tx.run("INSERT INTO kiosk_tokens (name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?)", [name, digest(token), actor.client.slice(0, 100), toDbTime(now)]);
      await writeAudit(tx, actor, now, { action: "kiosk.create", entity: "kiosk_token", entityId: r.insertId, details: { name } });
      return toKiosk((await tx.get<KioskRow>("SELECT * FROM kiosk_tokens WHERE id = ?", [r.insertId]))!);
    });
    return { token, kiosk };
  }

  /** Every token, revoked ones included (newest first). */
  async list(): Promise<KioskToken[]> {
    return (await this.db.all<KioskRow>("SELECT * FROM kiosk_tokens ORDER BY revoked_at IS NOT NULL, id DESC")).map(toKiosk);
  }

  /** The token stops opening the wallboard at its next connection (a TV already connected is dropped at the next push round). */
  async revoke(id: number, actor: Actor, now: Date): Promise<KioskToken> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<KioskRow>("SELECT * FROM kiosk_tokens WHERE id = ?", [id]);
      if (!row) throw new NotFoundError("not_found", `no kiosk token ${id}`);
      if (row.revoked_at === null) {
        await tx.run("UPDATE kiosk_tokens SET revoked_at = ? WHERE id = ?", [toDbTime(now), id]);
        await writeAudit(tx, actor, now, { action: "kiosk.revoke", entity: "kiosk_token", entityId: id, details: { name: row.name } });
      }
      return toKiosk((await tx.get<KioskRow>("SELECT * FROM kiosk_tokens WHERE id = ?", [id]))!);
    });
  }

  /** The live token a TV presented, or null. */
  async resolve(token: string, now: Date): Promise<KioskToken | null> {
    if (token.length < 20 || token.length > 200) return null;
    const row = await this.db.get<KioskRow>("SELECT * FROM kiosk_tokens WHERE token_hash = ? AND revoked_at IS NULL", [digest(token)]);
    if (!row) return null;
    if (row.last_used_at === null || now.getTime() - fromDbTime(row.last_used_at).getTime() > 60_000) {
      await this.db.run("UPDATE kiosk_tokens SET last_used_at = ? WHERE id = ?", [toDbTime(now), row.id]);
    }
    return toKiosk(row);
  }
}
