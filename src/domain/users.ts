import { z } from "zod";
import { maskPhone } from "../shared/privacy.js";
import { writeAudit, type Actor } from "./audit.js";
import { forUpdate, isUniqueViolation, type Db, type Queryable } from "./db.js";
import { ConflictError, DomainValidationError, NotFoundError } from "./errors.js";
import { callerKey, mobileProblem, normalizeMobile } from "./phone.js";
import { fromDbTime, toDbTime } from "./time.js";

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

const trimmedOrNull = (max: number) =>
  z
    .string()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v === undefined || v === null || v.trim() === "" ? null : v.trim()));

const mobile = z
  .string()
  .max(40)
  .nullable()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === null || v.trim() === "") return null;
    const problem = mobileProblem(v);
    if (problem !== null) {
      ctx.addIssue({ code: "custom", message: `not a mobile phone number (${problem}), e.g. (45) 99999-9999` });
      return z.NEVER;
    }
    return normalizeMobile(v);
  });

const extensions = z
  .array(z.string().max(40))
  .max(20)
  .transform((list, ctx) => {
    const out = new Set<string>();
    for (const item of list) {
      if (item.trim() === "") continue;
      const key = /^[\d\s()+\-./]+$/.test(item) ? callerKey(item) : null;
      if (key === null || key.replace(/\D/g, "").length < 2) {
        ctx.addIssue({ code: "custom", message: `"${item}" is not an extension or phone number` });
        return z.NEVER;
      }
      out.add(key);
    }
    return [...out];
  });

/** What an admin gives to create (or, via import, replace) a user. */
export const userInputSchema = z.object({
  code: z.string().trim().regex(/^[0-9]{1,12}$/, "1 to 12 digits"),
  name: z.string().trim().min(1, "required").max(200),
  phone: mobile,
  extensions: extensions.default([]),
  department: trimmedOrNull(200),
  active: z.boolean().default(true),
});
export type UserInput = z.input<typeof userInputSchema>;
export type ValidUserInput = z.output<typeof userInputSchema>;

/** A partial change; `extensions` replaces the whole list when given. */
export const userPatchSchema = z.object({
  name: z.string().trim().min(1, "required").max(200).optional(),
  phone: mobile,
  extensions: extensions.optional(),
  department: trimmedOrNull(200),
  active: z.boolean().optional(),
});
export type UserPatch = z.input<typeof userPatchSchema>;

/** Parses with a domain schema; the first problem becomes a DomainValidationError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new DomainValidationError(issue.path.length ? issue.path.map(String).join(".") : "body", issue.message);
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

async function hydrate(q: Queryable, rows: UserRow[]): Promise<User[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => Number(r.id));
  const phones = await q.all<{ user_id: number; number: string }>(
    `SELECT user_id, number FROM user_phones WHERE user_id IN (${ids.map(() => "?").join(",")}) ORDER BY id`,
    ids,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    name: r.name,
    phone: r.phone,
    department: r.department,
    active: Number(r.active) === 1,
    extensions: phones.filter((p) => Number(p.user_id) === Number(r.id)).map((p) => p.number),
    otpFailures: Number(r.otp_failures),
    createdAt: fromDbTime(r.created_at).toISOString(),
    updatedAt: fromDbTime(r.updated_at).toISOString(),
  }));
}

export async function findUserByCode(q: Queryable, code: string, lock = false): Promise<User | null> {
  const row = await q.get<UserRow>(`SELECT * FROM users WHERE code = ?${lock ? forUpdate(q) : ""}`, [code]);
  return row ? ((await hydrate(q, [row]))[0] ?? null) : null;
}

export async function findUserById(q: Queryable, id: number): Promise<User | null> {
  const row = await q.get<UserRow>("SELECT * FROM users WHERE id = ?", [id]);
  return row ? ((await hydrate(q, [row]))[0] ?? null) : null;
}

export type CallerMatchResult = { match: "unique"; user: User } | { match: "none" } | { match: "shared" };

/** Recognises a caller by number: only when exactly one active user registered it. */
export async function identifyByCaller(q: Queryable, number: string): Promise<CallerMatchResult> {
  const key = callerKey(number);
  if (key === null) return { match: "none" };
  const rows = await q.all<UserRow>(
    "SELECT DISTINCT u.* FROM users u JOIN user_phones p ON p.user_id = u.id WHERE p.number = ? AND u.active = 1 ORDER BY u.id LIMIT 2",
    [key],
  );
  if (rows.length === 0) return { match: "none" };
  if (rows.length > 1) return { match: "shared" };
  return { match: "unique", user: (await hydrate(q, rows))[0]! };
}

