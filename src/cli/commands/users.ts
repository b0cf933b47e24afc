import { readFile } from "node:fs/promises";
import { CsvFileError, decodeCsv, type ImportReport } from "../../domain/index.js";
import { maskPhone } from "../../shared/privacy.js";
import { cliActor, parseCommandLine, UsageError, withStore, type CliCommand, type CliContext } from "../command.js";
import { USERS_SYNC_USAGE, usersSyncGlpi } from "./glpi-sync.js";

const USAGE = `ura users import FILE.csv
    Adds or updates users from a CSV file with a header row. Columns (English or Portuguese):
    code/codigo, name/nome, phone/celular, extensions/ramais, department/departamento, active/ativo;
    code and name are required. ',' or ';' separated; several extensions in one cell separated by
    spaces or '|'. Good rows are kept, bad ones are listed with their line number and reason;
    importing again updates users (same code) instead of duplicating them. Exit code 1 when any
    row was rejected.
ura users add --code 1234 --name "Ana Souza" [--phone "(45) 99999-9999"] [--ext 2001 --ext 2002]
              [--department Saúde]
    Adds one user.
${USERS_SYNC_USAGE}`;

/** A one-line progress bar, redrawn in place; only on a terminal. */
export function progressBar(stream: NodeJS.WritableStream, label: string): { update(done: number, total: number): void; end(): void } {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  let last = -1;
  return {
    update(done, total) {
      if (!tty || total === 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const pct = Math.floor((done / total) * 100);
      if (pct === last && done !== total) return;
      last = pct;
      stream.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(pct).padStart(3)}% ${done}/${total}`);
    },
    end() {
      if (tty && last !== -1) stream.write("\n");
    },
  };
}

export function formatReport(file: string, r: ImportReport): string {
  const lines = [`${file}: ${r.rows} row(s) — ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected.length} rejected`];
  for (const x of r.rejected) lines.push(`  line ${x.line}${x.code ? ` (code ${x.code})` : ""}: ${x.reason}`);
  return `${lines.join("\n")}\n`;
}

async function importFile(args: string[], ctx: CliContext): Promise<number> {
  const file = args[0];
  if (!file || args.length > 1) throw new UsageError("give one CSV file: ura users import FILE.csv");
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    ctx.stderr.write(`ura users import: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 1;
  }
  let text: string;
  try {
    text = decodeCsv(bytes);
  } catch (err) {
    if (!(err instanceof CsvFileError)) throw err;
    ctx.stderr.write(`ura users import: ${file}: ${err.message}\n`);
    return 1;
  }
  return withStore(ctx, "users import", async (store) => {
    const bar = progressBar(ctx.stderr, "importing");
    try {
      const report = await store.users.importCsv(text, cliActor(), new Date(), (done, total) => bar.update(done, total));
      bar.end();
      ctx.stdout.write(formatReport(file, report));
      return report.rejected.length === 0 ? 0 : 1;
    } catch (err) {
      bar.end();
      if (err instanceof CsvFileError) {
        ctx.stderr.write(`ura users import: ${file}: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  });
}

async function addUser(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandLine({
    args,
    options: {
      code: { type: "string" },
      name: { type: "string" },
      phone: { type: "string" },
      ext: { type: "string", multiple: true },
      department: { type: "string" },
      inactive: { type: "boolean" },
    },
  });
  const { code, name } = values;
  if (!code || !name) throw new UsageError("--code and --name are required");
  return withStore(
    ctx,
    "users add",
    async (store) => {
      const user = await store.users.create(
        {
          code,
          name,
          phone: values.phone ?? null,
          extensions: (values.ext ?? []).flatMap((e) => e.split(/[\s,;|]+/)).filter(Boolean),
          department: values.department ?? null,
          active: !values.inactive,
        },
        cliActor(),
        new Date(),
      );
      ctx.stdout.write(
        `added user ${user.code} ${user.name}${user.phone ? `, mobile ${maskPhone(user.phone)}` : ""}${user.extensions.length ? `, extensions ${user.extensions.join(" ")}` : ""}\n`,
      );
      return 0;
    },
    { field: (field) => `--${field === "extensions" ? "ext" : field}`, speech: true },
  );
}

export const command: CliCommand = {
  name: "users",
  summary: "import users from CSV or from GLPI, or add one",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === "import") return importFile(rest, ctx);
    if (sub === "add") return addUser(rest, ctx);
    if (sub === "sync-glpi") return usersSyncGlpi(rest, ctx);
    throw new UsageError(sub === undefined ? "which one: import, add or sync-glpi?" : `unknown sub-command "${sub}"`);
  },
};
