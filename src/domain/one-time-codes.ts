import { createHmac, createSecretKey, randomBytes, randomInt, timingSafeEqual, type KeyObject } from "node:crypto";
import { join, resolve } from "node:path";
import { z } from "zod";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";
import { otpMetrics } from "../shared/metrics.js";
import { maskPhone } from "../shared/privacy.js";
import { secretFile } from "../shared/secret-file.js";
import { writeAudit, type Actor } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { codeLimitScopes, LockedError, NoPhoneError, NotFoundError, RateLimitedError } from "./errors.js";
import { message } from "./messages.js";
import { callerKey } from "./phone.js";
import { SenderRejectedError, SenderUnavailableError, type MessageSender, type OutgoingMessage } from "./ports/index.js";
import { findUserCoreByCode } from "./users.js";
import { fromDbTime, toDbTime } from "./time.js";

/**
 * One-time access codes (NIST SP 800-63B §3.1.3, see shared/reference/agi-facts.md §5): six digits
 * from crypto.randomInt, only an HMAC-SHA256 stored, an expiry of at most 10 minutes, single use, a
 * constant-time check, a limit of tries per code, hourly caps per user and per number, and a
 * cool-down after too many wrong codes from one calling number (a new code does not reset the
 * count; a right code from that number or an admin does, and the cool-down ends by itself). The
 * failures count against the number that asked for the code, not against the user, so someone who
 * knows a colleague's user code cannot lock the colleague out from their own phone.
 */
export interface OtpPolicy {
  /** HMAC key (OTP_SECRET, or the generated DATA_DIR/otp-secret.local). */
  secret: Buffer;
  ttlSeconds: number;
  maxAttempts: number;
  /** Wrong codes from one calling number (or, with none, for one user) within the cool-down window before it cools down. */
  maxFailures: number;
  maxPerHour: number;
  /** OTP_COOLDOWN_MINUTES: the window failures are counted over, and so the longest a cool-down lasts. */
  cooldownMinutes: number;
}

/** Makes a code; injectable so tests can know it. */
export type CodeGenerator = () => string;

export const randomCode: CodeGenerator = () => String(randomInt(0, 1_000_000)).padStart(6, "0");

export const otpVerifyResultSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true) }),
  z.object({
    ok: z.literal(false),
    /** wrong: try again while attemptsLeft > 0 · expired/none: ask for a new code · locked: too many failures, cooling down */
    reason: z.enum(["wrong", "expired", "none", "locked"]),
    attemptsLeft: z.number().int().min(0),
    /** locked: when the cool-down ends by itself (ISO 8601). */
    until: z.string().optional(),
    /** locked: whose cool-down, the calling number's (`caller`) or, asked without one, the user's codes (`user`). */
    scope: z.enum(codeLimitScopes).optional(),
  }),
]);
export type OtpVerifyResult = z.infer<typeof otpVerifyResultSchema>;

/** OTP_SECRET, or a random key generated once into DATA_DIR/otp-secret.local (mode 0600). */
export function resolveOtpSecret(settings: { OTP_SECRET: string; DATA_DIR: string }): Buffer {
  if (settings.OTP_SECRET !== "") return Buffer.from(settings.OTP_SECRET, "utf8");
  const file = resolve(join(settings.DATA_DIR, "otp-secret.local"));
  const secret = secretFile(file, () => randomBytes(32).toString("hex")).trim();
  if (secret.length < 32) throw new Error(`${file} holds a key shorter than 32 characters: delete it to make a new one`);
  return Buffer.from(secret, "utf8");
}

/**
 * The key made once per secret: an HMAC keyed with a KeyObject skips importing the key's bytes
 * each time, about a quarter of the HMAC's time (issue 16: four of them a call).
 */
const keys = new WeakMap<Buffer, KeyObject>();
function keyOf(secret: Buffer): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(secret);
    keys.set(secret, key);
  }
  return key;
}

const hmac = (secret: Buffer, text: string) => createHmac("sha256", keyOf(secret)).update(text).digest("hex");
const codeHash = (policy: OtpPolicy, userId: number, code: string) => hmac(policy.secret, `code:${userId}:${code}`);
const numberHash = (policy: OtpPolicy, number: string) => hmac(policy.secret, `number:${number}`);

export interface IssuedCode {
  codeId: number;
  /** The idempotency id handed to the sender with the message: one per code. */
  messageId: string;
  /** In clear only here, on its way to the sender: never stored, never logged. */
  code: string;
  phone: string;
  expiresAt: Date;
}

