import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { defaultSqlDir, loadMigrations, migrate } from "../../src/domain/index.js";
import { DRIVERS, openTestDb } from "../support/databases.js";

const run = promisify(execFile);
const URA = join(import.meta.dirname, "../../bin/ura.js");

describe("migration files", () => {
  it("are numbered once across common/ and each dialect, and both dialects create the same tables", () => {
    const tables = (dialect: "sqlite" | "mysql") =>
      loadMigrations(dialect)
        .flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/g)].map((x) => x[1]))
        .sort();
    const versions = (dialect: "sqlite" | "mysql") => loadMigrations(dialect).map((m) => m.version);
    expect(versions("sqlite").slice(0, 3)).toEqual([1, 2, 3]);
    expect(versions("mysql")).toEqual(versions("sqlite"));
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
      const all = loadMigrations(driver);
      expect(applied.sort()).toEqual(all.map((m) => `applied  ${m.file}`).sort());
      expect(applied).toContain(`applied  ${driver}/001_schema.sql`);
      const rows = await t.store.db.all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => Number(r.version))).toEqual(all.map((m) => m.version));
      expect((await t.store.catalogue.tree()).length).toBe(6);
      expect((await migrate(t.store.db)).applied).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });
});

/** A copy of sql/ with the migrations before `version` only: a database as it was before it. */
function sqlBefore(version: number): string {
  const dir = mkdtempSync(join(tmpdir(), "ura-sql-"));
  for (const folder of ["common", "sqlite", "mysql"]) {
    mkdirSync(join(dir, folder));
    for (const file of readdirSync(join(defaultSqlDir(), folder))) {
      if (Number(file.slice(0, 3)) < version) copyFileSync(join(defaultSqlDir(), folder, file), join(dir, folder, file));
    }
  }
  return dir;
}

describe.each(DRIVERS)("migration 044 on %s (issue 13: options after their sub-menu's label)", (driver) => {
  it("shortens the seed's sentences no admin changed, and keeps the one an admin wrote", async () => {
    const t = await openTestDb(driver, `${import.meta.filename}-044`, {}, { migrate: false });
    const before = sqlBefore(44);
    try {
      await migrate(t.store.db, { sqlDir: before });
      await t.store.db.run("UPDATE services SET prompt = ? WHERE id = ?", ["Instalar um programa, 5.", 205]);
      await migrate(t.store.db);
      const rows = await t.store.db.all<{ id: number; prompt: string }>("SELECT id, prompt FROM services WHERE id IN (201, 204, 205, 301, 302, 303) ORDER BY id");
      expect(rows.map((r) => [Number(r.id), r.prompt])).toEqual([
        [201, "Formatação, 1."],
        [204, "Internet, 4."],
        [205, "Instalar um programa, 5."],
        [301, "Instalar, 1."],
        [302, "Configurar, 2."],
        [303, "Suprimentos, 3."],
      ]);
    } finally {
      rmSync(before, { recursive: true, force: true });
      await t.cleanup();
    }
  });
});