export async function listUsers(
  q: Queryable,
  filter: { limit: number; offset: number; search?: string; department?: string },
): Promise<{ users: User[]; total: number }> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.search) {
    where.push("(name LIKE ? OR code LIKE ?)");
    const like = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(like, like);
  }
  if (filter.department) {
    where.push("department = ?");
    params.push(filter.department);
  }
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const total = await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM users ${clause}`, params);
  const rows = await q.all<UserRow>(`SELECT * FROM users ${clause} ORDER BY code LIMIT ? OFFSET ?`, [...params, filter.limit, filter.offset]);
  return { users: await hydrate(q, rows), total: Number(total?.n ?? 0) };
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

async function replaceExtensions(q: Queryable, userId: number, list: string[]): Promise<void> {
  await q.run("DELETE FROM user_phones WHERE user_id = ?", [userId]);
  for (const number of list) await q.run("INSERT INTO user_phones (user_id, number) VALUES (?, ?)", [userId, number]);
}

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

export async function createUser(db: Db, raw: unknown, actor: Actor, now: Date): Promise<User> {
  const input = parseInput(userInputSchema, raw);
  try {
    return await db.transaction(async (tx) => {
      if (await tx.get("SELECT id FROM users WHERE code = ?", [input.code])) {
        throw new ConflictError("duplicate_code", `user code ${input.code} already exists`, "code");
      }
      const id = await insertUser(tx, input, actor, now, "user.create");
      return (await findUserById(tx, id))!;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError("duplicate_code", `user code ${input.code} already exists`, "code");
    throw err;
  }
}

async function applyUpdate(
  q: Queryable,
  before: User,
  next: { name: string; phone: string | null; department: string | null; active: boolean; extensions: string[] },
  actor: Actor,
  now: Date,
  action: string,
): Promise<boolean> {
  const changes = changedFields(auditView(before), auditView(next));
  const phoneChanged = before.phone !== next.phone;
  const extChanged = JSON.stringify(before.extensions) !== JSON.stringify(next.extensions);
  if (Object.keys(changes).length === 0 && !phoneChanged && !extChanged) return false;
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
  return true;
}

export async function updateUser(db: Db, code: string, raw: unknown, actor: Actor, now: Date): Promise<User> {
  const patch = parseInput(userPatchSchema, raw);
  const has = (k: string) => typeof raw === "object" && raw !== null && k in raw;
  return db.transaction(async (tx) => {
    const before = await findUserByCode(tx, code, true);
    if (!before) throw new NotFoundError("unknown_user", `no user with code ${code}`);
    await applyUpdate(
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
    return (await findUserById(tx, before.id))!;
  });
}

export type UpsertOutcome = "created" | "updated" | "unchanged";

/**
 * Creates the user, or updates the existing one with that code (CSV import). `columns` lists the
 * fields the file has: the others keep their stored values.
 */
export async function upsertUser(
  db: Db,
  input: ValidUserInput,
  actor: Actor,
  now: Date,
  columns: ReadonlySet<keyof ValidUserInput> = new Set(Object.keys(input) as (keyof ValidUserInput)[]),
): Promise<UpsertOutcome> {
  const pick = <K extends keyof ValidUserInput>(key: K, stored: ValidUserInput[K]) => (columns.has(key) ? input[key] : stored);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const before = await findUserByCode(tx, input.code, true);
        if (!before) {
          await insertUser(tx, input, actor, now, "user.import.create");
          return "created" as const;
        }
        const next = {
          name: pick("name", before.name),
          phone: pick("phone", before.phone),
          department: pick("department", before.department),
          active: pick("active", before.active),
          extensions: pick("extensions", before.extensions),
        };
        const changed = await applyUpdate(tx, before, next, actor, now, "user.import.update");
        return changed ? ("updated" as const) : ("unchanged" as const);
      });
    } catch (err) {
      // Two importers created the same code at once: the second one now updates it.
      if (isUniqueViolation(err) && attempt === 0) continue;
      throw err;
    }
  }
}

/** Deletes a user who never opened a ticket; otherwise deactivate them instead (PATCH active=false). */
export async function deleteUser(db: Db, code: string, actor: Actor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const user = await findUserByCode(tx, code, true);
    if (!user) throw new NotFoundError("unknown_user", `no user with code ${code}`);
    const tickets = await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM tickets WHERE requester_id = ?", [user.id]);
    if (Number(tickets?.n ?? 0) > 0) {
      throw new ConflictError("in_use", "the user has tickets: deactivate them instead (active: false)");
    }
    await tx.run("DELETE FROM user_phones WHERE user_id = ?", [user.id]);
    await tx.run("DELETE FROM otp_codes WHERE user_id = ?", [user.id]);
    await tx.run("UPDATE calls SET user_id = NULL WHERE user_id = ?", [user.id]);
    await tx.run("DELETE FROM users WHERE id = ?", [user.id]);
    await writeAudit(tx, actor, now, { action: "user.delete", entity: "user", entityId: code });
  });
}
