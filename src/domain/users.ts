import { maskPhone } from "../shared/privacy.js";
import { takingTurns } from "../shared/turns.js";
import { writeAudit, type Actor } from "./audit.js";
import { containsPattern, forUpdate, isUniqueViolation, LIKE_ESCAPE, type Db, type Queryable } from "./db.js";
import { ConflictError, NotFoundError } from "./errors.js";
import { callerKey } from "./phone.js";
import { parseInput } from "./rules.js";
import type { SpeechPrewarmer } from "./ports/index.js";
import { fromDbTime, toDbTime } from "./time.js";
import { userInputSchema, userPatchSchema, type ValidUserInput } from "./user-schemas.js";
import { prepareImport, type ImportReport } from "./users-import.js";

export interface User {
  id: number;
  code: string;
  name: string;
  /** Registered mobile, E.164: where one-time codes go. */
  phone: string | null;
  department: string | null;
  active: boolean;
  /** Extensions/phones that identify the user by caller id (normalised, see callerKey). */
  extensions: string[];
  /** Consecutive wrong one-time codes (reset only by a success or an admin). */
  otpFailures: number;
  createdAt: string;
  updatedAt: string;
}

interface UserRow {
  id: number;
  code: string;
  name: string;
  phone: string | null;
  department: string | null;
  active: number;
  otp_failures: number;
  created_at: string;
  updated_at: string;
}

/**
 * What a call reads of a user (identification, one-time codes, tickets): no extensions (one
 * statement, not two) and no timestamps (issue 16: their conversion was half the reading).
 */
export type UserCore = Omit<User, "extensions" | "createdAt" | "updatedAt">;

/** The columns UserCore is read from. */
const CORE_COLUMNS = "id, code, name, phone, department, active, otp_failures";

function core(r: Omit<UserRow, "created_at" | "updated_at">): UserCore {
  return {
    id: Number(r.id),
    code: r.code,
    name: r.name,
    phone: r.phone,
    department: r.department,
    active: Number(r.active) === 1,
    otpFailures: Number(r.otp_failures),
  };
}

function full(r: UserRow): Omit<User, "extensions"> {
  return { ...core(r), createdAt: fromDbTime(r.created_at).toISOString(), updatedAt: fromDbTime(r.updated_at).toISOString() };
}

async function hydrate(q: Queryable, rows: UserRow[]): Promise<User[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => Number(r.id));
  const phones = await q.all<{ user_id: number; number: string }>(
    `SELECT user_id, number FROM user_phones WHERE user_id IN (${ids.map(() => "?").join(",")}) ORDER BY id`,
    ids,
  );
  return rows.map((r) => ({ ...full(r), extensions: phones.filter((p) => Number(p.user_id) === Number(r.id)).map((p) => p.number) }));
}

/** The user by code without the extensions; `lock` as in findUserByCode. */
export async function findUserCoreByCode(q: Queryable, code: string, lock = false): Promise<UserCore | null> {
  const row = await q.get<UserRow>(`SELECT ${CORE_COLUMNS} FROM users WHERE code = ?${lock ? forUpdate(q) : ""}`, [code]);
  return row ? core(row) : null;
}

export async function findUserByCode(q: Queryable, code: string, lock = false): Promise<User | null> {
  const row = await q.get<UserRow>(`SELECT * FROM users WHERE code = ?${lock ? forUpdate(q) : ""}`, [code]);
  return row ? ((await hydrate(q, [row]))[0] ?? null) : null;
}

export async function findUserById(q: Queryable, id: number): Promise<User | null> {
  const row = await q.get<UserRow>("SELECT * FROM users WHERE id = ?", [id]);
  return row ? ((await hydrate(q, [row]))[0] ?? null) : null;
}

/** What an audit row says about a user: no phone in clear. */
function auditView(u: { name: string; phone: string | null; department: string | null; active: boolean; extensions: string[] }) {
  return {
    name: u.name,
    phone: maskPhone(u.phone),
    department: u.department,
    active: u.active,
    extensions: u.extensions.map((e) => maskPhone(e)),
  };
}

