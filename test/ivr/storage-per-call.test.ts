import { afterAll, beforeAll, expect, it } from "vitest";
import { dataPath } from "../../src/config/index.js";
import { createStore, migrate, openSqlite, resolveOtpSecret, type Db, type Queryable } from "../../src/domain/index.js";
import { question, ScriptedCaller } from "../support/callers.js";
import { dial, realBackend, startIvr, type IvrUnderTest } from "../support/scenario.js";
import { walWrites } from "../support/sqlite-wal.js";

/**
 * What one happy-path call costs the database (issue 16): the bench's call (user code, one-time
 * code, a two-level service, the survey) against the real API on SQLite, every statement and
 * transaction counted, and the commits and pages (WAL frames) the file received. The bounds are
 * today's counts: more is a regression to look at, fewer is welcome (lower them).
 * docs/performance.md lists them.
 */
const statements: string[] = [];
let counting = false;

function counted(q: Queryable, where: string): Queryable {
  const note = (sql: string) => counting && statements.push(`${where}${sql.replace(/\s+/g, " ").slice(0, 90)}`);
  return {
    dialect: q.dialect,
    all: (sql, params) => (note(sql), q.all(sql, params)),
    get: (sql, params) => (note(sql), q.get(sql, params)),
    run: (sql, params) => (note(sql), q.run(sql, params)),
  };
}

function countingDb(db: Db): Db {
  return {
    ...counted(db, ""),
    transaction: (fn) => {
      if (counting) statements.push("BEGIN");
      return db.transaction((tx) => fn(counted(tx, "  ")));
    },
    execScript: (sql) => db.execScript(sql),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

let backend: Awaited<ReturnType<typeof realBackend>>;
let file: string;
let db: Db;
let ivr: IvrUnderTest;
beforeAll(async () => {
  backend = await realBackend("sqlite", {
    openStore: async (settings) => {
      file = dataPath(settings, settings.SQLITE_PATH, "ura.sqlite");
      db = countingDb(openSqlite(file));
      await migrate(db);
      const policy = {
        secret: resolveOtpSecret(settings),
        ttlSeconds: settings.OTP_TTL_SECONDS,
        maxAttempts: settings.OTP_MAX_ATTEMPTS,
        maxFailures: settings.OTP_MAX_FAILURES,
        maxPerHour: settings.OTP_MAX_PER_HOUR,
        cooldownMinutes: settings.OTP_COOLDOWN_MINUTES,
      };
      return createStore(db, settings, policy);
    },
  });
  ivr = await startIvr({ api: backend.api, clock: () => backend.clock(), settings: { IVR_SURVEY: "true", IVR_API_BUDGET_MS: String(backend.budgetMs) } });
});
afterAll(async () => {
  await ivr?.close();
  await backend?.close();
});

it("a happy-path call costs at most 4 write transactions, 21 statements, 5 commits and 29 pages written, and leaves its ticket, survey answer and call record", async () => {
  const caller = new ScriptedCaller()
    .on("main-menu").press("1")
    .on("ask-user-code").press("1234#")
    .on("ask-otp").press(async () => `${await backend.lastCode("1234")}#`)
    .on(question("service-menu")).press("2")
    .on(question("sub-menu")).press("1")
    .on("protocol-repeat").press("2")
    .on("survey").press("5");
  // As under the bench's load, the services and the announcements read for calls are kept (5 s):
  // the warm-up read the services; a call just before this one would have read the announcements.
  await backend.api.announcements();
  // The write-ahead log emptied: what the call commits is what the file shows after it.
  await db.execScript("PRAGMA wal_checkpoint(TRUNCATE)");
  counting = true;
  // A number nobody registered, as the bench's callers: identified by code, the number checked for codes.
  const call = await dial(ivr, { caller, callerId: "30001" });
  await ivr.settled();
  counting = false;

  expect(call.variables.URA_RESULT).toBe("ticket");
  expect((await backend.tickets()).find((t) => t.protocol === call.variables.URA_TICKET)).toMatchObject({ userCode: "1234", serviceId: 201 });
  expect(await backend.surveyOf(call.uniqueId)).toMatchObject({ score: 5, kind: "ticket", ticketProtocol: call.variables.URA_TICKET });
  expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "ticket", userCode: "1234" });

  const breakdown = statements.join("\n");
  const wal = walWrites(file);
  expect(statements.filter((s) => s === "BEGIN").length, breakdown).toBeLessThanOrEqual(4);
  // 19 today; 2 more for the services and announcements kept for calls read again (their 5 s
  // may run out during the call on a loaded CI machine).
  expect(statements.filter((s) => s !== "BEGIN").length, breakdown).toBeLessThanOrEqual(21);
  // Alone on the line, the call's writes do not share a commit with another call's (group commit
  // needs company); the survey answer is a write of its own.
  expect(wal.commits, breakdown).toBeLessThanOrEqual(5);
  expect(wal.frames, breakdown).toBeLessThanOrEqual(29);
});