/** Whose wrong codes a code's failures count against: the calling number that asked for it, else its user. */
interface FailureKey {
  userId: number;
  callerHash: string | null;
}

/** Which rows of otp_failures are `key`'s failures within the cool-down window (recentFailures, issueChecks). */
function failuresOf(policy: OtpPolicy, key: FailureKey, now: Date): { where: string; params: (string | number)[] } {
  const since = toDbTime(new Date(now.getTime() - policy.cooldownMinutes * 60_000));
  return key.callerHash === null
    ? { where: "user_id = ? AND caller_hash IS NULL AND failed_at > ?", params: [key.userId, since] }
    : { where: "caller_hash = ? AND failed_at > ?", params: [key.callerHash, since] };
}

/** The failures of `key` within the cool-down window, newest first (at most maxFailures of them). */
async function recentFailures(q: Queryable, policy: OtpPolicy, key: FailureKey, now: Date): Promise<Date[]> {
  const { where, params } = failuresOf(policy, key, now);
  const rows = await q.all<{ failed_at: string }>(`SELECT failed_at FROM otp_failures WHERE ${where} ORDER BY failed_at DESC LIMIT ?`, [...params, policy.maxFailures]);
  return rows.map((r) => fromDbTime(r.failed_at));
}

/**
 * When `key`'s cool-down ends, or null when it is not cooling down: it cools down at maxFailures
 * failures within the window, and ends when the oldest of those leaves the window.
 */
async function coolDownUntil(q: Queryable, policy: OtpPolicy, key: FailureKey, now: Date): Promise<Date | null> {
  return coolDownOf(policy, await recentFailures(q, policy, key, now));
}

/** coolDownUntil for failures already read (recentFailures). */
function coolDownOf(policy: OtpPolicy, failures: Date[]): Date | null {
  return coolDownFrom(policy, failures[policy.maxFailures - 1] ?? null);
}

/** coolDownUntil from the maxFailures-th newest failure within the window (none: not cooling down). */
function coolDownFrom(policy: OtpPolicy, failure: Date | null): Date | null {
  return failure === null ? null : new Date(failure.getTime() + policy.cooldownMinutes * 60_000);
}

/**
 * Locks one number's row in otp_number_locks for the rest of the transaction. On MariaDB the upsert
 * takes the row's exclusive lock (also when the row exists), so a second request for the number
 * waits here until the first commits, and its count (READ COMMITTED) then sees the first's code.
 * SQLite serialises every writer already (BEGIN IMMEDIATE, across processes too), so there the
 * row would lock nothing and is not written: two statements less per code (issue 16).
 */
async function lockNumber(q: Queryable, kind: "phone" | "caller", hash: string, now: Date): Promise<void> {
  if (q.dialect !== "mysql") return;
  await q.run("INSERT INTO otp_number_locks (kind, number_hash, touched_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE touched_at = VALUES(touched_at)", [
    kind,
    hash,
    toDbTime(now),
  ]);
}

type CountedBy = "user_id" | "phone_hash" | "caller_hash";

/** What issuing a code must know first (issueChecks). */
interface IssueChecks {
  /** Codes issued in the window (not counting undelivered ones) per user, phone and calling number, and the oldest of them. */
  counts: Map<CountedBy, { n: number; oldest: string | null }>;
  /** When the failure key's cool-down ends; null: it is not cooling down. */
  coolingDown: Date | null;
  /** The user's codes still active (superseded by the new one). */
  active: number;
}

/**
 * What issuing a code must know, in one statement (issue 16: it was three): the codes issued since
 * `since` per user, phone and calling number; `key`'s cool-down, as coolDownUntil finds it but read
 * as the one failure that decides it (the maxFailures-th newest in the window: SQLite answers that
 * in a third of the time of reading the failures); and whether the user has an active code to void
 * (most times none: the last one was used). The user's row is locked (on SQLite every writer
 * waits), so no code of theirs becomes active before the transaction ends.
 */
