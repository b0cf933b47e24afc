import { copyFileSync, existsSync, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { dataPath, type Settings } from "../../config/index.js";
import { UsageError, type CliCommand } from "../command.js";

const MYSQL = "DB_DRIVER=mysql: use mysqldump --single-transaction (docs/operations.md, Backups)";

function sqlitePath(settings: Settings): string {
  return settings.SQLITE_PATH === ":memory:" ? ":memory:" : dataPath(settings, settings.SQLITE_PATH, "ura.sqlite");
}

/** `ura backup FILE`: SQLite's online backup API (consistent while ura runs and writes). */
export const backup: CliCommand = {
  name: "backup",
  summary: "copy the SQLite database while ura runs (online backup); MySQL: see docs/operations.md",
  usage: `ura backup FILE

Writes a consistent copy of the SQLite database (SQLITE_PATH, default DATA_DIR/ura.sqlite) to FILE
with SQLite's online backup, safe while ura start / ura api are running. For MySQL/MariaDB use the
mysqldump recipe in docs/operations.md. Keep DATA_DIR/otp-secret.local and api-tokens.local too.`,
  async run(args, ctx) {
    const target = args[0];
    if (!target) throw new UsageError("say where to write the copy: ura backup FILE");
    if (ctx.settings.DB_DRIVER !== "sqlite") throw new UsageError(MYSQL);
    const source = sqlitePath(ctx.settings);
    if (!existsSync(source)) throw new UsageError(`no database at ${source}`);
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      await db.backup(resolve(target));
    } finally {
      db.close();
    }
    ctx.stdout.write(`backed up ${source} to ${resolve(target)}\n`);
    return 0;
  },
};

/** `ura restore FILE`: puts a backup back in place (with ura stopped). */
export const restore: CliCommand = {
  name: "restore",
  summary: "put a `ura backup` copy back as the SQLite database (stop ura first)",
  usage: `ura restore FILE

Checks that FILE is a ura SQLite database (it opens, passes integrity_check and has the migrations
table), then replaces SQLITE_PATH (default DATA_DIR/ura.sqlite) with it; the replaced file is kept as
<name>.before-restore. Stop ura start / ura api first. MySQL: see docs/operations.md.`,
  async run(args, ctx) {
    const file = args[0];
    if (!file) throw new UsageError("say which backup to restore: ura restore FILE");
    if (ctx.settings.DB_DRIVER !== "sqlite") throw new UsageError(MYSQL);
    const source = resolve(file);
    const check = new Database(source, { readonly: true, fileMustExist: true });
    try {
      const ok = check.pragma("integrity_check", { simple: true });
      if (ok !== "ok") throw new UsageError(`${source} fails integrity_check: ${String(ok)}`);
      const migrations = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      if (!migrations) throw new UsageError(`${source} is not a ura database (no schema_migrations table)`);
    } finally {
      check.close();
    }
    const target = sqlitePath(ctx.settings);
    if (existsSync(target)) renameSync(target, `${target}.before-restore`);
    for (const extra of ["-wal", "-shm"]) rmSync(`${target}${extra}`, { force: true });
    copyFileSync(source, target);
    ctx.stdout.write(`restored ${source} as ${target}\n`);
    return 0;
  },
};