function changedFields(before: ReturnType<typeof auditView>, after: ReturnType<typeof auditView>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof typeof after)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = { from: before[key], to: after[key] };
  }
  return out;
}

/**
 * Moves the counter of spoken names (sql 050): a user created, renamed, activated or deactivated
 * changes what the IVR may say. The API's answer to an IVR node's heartbeat carries it, so a node
 * learns of the change from one row, not from reading every name (docs/topology.md). Once per
 * transaction that changed a name, as its last statement, however many users it wrote: an
 * import's chunk of 500 users updates the one row once, and on MariaDB holds its lock (which every
 * other writer of a name waits for) only while it commits.
 */
async function namesChanged(q: Queryable): Promise<void> {
  await q.run("UPDATE change_counters SET version = version + 1 WHERE name = 'user-names'");
}

/** What writing one user did: its outcome, and whether the names the IVR may say changed (the caller moves the counter once: namesChanged). */
interface Written {
  outcome: UpsertOutcome;
  names: boolean;
}

async function replaceExtensions(q: Queryable, userId: number, list: string[]): Promise<void> {
  await q.run("DELETE FROM user_phones WHERE user_id = ?", [userId]);
  for (const number of list) await q.run("INSERT INTO user_phones (user_id, number) VALUES (?, ?)", [userId, number]);
}

/** A new user: a new name (the caller moves the names' counter). */
async function insertUser(q: Queryable, input: ValidUserInput, actor: Actor, now: Date, action: string): Promise<number> {
  const at = toDbTime(now);
  const r = await q.run(
    "INSERT INTO users (code, name, phone, department, active, otp_failures, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
    [input.code, input.name, input.phone, input.department, input.active ? 1 : 0, at, at],
  );
  await replaceExtensions(q, r.insertId, input.extensions);
  await writeAudit(q, actor, now, { action, entity: "user", entityId: input.code, details: auditView(input) });
  return r.insertId;
}

type UserFields = { name: string; phone: string | null; department: string | null; active: boolean; extensions: string[] };

/** What an update would change (audit view), or null when nothing would. */
function updateOf(before: User, next: UserFields): { changes: Record<string, unknown>; extChanged: boolean } | null {
  const changes = changedFields(auditView(before), auditView(next));
  const phoneChanged = before.phone !== next.phone;
  const extChanged = JSON.stringify(before.extensions) !== JSON.stringify(next.extensions);
  return Object.keys(changes).length === 0 && !phoneChanged && !extChanged ? null : { changes, extChanged };
}

async function applyUpdate(q: Queryable, before: User, next: UserFields, actor: Actor, now: Date, action: string): Promise<Written> {
  const update = updateOf(before, next);
  if (!update) return { outcome: "unchanged", names: false };
  const { changes, extChanged } = update;
  await q.run("UPDATE users SET name = ?, phone = ?, department = ?, active = ?, updated_at = ? WHERE id = ?", [
    next.name,
    next.phone,
    next.department,
    next.active ? 1 : 0,
    toDbTime(now),
    before.id,
  ]);
  if (extChanged) await replaceExtensions(q, before.id, next.extensions);
  await writeAudit(q, actor, now, { action, entity: "user", entityId: before.code, details: changes });
  return { outcome: "updated", names: next.name !== before.name || next.active !== before.active };
}

/** A chunk of an import: long enough to cost little per row, short enough that a call's request waiting behind it does not notice. */
const IMPORT_CHUNK_MS = 20;
const IMPORT_CHUNK_ROWS = 500;

async function upsertIn(
  tx: Queryable,
  input: ValidUserInput,
  actor: Actor,
  now: Date,
  columns: ReadonlySet<keyof ValidUserInput>,
): Promise<Written> {
  const before = await findUserByCode(tx, input.code, true);
  if (!before) {
    await insertUser(tx, input, actor, now, "user.import.create");
    return { outcome: "created", names: true };
  }
  return applyUpdate(tx, before, merged(before, input, columns), actor, now, "user.import.update");
}

