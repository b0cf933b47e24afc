import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import mysql from "mysql2/promise";
import { testSettings, type Settings } from "../../src/config/index.js";
import { openStore, type Store } from "../../src/domain/index.js";

/**
 * One migrated database per test file and driver. MariaDB: root@127.0.0.1:3306 without password
 * (CI's machine), a database named after the file and the process, dropped at the end. The tests
 * never start the server themselves: `.ci/run` does, and a developer does (see requireMysql).
 */
export const DRIVERS = ["sqlite", "mysql"] as const;
export type Driver = (typeof DRIVERS)[number];

export const MYSQL_ROOT = process.env.URA_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

export interface TestDb {
  store: Store;
  settings: Settings;
  dataDir: string;
  /** Drops the MySQL database / removes the SQLite file. */
  cleanup(): Promise<void>;
}

/** A root connection, or an error saying how to start the server (the suites never start it themselves). */
async function connectRoot(): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({ uri: MYSQL_ROOT, connectTimeout: 5000 });
  } catch (err) {
    throw new Error(
      `MariaDB is not reachable at ${MYSQL_ROOT} (${(err as Error).message}). The MySQL suites need it running: ` +
        "start it with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` (what .ci/run does), " +
        "or point URA_TEST_MYSQL_URL at another server.",
      { cause: err },
    );
  }
}

/** An empty MariaDB database of this name (dropped first if a crashed run left it); returns its URL and how to drop it. */
export async function freshMysqlDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = await connectRoot();
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  return {
    url: `${MYSQL_ROOT}/${name}`,
    async drop() {
      const conn = await connectRoot();
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

export async function openTestDb(
  driver: Driver,
  testFile: string,
  overrides: Partial<Record<keyof Settings, string>> = {},
  options: { migrate?: boolean } = {},
): Promise<TestDb> {
  const dataDir = mkdtempSync(join(tmpdir(), "ura-test-"));
  const tag = basename(testFile).replace(/\.test\.ts$/, "").replace(/\W/g, "_").slice(0, 30);
  if (driver === "sqlite") {
    const settings = testSettings({ DB_DRIVER: "sqlite", DATA_DIR: dataDir, OTP_SECRET: "x".repeat(40), ...overrides });
    const store = await openStore(settings, { migrate: options.migrate ?? true });
    return {
      store,
      settings,
      dataDir,
      async cleanup() {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const database = await freshMysqlDatabase(`ura_t_${tag}_${process.pid}`);
  const settings = testSettings({
    DB_DRIVER: "mysql",
    DATABASE_URL: database.url,
    DB_POOL_SIZE: "10",
    DATA_DIR: dataDir,
    OTP_SECRET: "x".repeat(40),
    ...overrides,
  });
  const store = await openStore(settings, { migrate: options.migrate ?? true });
  return {
    store,
    settings,
    dataDir,
    async cleanup() {
      await store.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every table's every value, as text: to prove what the database holds (or does not). */
export async function dumpAll(store: Store): Promise<string> {
  const tables = [
    "users",
    "user_phones",
    "services",
    "tickets",
    "ticket_history",
    "otp_codes",
    "otp_failures",
    "otp_number_locks",
    "calls",
    "business_hours",
    "holidays",
    "audit_log",
    "protocol_counters",
    "ticket_attachments",
  ];
  const parts: string[] = [];
  for (const t of tables) parts.push(JSON.stringify(await store.db.all(`SELECT * FROM ${t}`)));
  return parts.join("\n");
}

export const admin = { client: "test-admin", address: "127.0.0.1" };
