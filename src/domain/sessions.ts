import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "./db.js";
import type { Account, AccountRole } from "./accounts.js";
import { fromDbTime, toDbTime } from "./time.js";

/**
 * Console sessions: a random token in an httpOnly cookie, only its SHA-256 in the database (shared
 * by every API node), ended after `idleMinutes` without a request or `maxHours` after sign-in,
 * whichever comes first, and at sign-out. The CSRF token is derived from the session token, so it
 * needs no storage and dies with the session.
 */
export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
}

/** Who a valid session belongs to. */
export interface SessionAccount {
  sessionId: number;
  account: Pick<Account, "id" | "username" | "name" | "role" | "extension">;
  expiresAt: string;
}

const digest = (token: string) => createHash("sha256").update(token).digest("hex");

/** The CSRF token that goes with a session token (sent back in a header on every state-changing request). */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update("ura-console-csrf").digest("base64url");
}

/** Constant-time check of a CSRF header against the session's. */
export function csrfMatches(sessionToken: string, given: string | undefined): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const got = Buffer.from(given);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

interface SessionRow {
  id: number;
  last_seen_at: string;
  expires_at: string;
  account_id: number;
  username: string;
  name: string;
  role: AccountRole;
  extension: string | null;
}

/** A write of last_seen_at at most this often: a page polling every second is not a write per second. */
const TOUCH_EVERY_MS = 60_000;

export class SessionRepository {
  constructor(
    private readonly db: Db,
    readonly policy: SessionPolicy,
  ) {}

  /** A new session for an account that just signed in; returns the token for the cookie (never stored). */
  async open(accountId: number, meta: { address: string | null; userAgent: string | null }, now: Date): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString("base64url");
    const expiresAt = new Date(now.getTime() + this.policy.maxHours * 3_600_000);
    await this.db.transaction(async (tx) => {
      // Sessions nobody will use again go as new ones come.
      await tx.run("DELETE FROM console_sessions WHERE expires_at <= ? OR last_seen_at <= ?", [toDbTime(now), toDbTime(this.idleSince(now))]);
      await tx.run(
        "INSERT INTO console_sessions (token_hash, account_id, address, user_agent, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [digest(token), accountId, meta.address?.slice(0, 64) ?? null, meta.userAgent?.slice(0, 200) ?? null, toDbTime(now), toDbTime(now), toDbTime(expiresAt)],
      );
    });
    return { token, expiresAt };
  }

  /** The account behind a cookie's token, while the session and the account are both alive. */
  async resolve(token: string, now: Date): Promise<SessionAccount | null> {
    if (token.length < 20 || token.length > 100) return null;
    const row = await this.db.get<SessionRow>(
      `SELECT s.id, s.last_seen_at, s.expires_at, a.id AS account_id, a.username, a.name, a.role, a.extension
         FROM console_sessions s JOIN accounts a ON a.id = s.account_id
        WHERE s.token_hash = ? AND a.active = 1`,
      [digest(token)],
    );
    if (!row) return null;
    const lastSeen = fromDbTime(row.last_seen_at);
    if (fromDbTime(row.expires_at) <= now || lastSeen <= this.idleSince(now)) return null;
    if (now.getTime() - lastSeen.getTime() > TOUCH_EVERY_MS) await this.db.run("UPDATE console_sessions SET last_seen_at = ? WHERE id = ?", [toDbTime(now), row.id]);
    return {
      sessionId: Number(row.id),
      account: { id: Number(row.account_id), username: row.username, name: row.name, role: row.role, extension: row.extension },
      expiresAt: fromDbTime(row.expires_at).toISOString(),
    };
  }

  /** Sign-out: the token stops working at once, on every node. */
  async close(token: string): Promise<void> {
    await this.db.run("DELETE FROM console_sessions WHERE token_hash = ?", [digest(token)]);
  }

  private idleSince(now: Date): Date {
    return new Date(now.getTime() - this.policy.idleMinutes * 60_000);
  }
}
