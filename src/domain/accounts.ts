import { createHash } from "node:crypto";
import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import { containsPattern, isUniqueViolation, LIKE_ESCAPE, type Db, type Queryable } from "./db.js";
import { ConflictError, NotFoundError, RateLimitedError } from "./errors.js";
import { decoyHash, hashPassword, verifyPassword } from "./passwords.js";
import { parseInput } from "./rules.js";
import { fromDbTime, toDbTime } from "./time.js";

/**
 * The console's accounts: technicians (queue, tickets, screen-pop) and admins (also the admin
 * pages). Not the callers (`users`) and not the machines (the API's bearer tokens).
 */
export const ACCOUNT_ROLES = ["technician", "admin"] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];
export const accountRole = z.enum(ACCOUNT_ROLES);

export interface Account {
  id: number;
  username: string;
  name: string;
  role: AccountRole;
  /** The desk phone's extension: with AMI, the screen-pop goes to the account whose phone rings. */
  extension: string | null;
  active: boolean;
  lastSignInAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What an account with `role` may do is also what `have` may do: an admin is a technician too. */
export function roleAllows(have: AccountRole, need: AccountRole): boolean {
  return need === "technician" || have === "admin";
}

export const accountUsername = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, "2 to 64 letters, digits, '.', '_' or '-' (no spaces or accents)");
/** NIST SP 800-63B: length, not composition rules; 10 characters at least. */
export const accountPassword = z.string().min(10, "at least 10 characters").max(200, "at most 200 characters");
const accountName = z.string().trim().min(1, "required").max(200);
const accountExtension = z
  .string()
  .trim()
  .regex(/^[0-9]{2,20}$/, "2 to 20 digits")
  .nullable()
  .or(z.literal("").transform(() => null));

export const accountCreateSchema = z.object({
  username: accountUsername,
  name: accountName,
  role: accountRole,
  extension: accountExtension.default(null),
  password: accountPassword,
  active: z.boolean().default(true),
});
export const accountPatchSchema = z.object({
  name: accountName.optional(),
  role: accountRole.optional(),
  extension: accountExtension.optional(),
  /** A new password also ends every session the account had. */
  password: accountPassword.optional(),
  /** Deactivating ends every session the account had. */
  active: z.boolean().optional(),
});

interface AccountRow {
  id: number;
  username: string;
  name: string;
  role: AccountRole;
  extension: string | null;
  password_hash: string;
  active: number;
  last_sign_in_at: string | null;
  created_at: string;
  updated_at: string;
}

function toAccount(r: AccountRow): Account {
  return {
    id: Number(r.id),
    username: r.username,
    name: r.name,
    role: r.role,
    extension: r.extension,
    active: Number(r.active) === 1,
    lastSignInAt: r.last_sign_in_at === null ? null : fromDbTime(r.last_sign_in_at).toISOString(),
    createdAt: fromDbTime(r.created_at).toISOString(),
    updatedAt: fromDbTime(r.updated_at).toISOString(),
  };
}

export interface SignInPolicy {
  /** Refused sign-ins per user name within the window before the name is refused outright (429). */
  maxFailures: number;
  windowSeconds: number;
}

export type SignInResult = { ok: true; account: Account } | { ok: false };

const failureKey = (kind: "user" | "address", value: string) => createHash("sha256").update(`${kind}:${value}`).digest("hex");

/** An address may fail this many times more than one user name (a shared office NAT). */
const ADDRESS_FACTOR = 4;

export class AccountRepository {
  constructor(
    private readonly db: Db,
    readonly signInPolicy: SignInPolicy,
  ) {}

  async list(filter: { search?: string } = {}): Promise<Account[]> {
    const search = filter.search?.trim().toLowerCase();
    // The users' search rule: % and _ typed in the box are plain characters (issue 14 item 12).
    const like = search ? containsPattern(search) : null;
    const rows = await this.db.all<AccountRow>(
      `SELECT * FROM accounts${like ? ` WHERE LOWER(username) LIKE ? ${LIKE_ESCAPE} OR LOWER(name) LIKE ? ${LIKE_ESCAPE}` : ""} ORDER BY active DESC, name, id`,
      like ? [like, like] : [],
    );
    return rows.map(toAccount);
  }