async function issueChecks(
  q: Queryable,
  policy: OtpPolicy,
  userId: number,
  by: [CountedBy, string | number][],
  since: string,
  key: FailureKey,
  now: Date,
): Promise<IssueChecks> {
  const failures = failuresOf(policy, key, now);
  const rows = await q.all<{ k: CountedBy | "failures" | "active"; n: number; oldest: string | null }>(
    [
      `SELECT 'failures' AS k, 0 AS n, (SELECT failed_at FROM otp_failures WHERE ${failures.where} ORDER BY failed_at DESC LIMIT 1 OFFSET ?) AS oldest`,
      "SELECT 'active' AS k, COUNT(*) AS n, NULL AS oldest FROM otp_codes WHERE user_id = ? AND state = 'active'",
      ...by.map(([column]) => `SELECT '${column}' AS k, COUNT(*) AS n, MIN(created_at) AS oldest FROM otp_codes WHERE ${column} = ? AND created_at > ? AND state <> 'failed'`),
    ].join(" UNION ALL "),
    [...failures.params, policy.maxFailures - 1, userId, ...by.flatMap(([, value]) => [value, since])],
  );
  const checks: IssueChecks = { counts: new Map(), coolingDown: null, active: 0 };
  for (const r of rows) {
    const n = Number(r.n ?? 0);
    const oldest = r.oldest ?? null;
    if (r.k === "failures") checks.coolingDown = coolDownFrom(policy, oldest === null ? null : fromDbTime(oldest));
    else if (r.k === "active") checks.active = n;
    else checks.counts.set(r.k, { n, oldest });
  }
  return checks;
}

/** What activeCode reads: the user's active code, and what decides whether its failure key is cooling down. */
interface ActiveCode {
  id: number;
  code_hash: string;
  caller_hash: string | null;
  attempts: number;
  expires_at: string;
  /** The maxFailures-th newest failure of the code's FailureKey within the window: the key cools down until it leaves the window (coolDownFrom). */
  decisive_failure: string | null;
  /** 1 when the key has a failure within the window (something for a right code to forgive). */
  any_failure: number;
}

/**
 * The user's active code (at most one: issuing voids the others under the user's lock) and its
 * failure key's failures within the window, in one statement (issue 16: it was two). Ordered as
 * the index otp_codes_user (user_id, created_at) runs (both databases add the primary key to it),
 * the read stops at the newest code, which is the active one after a request, instead of reading
 * every code the user ever had and sorting them. The failures are the code's calling number's
 * (failuresOf), or the user's own when the code came without one.
 */
async function activeCode(q: Queryable, policy: OtpPolicy, userId: number, now: Date): Promise<ActiveCode | undefined> {
  const since = toDbTime(new Date(now.getTime() - policy.cooldownMinutes * 60_000));
  const byUser = "FROM otp_failures f WHERE f.user_id = c.user_id AND f.caller_hash IS NULL AND f.failed_at > ?";
  const byCaller = "FROM otp_failures f WHERE f.caller_hash = c.caller_hash AND f.failed_at > ?";
  return q.get<ActiveCode>(
    `SELECT c.id, c.code_hash, c.caller_hash, c.attempts, c.expires_at,
       CASE WHEN c.caller_hash IS NULL
         THEN (SELECT f.failed_at ${byUser} ORDER BY f.failed_at DESC LIMIT 1 OFFSET ?)
         ELSE (SELECT f.failed_at ${byCaller} ORDER BY f.failed_at DESC LIMIT 1 OFFSET ?) END AS decisive_failure,
       CASE WHEN c.caller_hash IS NULL THEN EXISTS (SELECT 1 ${byUser}) ELSE EXISTS (SELECT 1 ${byCaller}) END AS any_failure
     FROM otp_codes c WHERE c.user_id = ? AND c.state = 'active' ORDER BY c.created_at DESC, c.id DESC LIMIT 1`,
    [since, policy.maxFailures - 1, since, policy.maxFailures - 1, since, since, userId],
  );
}

/** The message the caller receives (pt-BR, from sounds/messages.pt-BR.txt). */
export function codeMessage(code: string, ttlSeconds: number): string {
  const minutes = Math.round(ttlSeconds / 60);
  const validity =
    ttlSeconds < 60
      ? message("otp-validity-seconds", { seconds: ttlSeconds })
      : minutes === 1
        ? message("otp-validity-one-minute", {})
        : message("otp-validity-minutes", { minutes });
  return message("otp-message", { code, validity });
}

export interface CodeRequest {
  userCode: string;
  callId?: string | null;
  callerNumber?: string | null;
}

