import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadMigrations, migrate } from "../../src/domain/index.js";
import { DRIVERS, openTestDb } from "../support/databases.js";

const run = promisify(execFile);
const URA = join(import.meta.dirname, "../../bin/ura.js");

describe("migration files", () => {
  it("are numbered once across common/ and each dialect, and both dialects create the same tables", () => {
    const tables = (dialect: "sqlite" | "mysql") =>
      loadMigrations(dialect)
        .flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/g)].map((x) => x[1]))
        .sort();
    expect(loadMigrations("sqlite").map((m) => m.version)).toEqual([1, 2, 3]);
    expect(loadMigrations("mysql").map((m) => m.version)).toEqual([1, 2, 3]);
    expect(tables("mysql")).toEqual(tables("sqlite"));
  });
});

describe.each(DRIVERS)("migrating %s", (driver) => {
  it("two `ura migrate` processes started at once apply each migration exactly once", async () => {
    const t = await openTestDb(driver, `${import.meta.filename}-race`, {}, { migrate: false });
    try {
      const env = { ...process.env, DB_DRIVER: driver, DATABASE_URL: t.settings.DATABASE_URL, DATA_DIR: t.dataDir, LOG_LEVEL: "warn" };
      const outs = await Promise.all([1, 2].map(() => run(process.execPath, [URA, "migrate"], { env, timeout: 60_000 })));
      const applied = outs.flatMap((o) => o.stdout.split("\n").filter((l) => l.startsWith("applied")));
      expect(applied.sort()).toEqual([`applied  ${driver}/001_schema.sql`, "applied  common/002_seed.sql", `applied  ${driver}/003_ticket_attachments.sql`].sort());
      const rows = await t.store.db.all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => Number(r.version))).toEqual([1, 2, 3]);
      expect((await t.store.catalogue.tree()).length).toBe(6);
      expect((await migrate(t.store.db)).applied).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });
});