  /** The display names of these accounts (deactivated ones too: history keeps naming them), by user name. */
  async namesOf(usernames: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(usernames)];
    if (wanted.length === 0) return new Map();
    const rows = await this.db.all<{ username: string; name: string }>(`SELECT username, name FROM accounts WHERE username IN (${wanted.map(() => "?").join(", ")})`, wanted);
    return new Map(rows.map((r) => [r.username, r.name]));
  }

  async byId(id: number): Promise<Account | null> {
    const row = await this.db.get<AccountRow>("SELECT * FROM accounts WHERE id = ?", [id]);
    return row ? toAccount(row) : null;
  }

  async byUsername(username: string): Promise<Account | null> {
    const row = await this.db.get<AccountRow>("SELECT * FROM accounts WHERE username = ?", [username.trim().toLowerCase()]);
    return row ? toAccount(row) : null;
  }

  async create(raw: unknown, actor: Actor, now: Date): Promise<Account> {
    const input = parseInput(accountCreateSchema, raw);
    const hash = await hashPassword(input.password);
    const at = toDbTime(now);
    try {
      return await this.db.transaction(async (tx) => {
        const r = await tx.run(
          "INSERT INTO accounts (username, name, role, extension, password_hash, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          [input.username, input.name, input.role, input.extension, hash, input.active ? 1 : 0, at, at],
        );
        await writeAudit(tx, actor, now, {
          action: "account.create",
          entity: "account",
          entityId: input.username,
          details: { name: input.name, role: input.role, extension: input.extension, active: input.active },
        });
        return toAccount((await tx.get<AccountRow>("SELECT * FROM accounts WHERE id = ?", [r.insertId]))!);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError("duplicate_username", `an account named ${input.username} already exists`, "username");
      throw err;
    }
  }

  /** Changes only the fields given. A new password or a deactivation ends the account's sessions. */
  async update(username: string, raw: unknown, actor: Actor, now: Date): Promise<Account> {
    const patch = parseInput(accountPatchSchema, raw);
    const hash = patch.password === undefined ? null : await hashPassword(patch.password);
    return this.db.transaction(async (tx) => {
      const before = await tx.get<AccountRow>("SELECT * FROM accounts WHERE username = ?", [username.trim().toLowerCase()]);
      if (!before) throw new NotFoundError("not_found", `no account ${username}`);
      const next = {
        name: patch.name ?? before.name,
        role: patch.role ?? before.role,
        extension: patch.extension === undefined ? before.extension : patch.extension,
        active: patch.active ?? Number(before.active) === 1,
      };
      if (before.role === "admin" && Number(before.active) === 1 && (next.role !== "admin" || !next.active)) {
        await assertAnotherAdmin(tx, Number(before.id));
      }
      await tx.run("UPDATE accounts SET name = ?, role = ?, extension = ?, active = ?, password_hash = ?, updated_at = ? WHERE id = ?", [
        next.name,
        next.role,
        next.extension,
        next.active ? 1 : 0,
        hash ?? before.password_hash,
        toDbTime(now),
        before.id,
      ]);
      if (hash !== null || !next.active || next.role !== before.role) await tx.run("DELETE FROM console_sessions WHERE account_id = ?", [before.id]);
      const changed: Record<string, unknown> = {};
      for (const key of ["name", "role", "extension", "active"] as const) {
        const was = key === "active" ? Number(before.active) === 1 : before[key];
        if (was !== next[key]) changed[key] = { from: was, to: next[key] };
      }
      // Never the password itself: only that it changed.
      if (hash !== null) changed.password = "changed";
      await writeAudit(tx, actor, now, { action: "account.update", entity: "account", entityId: before.username, details: changed });
      return toAccount((await tx.get<AccountRow>("SELECT * FROM accounts WHERE id = ?", [before.id]))!);
    });
  }

  /**
   * Checks a user name and password, counting refusals per user name and per address: past the
   * policy's limit within its window, every attempt is refused with RateLimitedError (429), right
   * password or not, until the oldest refusal leaves the window. A success forgets the name's refusals.
   */
  async signIn(usernameRaw: string, password: string, address: string | null, now: Date): Promise<SignInResult> {
    const username = usernameRaw.trim().toLowerCase().slice(0, 64);
    const { maxFailures, windowSeconds } = this.signInPolicy;
    const since = toDbTime(new Date(now.getTime() - windowSeconds * 1000));
    const keys = [{ key: failureKey("user", username), max: maxFailures }, ...(address ? [{ key: failureKey("address", address), max: maxFailures * ADDRESS_FACTOR }] : [])];
    for (const { key, max } of keys) {
      const row = await this.db.get<{ n: number; oldest: string | null }>("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM sign_in_failures WHERE key_hash = ? AND at > ?", [key, since]);
      if (Number(row?.n) >= max && row?.oldest) {
        throw new RateLimitedError("too many refused sign-ins: wait before trying again", new Date(fromDbTime(row.oldest).getTime() + windowSeconds * 1000));
      }
    }
    const row = await this.db.get<AccountRow>("SELECT * FROM accounts WHERE username = ? AND active = 1", [username]);
    const good = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
    if (!row || !good) {
      await this.db.transaction(async (tx) => {
        await tx.run("DELETE FROM sign_in_failures WHERE at <= ?", [since]);
        for (const { key } of keys) await tx.run("INSERT INTO sign_in_failures (key_hash, at) VALUES (?, ?)", [key, toDbTime(now)]);
      });
      return { ok: false };
    }
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM sign_in_failures WHERE key_hash = ?", [keys[0]!.key]);
      await tx.run("UPDATE accounts SET last_sign_in_at = ? WHERE id = ?", [toDbTime(now), row.id]);
    });
    return { ok: true, account: toAccount({ ...row, last_sign_in_at: toDbTime(now) }) };
  }
}

/** The console must keep one active admin: otherwise only the command line could bring one back. */
async function assertAnotherAdmin(q: Queryable, exceptId: number): Promise<void> {
  const other = await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM accounts WHERE role = 'admin' AND active = 1 AND id <> ?", [exceptId]);
  if (Number(other?.n) === 0) throw new ConflictError("last_admin", "this is the last active admin account: make another admin first", "role");
}
