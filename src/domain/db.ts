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

/** `FOR UPDATE` where the database has row locks; SQLite serialises writers instead. */
export function forUpdate(q: Queryable): string {
  return q.dialect === "mysql" ? " FOR UPDATE" : "";
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
