import { chmodSync, mkdirSync, realpathSync } from "node:fs";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import type { Db, Queryable, RunResult, SqlValue } from "./db.js";

/** A write (or a read queued behind one) waiting for its group's commit. */
interface Member {
  /** A transaction's function, or one statement. */
  readonly work: (q: Queryable) => Promise<unknown>;
  /** A transaction runs in its own SAVEPOINT, so that its failure undoes it alone. */
  readonly savepoint: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The members queued in one event-loop turn: one SQLite transaction, one COMMIT. */
interface Batch {
  readonly members: Member[];
  /** Handed to the mutex to run (at the turn's end, or early when full). */
  taken: boolean;
}

/** At most this many members a group: a full one runs at once instead of waiting. */
const GROUP_CAP = 64;

/**
 * After a group of several members (writes come from several callers at once), the next group
 * starts at least this long after its COMMIT (docs/decisions.md): writes then gather over a few
 * turns instead of one. Each COMMIT rewrites the pages every group touches (tables' and indexes'
 * last pages), so fewer, larger groups write fewer WAL frames a call. A write after a quiet spell,
 * or one writer's writes one after the other (an import), still commit at their turn's end.
 */
export const GROUP_SPACING_MS = 10;

export interface SqliteOptions {
  /** Default GROUP_SPACING_MS; tests set it to make a group's gathering obvious. */
  groupSpacingMs?: number;
}

/**
 * Connections of this process to one file, by path. While one runs a group (the write lock held,
 * its members awaiting between statements), another must wait for it instead of asking SQLite for
 * the lock, which would block the event loop the first one needs (busy_timeout, then SQLITE_BUSY).
 * Tests and two `openStore` on one file do this.
 */
const writers = new Map<string, { busy: Promise<void> | null; connections: number }>();

/**
 * SQLite through better-sqlite3. The driver is synchronous and one connection serves the process,
 * so every statement and every transaction goes through one async mutex: a transaction's statements
 * never interleave with another request's, which is what gives SQLite the same isolation MySQL has.
 *
 * Writes are committed in groups (docs/decisions.md): the transactions and single writes asked for
 * in one event-loop turn are queued, and at the turn's end (`setImmediate`; under load,
 * GROUP_SPACING_MS after the previous group's COMMIT) run one after the other in one
 * `BEGIN IMMEDIATE … COMMIT`, each transaction in its own SAVEPOINT so that its failure undoes it
 * alone. A commit is SQLite's costliest step (WAL frames, `-shm` locks). Every member's promise
 * settles after the COMMIT, so nobody hears "done" for a row that is not durable; when SQLite drops
 * the transaction or the COMMIT fails, every member of the group is rejected. Reads asked for while
 * writes are queued queue behind them (the order callers asked in is kept) and answer after the
 * commit too; other reads run at once. The write lock is held only while the group runs.
 *
 * Inside a transaction use its `tx` only: a promise of the outer Db awaited there queues behind
 * the group that awaits it, and never settles.
 */
export function openSqlite(path: string, options: SqliteOptions = {}): Db {
  const spacingMs = options.groupSpacingMs ?? GROUP_SPACING_MS;
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // Personal data (LGPD): only the service's user may read the file.
  if (path !== ":memory:") {
    try {
      chmodSync(path, 0o600);
    } catch (err) {
      // A file someone else owns keeps its mode; the service can still use it.
      if ((err as NodeJS.ErrnoException).code !== "EPERM") throw err;
    }
  }
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.pragma("synchronous = NORMAL");

  const key = path === ":memory:" ? null : realpathSync(path);
  const writer = (key === null ? undefined : writers.get(key)) ?? { busy: null, connections: 0 };
  writer.connections += 1;
  if (key !== null) writers.set(key, writer);

  let tail: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = tail.then(fn, fn);
    tail = result.catch(() => undefined);
    return result;
  }

  // Prepared once per SQL text: preparing (parsing and planning) was ~7 % of the service's CPU
  // under load (docs/performance.md). The SQL texts are the store's constants, so the cache stays
  // small; the bound is there in case a caller ever builds SQL dynamically.
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let stmt = statements.get(sql);
    if (stmt === undefined) {
      if (statements.size >= 500) statements.clear();
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const savepoint = db.prepare("SAVEPOINT member");
  const release = db.prepare("RELEASE member");
  const rollbackTo = db.prepare("ROLLBACK TO member");

  const bind = (params: readonly SqlValue[] = []) =>
    params.map((p) => (p === undefined ? null : typeof p === "boolean" ? (p ? 1 : 0) : p));

  /** While a group runs: whether SQLite rolled its whole transaction back (SQLITE_FULL, `OR ROLLBACK`, …). */
  let running: { lost: { error: unknown } | null } | null = null;

  /** Runs one statement; notes when SQLite dropped the group's transaction under it. */
  const statement = <T>(work: () => T): T => {
    const group = running;
    // After the loss, a statement would run outside any transaction: refused.
    if (group?.lost) throw group.lost.error;
    try {
      return work();
    } catch (err) {
      if (group !== null && !db.inTransaction) group.lost = { error: err };
      throw err;
    }
  };

  const direct: Queryable = {
    dialect: "sqlite",
    async all<T>(sql: string, params?: readonly SqlValue[]) {
      return statement(() => prepare(sql).all(...bind(params)) as T[]);
    },
    async get<T>(sql: string, params?: readonly SqlValue[]) {
      return statement(() => prepare(sql).get(...bind(params)) as T | undefined);
    },
    async run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
      const r = statement(() => prepare(sql).run(...bind(params)));
      return { changes: r.changes, insertId: Number(r.lastInsertRowid) };
    },
  };

