import { join } from "node:path";

export type DbChoice = "sqlite" | "mysql";

const MYSQL = { host: "127.0.0.1", port: 3306, user: "root" };

/** A fresh MariaDB/MySQL database for one run (dropped by dropDatabase). */
export async function createDatabase(): Promise<{ name: string; url: string }> {
  const mysql = await import("mysql2/promise");
  const name = `ura_bench_${Date.now()}_${process.pid}`;
  const conn = await mysql.createConnection(MYSQL);
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
  return { name, url: `mysql://root@127.0.0.1:3306/${name}` };
}

export async function dropDatabase(name: string): Promise<void> {
  if (!/^ura_bench_\d+_\d+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const mysql = await import("mysql2/promise");
  const conn = await mysql.createConnection(MYSQL);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}

/** call_id of every ticket, read straight from the database once the service has stopped. */
export async function ticketCallIds(db: DbChoice, dataDir: string, mysqlUrl: string | null): Promise<string[]> {
  if (db === "mysql") {
    const mysql = await import("mysql2/promise");
    const conn = await mysql.createConnection(mysqlUrl!);
    try {
      const [rows] = await conn.query("SELECT call_id FROM tickets WHERE call_id IS NOT NULL");
      return (rows as { call_id: string }[]).map((r) => r.call_id);
    } finally {
      await conn.end();
    }
  }
  const { default: Database } = await import("better-sqlite3");
  const sqlite = new Database(join(dataDir, "ura.sqlite"), { readonly: true, fileMustExist: true });
  try {
    return (sqlite.prepare("SELECT call_id FROM tickets WHERE call_id IS NOT NULL").all() as { call_id: string }[]).map((r) => r.call_id);
  } finally {
    sqlite.close();
  }
}
