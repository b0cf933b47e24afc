import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { splitSqlStatements, type Db, type Queryable } from "./db.js";
import { toDbTime } from "./time.js";

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
}

/** The `sql/` folder of the package (beside `src/` and `dist/`). */
export function defaultSqlDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, "../../sql"), resolve(here, "../sql"), resolve("sql")]) {
    if (existsSync(join(candidate, "common"))) return candidate;
  }
  throw new Error("cannot find the sql/ folder of ura-chamados");
}

/** Migrations for a dialect: `sql/common/NNN_*.sql` and `sql/<dialect>/NNN_*.sql`, by number. */
export function loadMigrations(dialect: Db["dialect"], sqlDir = defaultSqlDir()): Migration[] {
  const found: Migration[] = [];
  for (const folder of ["common", dialect]) {
    const dir = join(sqlDir, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      const m = /^(\d{3})_([\w-]+)\.sql$/.exec(file);
      if (!m) continue;
      found.push({ version: Number(m[1]), name: m[2]!, file: `${folder}/${file}`, sql: readFileSync(join(dir, file), "utf8") });
    }
  }
  found.sort((a, b) => a.version - b.version);
  for (let i = 1; i < found.length; i++) {
    if (found[i]!.version === found[i - 1]!.version) {
      throw new Error(`two migrations share number ${found[i]!.version}: ${found[i - 1]!.file}, ${found[i]!.file}`);
    }
  }
  return found;
}

/** The migrations not applied yet (all of them when the schema_migrations table does not exist). Reads only. */
export async function pendingMigrations(db: Queryable & { dialect: Db["dialect"] }, sqlDir?: string): Promise<Migration[]> {
  let applied = new Set<number>();
  try {
    applied = new Set((await db.all<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
  } catch {
    // No schema_migrations table yet: nothing applied.
  }
  return loadMigrations(db.dialect, sqlDir).filter((m) => !applied.has(m.version));
}

export interface MigrateResult {
  applied: Migration[];
  current: number;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each once, in order. On SQLite
 * each migration runs in a transaction; on MySQL (where DDL commits implicitly) a named lock keeps
 * concurrent starters from applying the same file twice.
 */
export async function migrate(db: Db, options: { now?: Date; sqlDir?: string } = {}): Promise<MigrateResult> {
  const migrations = loadMigrations(db.dialect, options.sqlDir);
  const applied: Migration[] = [];
  await db.execScript(
    db.dialect === "mysql"
      ? "CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at DATETIME(3) NOT NULL) ENGINE=InnoDB"
      : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const run = async (q: Queryable) => {
    const done = new Set((await q.all<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      const at = toDbTime(options.now ?? new Date());
      const apply = async (tx: Queryable) => {
        // Another process may have applied it since `done` was read (SQLite has no named lock).
        if (await tx.get("SELECT version FROM schema_migrations WHERE version = ?", [m.version])) return false;
        for (const statement of splitSqlStatements(m.sql)) await tx.run(statement);
        await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, at]);
        return true;
      };
      // SQLite: each file in its own transaction. MySQL: DDL commits implicitly, so the named lock
      // (held on this one connection) is what keeps two starters from applying a file twice.
      const didApply = db.dialect === "sqlite" ? await db.transaction(apply) : await apply(q);
      if (didApply) applied.push(m);
    }
  };
  if (db.dialect === "mysql") {
    await db.transaction(async (tx) => {
      const got = await tx.get<{ ok: number | null }>("SELECT GET_LOCK('ura_migrate', 60) AS ok");
      if (Number(got?.ok) !== 1) throw new Error("another process is migrating the database (lock ura_migrate)");
      try {
        await run(tx);
      } finally {
        await tx.get("SELECT RELEASE_LOCK('ura_migrate') AS ok");
      }
    });
  } else {
    await run(db);
  }
  const current = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  return { applied, current };
}