const allColumns = (input: ValidUserInput) => new Set(Object.keys(input) as (keyof ValidUserInput)[]);

/** A stored user with the given columns of `input` laid over it. */
function merged(before: User, input: ValidUserInput, columns: ReadonlySet<keyof ValidUserInput>): UserFields {
  const pick = <K extends keyof ValidUserInput>(key: K, stored: ValidUserInput[K]) => (columns.has(key) ? input[key] : stored);
  return {
    name: pick("name", before.name),
    phone: pick("phone", before.phone),
    department: pick("department", before.department),
    active: pick("active", before.active),
    extensions: pick("extensions", before.extensions),
  };
}

export type CallerMatchResult = { match: "unique"; user: User } | { match: "none" } | { match: "shared" };

export type UpsertOutcome = "created" | "updated" | "unchanged";

export interface UserFilter {
  limit: number;
  offset: number;
  /** Part of the name or the code. */
  search?: string;
  department?: string;
}

/** The people who may call: their codes, mobiles and extensions. Writes are audited. */
export class UserRepository {
  constructor(
    private readonly db: Db,
    /** Text-to-speech that says the names (`ura start`, `ura api`); none: names are warmed by the heartbeat's pass only. */
    private readonly speech: SpeechPrewarmer | null = null,
  ) {}

  /**
   * An admin's single write answers once the name is in the TTS cache, so the user's first call
   * right after it synthesises nothing (issue 13); the heartbeat's pass (NameWarmer) would come up
   * to 10 s later. Imports are left to that pass, which paces the engine. A failed synthesis never
   * fails the write: the call falls back as before.
   */
  private async warmName(user: User): Promise<User> {
    if (this.speech && user.active) await this.speech.prewarm([user.name]).catch(() => undefined);
    return user;
  }

  byCode(code: string): Promise<User | null> {
    return findUserByCode(this.db, code);
  }

  /** The user by code without the extensions (one statement, not two): what identifying a caller by code answers with. */
  coreByCode(code: string): Promise<UserCore | null> {
    return findUserCoreByCode(this.db, code);
  }

  /** The names of the given codes, in one read (codes nobody has are left out). */
  async namesByCode(codes: readonly string[]): Promise<Map<string, string>> {
    if (!codes.length) return new Map();
    const rows = await this.db.all<{ code: string; name: string }>(`SELECT code, name FROM users WHERE code IN (${codes.map(() => "?").join(", ")})`, codes);
    return new Map(rows.map((u) => [u.code, u.name]));
  }

  /** The departments users belong to, sorted, without blanks: what a department filter may offer. */
  async departments(): Promise<string[]> {
    const rows = await this.db.all<{ department: string }>("SELECT DISTINCT department FROM users WHERE department IS NOT NULL AND department <> '' ORDER BY department");
    return rows.map((r) => r.department);
  }

  /** Recognises a caller by number: only when exactly one active user registered it. */
  async byCaller(number: string): Promise<CallerMatchResult> {
    const key = callerKey(number);
    if (key === null) return { match: "none" };
    const rows = await this.db.all<UserRow>(
      "SELECT DISTINCT u.* FROM users u JOIN user_phones p ON p.user_id = u.id WHERE p.number = ? AND u.active = 1 ORDER BY u.id LIMIT 2",
      [key],
    );
    if (rows.length === 0) return { match: "none" };
    if (rows.length > 1) return { match: "shared" };
    return { match: "unique", user: (await hydrate(this.db, rows))[0]! };
  }