/** One-time codes: issued (hashed), handed to the message sender, checked. Every step is audited. */
export class CodeRepository {
  constructor(
    private readonly db: Db,
    readonly policy: OtpPolicy,
  ) {}

  /** Makes and stores (hashed) a new code for a user, superseding any earlier one. */
  async issue(input: CodeRequest, actor: Actor, now: Date, generate: CodeGenerator = randomCode): Promise<IssuedCode> {
    const policy = this.policy;
    return this.db.transaction(async (tx) => {
      const user = await findUserCoreByCode(tx, input.userCode, true);
      if (!user || !user.active) throw new NotFoundError("unknown_user", `no active user with code ${input.userCode}`);
      if (!user.phone) throw new NoPhoneError();
      const caller = input.callerNumber ? callerKey(input.callerNumber) : null;
      const callerHash = caller ? numberHash(policy, caller) : null;
      const hourAgo = new Date(now.getTime() - 3_600_000);
      const since = toDbTime(hourAgo);
      const phoneHash = numberHash(policy, user.phone);
      // Counted under the numbers' locks: the user's row lock does not cover users sharing a mobile
      // nor calls from one number (issue 14 item 3). Always phone before caller, so no deadlock.
      await lockNumber(tx, "phone", phoneHash, now);
      if (callerHash) await lockNumber(tx, "caller", callerHash, now);
      const by: [CountedBy, string | number][] = [
        ["user_id", user.id],
        ["phone_hash", phoneHash],
      ];
      if (callerHash) by.push(["caller_hash", callerHash]);
      const { counts, coolingDown, active } = await issueChecks(tx, policy, user.id, by, since, { userId: user.id, callerHash }, now);
      if (coolingDown) {
        throw new LockedError(
          `too many wrong codes from ${caller ? "this calling number" : "this client for this user"}: codes again at ${coolingDown.toISOString()}`,
          coolingDown,
          caller ? "caller" : "user",
        );
      }
      const names: Record<CountedBy, string> = { user_id: "this user", phone_hash: "this phone number", caller_hash: "the calling number" };
      for (const [column] of by) {
        const what = names[column];
        const c = counts.get(column) ?? { n: 0, oldest: null };
        if (c.n >= policy.maxPerHour) {
          const until = new Date((c.oldest ? fromDbTime(c.oldest).getTime() : now.getTime()) + 3_600_000);
          throw new RateLimitedError(`too many codes for ${what} in the last hour`, until, column === "caller_hash" ? "caller" : "user");
        }
      }

      if (active > 0) await tx.run("UPDATE otp_codes SET state = 'void' WHERE user_id = ? AND state = 'active'", [user.id]);
      const code = generate();
      if (!/^[0-9]{6,}$/.test(code)) throw new Error("code generator must return at least 6 digits");
      const expiresAt = new Date(now.getTime() + Math.min(policy.ttlSeconds, 600) * 1000);
      const r = await tx.run(
        "INSERT INTO otp_codes (user_id, code_hash, phone_hash, caller_hash, call_id, state, attempts, created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'active', 0, ?, ?)",
        [user.id, codeHash(policy, user.id, code), phoneHash, callerHash, input.callId ?? null, toDbTime(now), toDbTime(expiresAt)],
      );
      await writeAudit(tx, actor, now, {
        action: "otp.request",
        entity: "user",
        entityId: user.code,
        details: { phone: maskPhone(user.phone), caller: maskPhone(caller), callId: input.callId ?? null, expiresAt: expiresAt.toISOString() },
      });
      return { codeId: r.insertId, messageId: `otp-${r.insertId}-${now.getTime().toString(36)}`, code, phone: user.phone, expiresAt };
    });
  }

