import { performance } from "node:perf_hooks";
import { dependencyFailed, observeDependency } from "../shared/metrics.js";

/**
 * The small SQL surface the repositories use, implemented by the SQLite (better-sqlite3) and the
 * MySQL/MariaDB (mysql2) drivers. Placeholders are `?` on both; instants are passed and returned as
 * UTC strings `YYYY-MM-DD HH:MM:SS.mmm` (see time.ts), so both databases behave the same.
 */
export type Dialect = "sqlite" | "mysql";

/** Bytes (`Uint8Array`, a Buffer) are stored as BLOBs. */
export type SqlValue = string | number | boolean | null | undefined | Uint8Array;

export interface RunResult {
  /** Rows matched by an UPDATE/DELETE, rows inserted by an INSERT. */
  changes: number;
  /** Id of the last inserted row (0 when none). */
  insertId: number;
}

export interface Queryable {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

export interface Db extends Queryable {
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. On MySQL a
   * deadlock or lock timeout retries the whole function, so `fn` must only touch the database.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  execScript(sql: string): Promise<void>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The database as the store uses it, with every statement and transaction timed for /metrics
 * (`ura_dependency_seconds{dependency="database"}`) and the driver's failures counted: one wrapper
 * around either driver instead of timing in every repository.
 */
export function measuredDb(db: Db): Db {
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } catch (err) {
      if (isDriverFailure(err)) dependencyFailed("database", "failed");
      throw err;
    } finally {
      observeDependency("database", performance.now() - started);
    }
  };
  return {
    dialect: db.dialect,
    all: (sql, params) => timed(() => db.all(sql, params)),
    get: (sql, params) => timed(() => db.get(sql, params)),
    run: (sql, params) => timed(() => db.run(sql, params)),
    transaction: (fn) => timed(() => db.transaction(fn)),
    execScript: (sql) => db.execScript(sql),
    ping: () => timed(() => db.ping()),
    close: () => db.close(),
  };
}

/**
 * The driver's own failure (SQLITE_BUSY, ER_LOCK_WAIT_TIMEOUT, ECONNREFUSED, a lost connection),
 * not a rule of ours thrown inside a transaction nor a duplicate key the caller expects.
 */
function isDriverFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(SQLITE_|ER_|PROTOCOL_|E[A-Z]+$)/.test(code) && !isUniqueViolation(err);
}

/** `FOR UPDATE` where the database has row locks; SQLite serialises writers instead. */
export function forUpdate(q: Queryable): string {
  return q.dialect === "mysql" ? " FOR UPDATE" : "";
}

/**
 * The escape clause to write after every `LIKE ?`. Without one SQLite has no escape character and
 * MariaDB takes a backslash, so the two disagreed on what `%`, `_` and a backslash meant. `!` is
 * plain in both dialects' string literals, so one clause serves both.
 */
export const LIKE_ESCAPE = "ESCAPE '!'";

/** A LIKE pattern matching `text` anywhere, its `%`, `_` and `!` taken as plain characters. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** True when `err` is a unique/primary key violation on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | null;
  if (e === null || typeof e !== "object") return false;
  return e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || e.errno === 1062;
}

/** Splits a SQL script into statements at `;` outside quotes and comments. */
export function splitSqlStatements(script: string): string[] {
  const out: string[] = [];
  let current = "";
  let i = 0;
  let quote: string | null = null;
  while (i < script.length) {
    const ch = script[i]!;
    const next = script[i + 1];
    if (quote !== null) {
      current += ch;
      if (ch === "\\" && quote !== "`" && next !== undefined) {
        current += next;
        i += 2;
        continue;
      }
      if (ch === quote) {
        if (next === quote) {
          current += next;
          i += 2;
          continue;
        }
        quote = null;
      }
      i += 1;
      continue;
    }
    if (ch === "-" && next === "-") {
      const end = script.indexOf("\n", i);
      i = end === -1 ? script.length : end + 1;
      current += "\n";
      continue;
    }
    if (ch === "/" && next === "*") {
      const end = script.indexOf("*/", i + 2);
      i = end === -1 ? script.length : end + 2;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`") quote = ch;
    if (ch === ";") {
      if (current.trim() !== "") out.push(current.trim());
      current = "";
      i += 1;
      continue;
    }
    current += ch;
    i += 1;
  }
  if (current.trim() !== "") out.push(current.trim());
  return out;
}
