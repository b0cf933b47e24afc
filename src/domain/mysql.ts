import mysql from "mysql2/promise";
import { splitSqlStatements, type Db, type Queryable, type RunResult, type SqlValue } from "./db.js";

const DEADLOCK = 1213;
const LOCK_WAIT_TIMEOUT = 1205;

/**
 * MySQL 8 / MariaDB 10.11 through a mysql2 pool. Sessions run in UTC and DATETIME values come back
 * as strings, so instants look exactly as they do on SQLite.
 */
export function openMysql(url: string, poolSize: number): Db {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: poolSize,
    waitForConnections: true,
    queueLimit: 0,
    timezone: "Z",
    dateStrings: true,
    charset: "utf8mb4",
    supportBigNumbers: true,
    enableKeepAlive: true,
    connectTimeout: 5000,
  });
  pool.on("connection", (conn) => {
    // Callback-style connection: these run before any query the pool hands it.
    conn.query("SET time_zone = '+00:00'");
    conn.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  });

  const over = (conn: mysql.Pool | mysql.PoolConnection): Queryable => ({
    dialect: "mysql",
    async all<T>(sql: string, params: readonly SqlValue[] = []) {
      const [rows] = await conn.query(sql, normalise(params));
      return rows as T[];
    },
    async get<T>(sql: string, params: readonly SqlValue[] = []) {
      const [rows] = await conn.query(sql, normalise(params));
      return (rows as T[])[0];
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
      // query() inlines a Buffer as X'…' hex, doubling it on the wire: a 10 MiB attachment would
      // pass MariaDB's 16 MiB max_allowed_packet. A prepared statement sends the bytes as they are.
      const binary = params.some((p) => p instanceof Uint8Array);
      const [result] = binary ? await conn.execute(sql, normalise(params)) : await conn.query(sql, normalise(params));
      const header = result as mysql.ResultSetHeader;
      return { changes: header.affectedRows, insertId: Number(header.insertId ?? 0) };
    },
  });

  const base = over(pool);
  return {
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      for (let attempt = 1; ; attempt++) {
        const conn = await pool.getConnection();
        try {
          await conn.beginTransaction();
          const value = await fn(over(conn));
          await conn.commit();
          return value;
        } catch (err) {
          await conn.rollback().catch(() => undefined);
          const errno = (err as { errno?: number }).errno;
          if ((errno === DEADLOCK || errno === LOCK_WAIT_TIMEOUT) && attempt < 8) {
            await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
            continue;
          }
          throw err;
        } finally {
          conn.release();
        }
      }
    },
    async execScript(script: string) {
      const conn = await pool.getConnection();
      try {
        for (const statement of splitSqlStatements(script)) await conn.query(statement);
      } finally {
        conn.release();
      }
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      await pool.end();
    },
  };
}

function normalise(params: readonly SqlValue[]): Exclude<SqlValue, undefined>[] {
  return params.map((p) => (p === undefined ? null : p));
}