  let batch: Batch | null = null;
  /** When the next group may start (performance.now()): set after a COMMIT of several members (GROUP_SPACING_MS). */
  let nextGroupAt = -Infinity;

  function enqueue<T>(work: (q: Queryable) => Promise<T>, withSavepoint: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let b = batch;
      if (b === null) {
        const fresh: Batch = { members: [], taken: false };
        b = batch = fresh;
        const wait = nextGroupAt - performance.now();
        if (wait > 0) setTimeout(() => void commitBatch(fresh), wait);
        else setImmediate(() => void commitBatch(fresh));
      }
      b.members.push({ work, savepoint: withSavepoint, resolve: resolve as (value: unknown) => void, reject });
      if (b.members.length >= GROUP_CAP) void commitBatch(b);
    });
  }

  /** Hands the batch to the mutex (once); later callers start a new batch. */
  function commitBatch(b: Batch): Promise<void> {
    if (b.taken) return Promise.resolve();
    b.taken = true;
    if (batch === b) batch = null;
    return exclusive(async () => {
      let rest = b.members;
      while (rest.length > 0) rest = await runGroup(rest);
    });
  }

  /**
   * Runs members in one transaction and commits it, then settles them. When SQLite drops the
   * transaction under a member, that member and those before it fail; returns the ones not run.
   */
  async function runGroup(members: Member[]): Promise<Member[]> {
    while (writer.busy !== null) await writer.busy;
    try {
      db.exec("BEGIN IMMEDIATE");
    } catch (error) {
      for (const m of members) m.reject(error);
      return [];
    }
    let end!: () => void;
    writer.busy = new Promise<void>((resolve) => (end = resolve));
    const group: { lost: { error: unknown } | null } = { lost: null };
    running = group;
    const outcomes: { member: Member; ok: boolean; value: unknown }[] = [];
    let ran = 0;
    for (const member of members) {
      ran += 1;
      // Inside the try: a SAVEPOINT that failed must still end the group, or every later one waits.
      let saved = false;
      try {
        if (member.savepoint) {
          savepoint.run();
          saved = true;
        }
        const value = await member.work(direct);
        if (group.lost !== null) throw group.lost.error;
        if (member.savepoint) release.run();
        outcomes.push({ member, ok: true, value });
      } catch (error) {
        if (group.lost === null && db.inTransaction) {
          try {
            if (saved) {
              rollbackTo.run();
              release.run();
            }
            outcomes.push({ member, ok: false, value: error });
            continue;
          } catch (undo) {
            group.lost = { error: undo };
          }
        }
        group.lost ??= { error };
        outcomes.push({ member, ok: false, value: group.lost.error });
        break;
      }
    }
    running = null;
    let failure = group.lost;
    if (failure === null) {
      try {
        db.exec("COMMIT");
      } catch (error) {
        failure = { error };
      }
      nextGroupAt = outcomes.length > 1 ? performance.now() + spacingMs : -Infinity;
    }
    if (failure !== null && db.inTransaction) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // Nothing of the group is reported done; the next BEGIN says what is wrong.
      }
    }
    writer.busy = null;
    end();
    for (const { member, ok, value } of outcomes) {
      if (failure !== null) member.reject(ok ? failure.error : value);
      else if (ok) member.resolve(value);
      else member.reject(value);
    }
    return members.slice(ran);
  }

  /** Reads run at once, unless writes are queued: then behind them, in their group. */
  const read = <T>(work: (q: Queryable) => Promise<T>): Promise<T> => (batch === null ? exclusive(() => work(direct)) : enqueue(work, false));

  /** Runs what is queued before `fn` (a script, closing). */
  const afterQueued = <T>(fn: () => T): Promise<T> => {
    if (batch !== null) void commitBatch(batch);
    return exclusive(async () => {
      while (writer.busy !== null) await writer.busy;
      return fn();
    });
  };

  let closed = false;
  return {
    dialect: "sqlite",
    all: (sql, params) => read((q) => q.all(sql, params)),
    get: (sql, params) => read((q) => q.get(sql, params)),
    run: (sql, params) => enqueue((q) => q.run(sql, params), false),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => enqueue(fn, true),
    execScript: (sql) => afterQueued(() => void db.exec(sql)),
    ping: () => read(async () => void prepare("SELECT 1").get()),
    async close() {
      if (closed) return;
      closed = true;
      await afterQueued(() => db.close());
      writer.connections -= 1;
      if (key !== null && writer.connections === 0) writers.delete(key);
    },
  };
}
