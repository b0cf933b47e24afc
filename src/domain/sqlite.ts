import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Db, Queryable, RunResult, SqlValue } from "./db.js";

/**
 * SQLite through better-sqlite3. The driver is synchronous and one connection serves the process,
 * so every statement and every transaction goes through one async mutex: a transaction's statements
 * never interleave with another request's, which is what gives SQLite the same isolation MySQL has.
 */
export function openSqlite(path: string): Db {
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

  const bind = (params: readonly SqlValue[] = []) =>
    params.map((p) => (p === undefined ? null : typeof p === "boolean" ? (p ? 1 : 0) : p));

  const direct: Queryable = {
    dialect: "sqlite",
    async all<T>(sql: string, params?: readonly SqlValue[]) {
      return prepare(sql).all(...bind(params)) as T[];
    },
    async get<T>(sql: string, params?: readonly SqlValue[]) {
      return prepare(sql).get(...bind(params)) as T | undefined;
    },
    async run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
      const r = prepare(sql).run(...bind(params));
      return { changes: r.changes, insertId: Number(r.lastInsertRowid) };
    },
  };

  let closed = false;
  return {
    dialect: "sqlite",
    all: (sql, params) => exclusive(() => direct.all(sql, params)),
    get: (sql, params) => exclusive(() => direct.get(sql, params)),
    run: (sql, params) => exclusive(() => direct.run(sql, params)),
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return exclusive(async () => {
        db.exec("BEGIN IMMEDIATE");
        try {
          const value = await fn(direct);
          db.exec("COMMIT");
          return value;
        } catch (err) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw err;
        }
      });
    },
    execScript: (sql) => exclusive(() => void db.exec(sql)),
    ping: () => exclusive(() => void db.prepare("SELECT 1").get()),
    async close() {
      if (closed) return;
      closed = true;
      await exclusive(() => db.close());
    },
  };
}