  async list(filter: UserFilter): Promise<{ users: User[]; total: number }> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.search) {
      where.push(`(name LIKE ? ${LIKE_ESCAPE} OR code LIKE ? ${LIKE_ESCAPE})`);
      const like = containsPattern(filter.search);
      params.push(like, like);
    }
    if (filter.department) {
      where.push("department = ?");
      params.push(filter.department);
    }
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const total = await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM users ${clause}`, params);
    const rows = await this.db.all<UserRow>(`SELECT * FROM users ${clause} ORDER BY code LIMIT ? OFFSET ?`, [...params, filter.limit, filter.offset]);
    return { users: await hydrate(this.db, rows), total: Number(total?.n ?? 0) };
  }

  /**
   * A page of the names the IVR may say (active users), in a stable order: `after` is the `next`
   * of the page before (null for the first), and `next` is null on the last page. Names only (no
   * code, phone or extension): what an IVR node needs to synthesise them ahead of its calls.
   */
  async spokenNames(after: string | null, limit: number): Promise<{ names: string[]; next: string | null }> {
    const rows = await this.db.all<{ id: number; name: string }>("SELECT id, name FROM users WHERE active = 1 AND id > ? ORDER BY id LIMIT ?", [Number(after ?? 0), limit]);
    return { names: rows.map((r) => r.name), next: rows.length < limit ? null : String(rows.at(-1)!.id) };
  }

  /** Moves with every change to the names the IVR may say (created, renamed, activated, deactivated). */
  async namesVersion(): Promise<number> {
    const row = await this.db.get<{ version: number }>("SELECT version FROM change_counters WHERE name = 'user-names'");
    return Number(row?.version ?? 0);
  }

  async create(raw: unknown, actor: Actor, now: Date): Promise<User> {
    const input = parseInput(userInputSchema, raw);
    try {
      return await this.db.transaction(async (tx) => {
        if (await tx.get("SELECT id FROM users WHERE code = ?", [input.code])) {
          throw new ConflictError("duplicate_code", `user code ${input.code} already exists`, "code");
        }
        const id = await insertUser(tx, input, actor, now, "user.create");
        await namesChanged(tx);
        return (await findUserById(tx, id))!;
      }).then((user) => this.warmName(user));
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError("duplicate_code", `user code ${input.code} already exists`, "code");
      throw err;
    }
  }

  async update(code: string, raw: unknown, actor: Actor, now: Date): Promise<User> {
    const patch = parseInput(userPatchSchema, raw);
    const has = (k: string) => typeof raw === "object" && raw !== null && k in raw;
    return this.db.transaction(async (tx) => {
      const before = await findUserByCode(tx, code, true);
      if (!before) throw new NotFoundError("unknown_user", `no user with code ${code}`);
      const written = await applyUpdate(
        tx,
        before,
        {
          name: patch.name ?? before.name,
          phone: has("phone") ? patch.phone : before.phone,
          department: has("department") ? patch.department : before.department,
          active: patch.active ?? before.active,
          extensions: patch.extensions ?? before.extensions,
        },
        actor,
        now,
        "user.update",
      );
      if (written.names) await namesChanged(tx);
      return (await findUserById(tx, before.id))!;
    }).then((user) => this.warmName(user));
  }

  /**
   * Creates the user, or updates the existing one with that code (CSV import). `columns` lists the
   * fields the file has: the others keep their stored values.
   */
  async upsert(input: ValidUserInput, actor: Actor, now: Date, columns: ReadonlySet<keyof ValidUserInput> = allColumns(input)): Promise<UpsertOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction(async (tx) => {
          const written = await upsertIn(tx, input, actor, now, columns);
          if (written.names) await namesChanged(tx);
          return written.outcome;
        });
      } catch (err) {
        // Two importers created the same code at once: the second one now updates it.
        if (isUniqueViolation(err) && attempt === 0) continue;
        throw err;
      }
    }
  }

  /** What `upsert` would do with `input`, writing nothing (a dry run). */
  async upsertOutcome(input: ValidUserInput, columns: ReadonlySet<keyof ValidUserInput> = allColumns(input)): Promise<UpsertOutcome> {
    const before = await findUserByCode(this.db, input.code);
    if (!before) return "created";
    return updateOf(before, merged(before, input, columns)) ? "updated" : "unchanged";
  }

  /**
   * Imports a CSV text (see users-import.ts): every row is validated first, then the good rows are
   * written in chunks, one transaction each. A chunk ends after IMPORT_CHUNK_MS or IMPORT_CHUNK_ROWS
   * and the event loop gets a turn before the next (issue 14 item 2: written row by row through the
   * synchronous SQLite driver, 200,000 rows froze every call in the process for 9.6 s). So a call's
   * request waits for one chunk at most, and on MariaDB no chunk holds its row locks for long. A
   * chunk that fails is written again row by row, each in its own transaction, so a bad row only
   * rejects itself. `onProgress(done, total)` after each chunk (for a progress bar).
   */
  async importCsv(text: string, actor: Actor, now: Date, onProgress?: (done: number, total: number) => void): Promise<ImportReport> {
    const turn = takingTurns();
    const { good, rejected, rows, columns } = await prepareImport(text, turn);
    const report: ImportReport = { rows, created: 0, updated: 0, unchanged: 0, rejected: [...rejected] };
    let done = rejected.length;
    onProgress?.(done, rows);
    for (let at = 0; at < good.length; ) {
      let tried = 0;
      try {
        const outcomes = await this.db.transaction(async (tx) => {
          const started = performance.now();
          const out: Written[] = [];
          tried = 0;
          while (at + out.length < good.length && out.length < IMPORT_CHUNK_ROWS && (out.length === 0 || performance.now() - started < IMPORT_CHUNK_MS)) {
            tried = out.length + 1;
            out.push(await upsertIn(tx, good[at + out.length]!.input, actor, now, columns));
          }
          if (out.some((written) => written.names)) await namesChanged(tx);
          return out.map((written) => written.outcome);
        });
        for (const outcome of outcomes) report[outcome]++;
        at += outcomes.length;
        done += outcomes.length;
      } catch {
        for (const row of good.slice(at, at + Math.max(tried, 1))) {
          try {
            report[await this.upsert(row.input, actor, now, columns)]++;
          } catch (err) {
            report.rejected.push({ line: row.line, code: row.input.code, field: null, reason: `not written: ${(err as Error).message}` });
          }
          at++;
          done++;
          await turn();
        }
      }
      onProgress?.(done, rows);
      await turn();
    }
    report.rejected.sort((a, b) => a.line - b.line);
    return report;
  }

  /** Deletes a user who never opened a ticket; otherwise deactivate them instead (PATCH active=false). */
  async remove(code: string, actor: Actor, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const user = await findUserByCode(tx, code, true);
      if (!user) throw new NotFoundError("unknown_user", `no user with code ${code}`);
      const tickets = await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM tickets WHERE requester_id = ?", [user.id]);
      if (Number(tickets?.n ?? 0) > 0) {
        throw new ConflictError("in_use", "the user has tickets: deactivate them instead (active: false)");
      }
      await tx.run("DELETE FROM user_phones WHERE user_id = ?", [user.id]);
      await tx.run("DELETE FROM otp_codes WHERE user_id = ?", [user.id]);
      await tx.run("DELETE FROM otp_failures WHERE user_id = ?", [user.id]);
      await tx.run("UPDATE calls SET user_id = NULL WHERE user_id = ?", [user.id]);
      await tx.run("DELETE FROM users WHERE id = ?", [user.id]);
      await writeAudit(tx, actor, now, { action: "user.delete", entity: "user", entityId: code });
    });
  }

  /** Ends the cool-downs this user's wrong one-time codes caused, before they end by themselves (an admin's decision). */
  async resetCodeFailures(code: string, actor: Actor, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const user = await findUserByCode(tx, code, true);
      if (!user) throw new NotFoundError("unknown_user", `no user with code ${code}`);
      await tx.run("UPDATE users SET otp_failures = 0 WHERE id = ?", [user.id]);
      await tx.run("DELETE FROM otp_failures WHERE user_id = ?", [user.id]);
      await tx.run("UPDATE otp_codes SET state = 'void' WHERE user_id = ? AND state = 'active'", [user.id]);
      await writeAudit(tx, actor, now, { action: "otp.reset", entity: "user", entityId: user.code, details: { failuresBefore: user.otpFailures } });
    });
  }
}