  /**
   * The sender answered that it did not take the message: the code is void and does not count
   * against the caps. A message it may have taken (no answer in time) is only audited: the code
   * stays valid, since it may reach the phone, and it counts (issue 14 item 7).
   */
  private async markUndelivered(codeId: number, reason: string, maybeSent: boolean, actor: Actor, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!maybeSent) await tx.run("UPDATE otp_codes SET state = 'failed' WHERE id = ?", [codeId]);
      await writeAudit(tx, actor, now, {
        action: maybeSent ? "otp.unconfirmed" : "otp.undelivered",
        entity: "otp_code",
        entityId: codeId,
        details: { reason },
      });
    });
  }

  /**
   * Checks a typed code against the user's newest code. A wrong one counts against the number that
   * asked for the code (FailureKey); at OTP_MAX_FAILURES within the window that number cools down:
   * the code is void and `locked` comes with the instant it ends.
   */
  async verify(input: { userCode: string; code: string }, actor: Actor, now: Date): Promise<OtpVerifyResult> {
    const result = await this.check(input, actor, now);
    if (result.ok) otpMetrics.verified();
    else otpMetrics.refused(result.reason);
    return result;
  }

  private check(input: { userCode: string; code: string }, actor: Actor, now: Date): Promise<OtpVerifyResult> {
    const policy = this.policy;
    return this.db.transaction(async (tx) => {
      const user = await findUserCoreByCode(tx, input.userCode, true);
      if (!user || !user.active) throw new NotFoundError("unknown_user", `no active user with code ${input.userCode}`);
      const audit = (details: Record<string, unknown>) =>
        writeAudit(tx, actor, now, { action: "otp.verify", entity: "user", entityId: user.code, details });
      const row = await activeCode(tx, policy, user.id, now);
      if (!row) {
        await audit({ result: "none" });
        return { ok: false, reason: "none", attemptsLeft: 0 };
      }
      const key: FailureKey = { userId: user.id, callerHash: row.caller_hash ?? null };
      const locked = async (until: Date, failures?: number): Promise<OtpVerifyResult> => {
        await tx.run("UPDATE otp_codes SET state = 'void' WHERE id = ?", [row.id]);
        await audit({ result: "locked", until: until.toISOString(), ...(failures === undefined ? {} : { failures }) });
        return { ok: false, reason: "locked", attemptsLeft: 0, until: until.toISOString(), scope: key.callerHash === null ? "user" : "caller" };
      };
      const already = coolDownFrom(policy, row.decisive_failure === null ? null : fromDbTime(row.decisive_failure));
      if (already) return locked(already);
      if (fromDbTime(row.expires_at).getTime() <= now.getTime()) {
        await tx.run("UPDATE otp_codes SET state = 'void' WHERE id = ?", [row.id]);
        await audit({ result: "expired" });
        return { ok: false, reason: "expired", attemptsLeft: 0 };
      }
      const expected = Buffer.from(row.code_hash, "hex");
      const given = Buffer.from(codeHash(policy, user.id, input.code), "hex");
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        await tx.run("UPDATE otp_codes SET state = 'used', used_at = ?, attempts = attempts + 1 WHERE id = ?", [toDbTime(now), row.id]);
        // Written only when there is something to reset (the user's row is locked: the count read is current).
        if (user.otpFailures !== 0) await tx.run("UPDATE users SET otp_failures = 0 WHERE id = ?", [user.id]);
        // This user's wrong codes from this number are forgiven; other users' (someone guessing) are not.
        // None in the window: older ones never count again (every read of them is windowed), so
        // there is nothing to forgive, and purge removes them.
        if (Number(row.any_failure) === 1) {
          if (key.callerHash === null) await tx.run("DELETE FROM otp_failures WHERE user_id = ? AND caller_hash IS NULL", [user.id]);
          else await tx.run("DELETE FROM otp_failures WHERE user_id = ? AND caller_hash = ?", [user.id, key.callerHash]);
        }
        await audit({ result: "ok" });
        return { ok: true };
      }
      const attempts = Number(row.attempts) + 1;
      // users.otp_failures: consecutive wrong codes of this user from any number, shown to admins.
      const failures = user.otpFailures + 1;
      await tx.run("INSERT INTO otp_failures (user_id, caller_hash, failed_at) VALUES (?, ?, ?)", [user.id, key.callerHash, toDbTime(now)]);
      await tx.run("UPDATE users SET otp_failures = ? WHERE id = ?", [failures, user.id]);
      const until = await coolDownUntil(tx, policy, key, now);
      if (until) return locked(until, failures);
      const spent = attempts >= policy.maxAttempts;
      await tx.run(`UPDATE otp_codes SET attempts = ?${spent ? ", state = 'void'" : ""} WHERE id = ?`, [attempts, row.id]);
      const attemptsLeft = Math.max(0, policy.maxAttempts - attempts);
      await audit({ result: "wrong", attemptsLeft, failures });
      return { ok: false, reason: "wrong", attemptsLeft };
    });
  }

  /**
   * For admins, of these users: those with a number (or, without one, the user) cooling down after
   * wrong codes, and when the latest of those cool-downs ends. One query for a page of users: the
   * window's failures of these users and of every number they came from (a number's failures
   * count across users), grouped here as recentFailures groups them.
   */
  async coolingDownFor(userIds: readonly number[], now: Date): Promise<Map<number, Date>> {
    const cooling = new Map<number, Date>();
    if (userIds.length === 0) return cooling;
    const since = toDbTime(new Date(now.getTime() - this.policy.cooldownMinutes * 60_000));
    const marks = userIds.map(() => "?").join(", ");
    const rows = await this.db.all<{ user_id: number; caller_hash: string | null; failed_at: string }>(
      `SELECT user_id, caller_hash, failed_at FROM otp_failures
        WHERE failed_at > ? AND (user_id IN (${marks})
           OR caller_hash IN (SELECT caller_hash FROM otp_failures WHERE user_id IN (${marks}) AND failed_at > ? AND caller_hash IS NOT NULL))`,
      [since, ...userIds, ...userIds, since],
    );
    const wanted = new Set(userIds);
    const failuresOf = new Map<string, Date[]>();
    const keysOf = new Map<number, Set<string>>();
    for (const r of rows) {
      const userId = Number(r.user_id);
      const key = r.caller_hash === null ? `user:${userId}` : `caller:${r.caller_hash}`;
      failuresOf.set(key, [...(failuresOf.get(key) ?? []), fromDbTime(r.failed_at)]);
      if (wanted.has(userId)) keysOf.set(userId, (keysOf.get(userId) ?? new Set()).add(key));
    }
    for (const [userId, keys] of keysOf) {
      for (const key of keys) {
        const newestFirst = failuresOf.get(key)!.sort((a, b) => b.getTime() - a.getTime()).slice(0, this.policy.maxFailures);
        const until = coolDownOf(this.policy, newestFirst);
        const latest = cooling.get(userId);
        if (until && (!latest || until > latest)) cooling.set(userId, until);
      }
    }
    return cooling;
  }

  /**
   * Issues a code and hands it to the sender with an idempotency id. When the sender refuses it, the
   * code is voided; when it does not answer in time the code stays valid and counted (it may still
   * arrive). Either way the sender's error (SenderUnavailableError / SenderRejectedError) reaches
   * the caller.
   */
  async send(
    sender: MessageSender,
    input: CodeRequest,
    actor: Actor,
    now: Date,
    options: { generate?: CodeGenerator; timeoutMs: number },
  ): Promise<{ expiresAt: Date; phoneMasked: string }> {
    const issued = await this.issue(input, actor, now, options.generate).catch((err: unknown) => {
      otpMetrics.refused(refusalReason(err));
      throw err;
    });
    try {
      await deliver(sender, { phone: issued.phone, text: codeMessage(issued.code, this.policy.ttlSeconds), id: issued.messageId }, options.timeoutMs);
    } catch (err) {
      const known = err instanceof SenderUnavailableError || err instanceof SenderRejectedError;
      // An error the sender did not describe may have come after it took the message.
      const mapped = known ? err : new SenderUnavailableError("the message sender did not answer", { cause: err, maybeSent: true });
      const reason = mapped instanceof SenderRejectedError ? mapped.reason : "unavailable";
      otpMetrics.failed(reason);
      await this.markUndelivered(issued.codeId, reason, mapped instanceof SenderUnavailableError && mapped.maybeSent, actor, now);
      throw mapped;
    }
    otpMetrics.sent();
    return { expiresAt: issued.expiresAt, phoneMasked: maskPhone(issued.phone) ?? "" };
  }
}

/** Sends with a deadline, even if a driver ignores its abort signal (withDeadline settles anyway). */
async function deliver(sender: MessageSender, message: OutgoingMessage, timeoutMs: number): Promise<void> {
  try {
    await withDeadline(timeoutMs, (request) => sender.send(message, request));
  } catch (err) {
    if (err instanceof DeadlineExceededError) {
      throw new SenderUnavailableError(`the message sender did not accept the message within ${timeoutMs} ms`, { maybeSent: true });
    }
    throw err;
  }
}

/** Why a code was not issued, as the ura_otp_refused_total label says it. */
function refusalReason(err: unknown): string {
  if (err instanceof RateLimitedError) return "rate_limited";
  if (err instanceof LockedError) return "locked";
  if (err instanceof NoPhoneError) return "no_phone";
  if (err instanceof NotFoundError) return "unknown_user";
  return "error";
}
