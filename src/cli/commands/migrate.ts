import { loadMigrations, openStore, pendingMigrations } from "../../domain/index.js";
import { parseCommandLine, type CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "migrate",
  summary: "create or update the database schema (sql/)",
  usage: `ura migrate [--status]

Applies, in order, the files of sql/common and sql/<DB_DRIVER> that the database has not seen
(recorded in schema_migrations). Safe to run again and from several hosts at once.
  --status   list the migrations and whether each is applied, change nothing`,
  async run(args, ctx) {
    const { values } = parseCommandLine({ args, options: { status: { type: "boolean" } } });
    const store = await openStore(ctx.settings, { migrate: false });
    try {
      if (values.status) {
        const pending = new Set((await pendingMigrations(store.db)).map((m) => m.version));
        for (const m of loadMigrations(store.dialect)) {
          ctx.stdout.write(`${pending.has(m.version) ? "pending" : "applied"}  ${m.file}\n`);
        }
        return 0;
      }
      const result = await store.migrate();
      for (const m of result.applied) ctx.stdout.write(`applied  ${m.file}\n`);
      ctx.stdout.write(
        result.applied.length === 0
          ? `${store.dialect} schema is up to date (version ${result.current})\n`
          : `${store.dialect} schema now at version ${result.current}\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
