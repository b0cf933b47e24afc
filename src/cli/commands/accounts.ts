import { cliActor, parseCommandLine, UsageError, withStore, type CliCommand, type CliContext } from "../command.js";

const USAGE = `ura accounts add USERNAME --name "Ana Souza" [--role technician|admin] [--extension 2001]
    Adds a console account (technician by default). The password is read from the terminal
    (asked twice), or from the first line of standard input when it is not a terminal
    (echo "$PASSWORD" | ura accounts add …). At least 10 characters.
ura accounts password USERNAME
    Sets a new password (read the same way); the account's sessions end.
ura accounts deactivate USERNAME | ura accounts activate USERNAME
ura accounts list`;

/** One line from stdin: typed without echo on a terminal, else the first line of the pipe. */
export async function readPassword(ctx: CliContext, prompt: string): Promise<string> {
  const input = ctx.stdin as NodeJS.ReadStream;
  if (input.isTTY) {
    ctx.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    return new Promise((resolve) => {
      let typed = "";
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString("utf8")) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") {
            input.setRawMode(false);
            input.pause();
            input.off("data", onData);
            ctx.stderr.write("\n");
            resolve(typed);
            return;
          }
          if (ch === "\u0003") process.exit(130);
          typed = ch === "\u007f" ? typed.slice(0, -1) : typed + ch;
        }
      };
      input.on("data", onData);
    });
  }
  return pipedLines(input).next();
}

/** Lines of a piped stdin, read once and handed out one at a time. */
const piped = new WeakMap<NodeJS.ReadableStream, Promise<string[]>>();
function pipedLines(input: NodeJS.ReadableStream): { next(): Promise<string> } {
  let read = piped.get(input);
  if (!read) {
    read = (async () => {
      let text = "";
      for await (const chunk of input) text += String(chunk);
      return text.split(/\r?\n/);
    })();
    piped.set(input, read);
  }
  return { next: async () => (await read).shift() ?? "" };
}

async function askNewPassword(ctx: CliContext): Promise<string | null> {
  const first = await readPassword(ctx, "Senha: ");
  if ((ctx.stdin as NodeJS.ReadStream).isTTY) {
    const again = await readPassword(ctx, "Repita a senha: ");
    if (again !== first) {
      ctx.stderr.write("ura accounts: the two passwords differ; nothing changed\n");
      return null;
    }
  }
  return first;
}

/** A refused field as this command line names it. */
const accountsField = { field: (field: string) => (field === "username" ? "USERNAME" : `--${field}`) };

async function add(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: { name: { type: "string" }, role: { type: "string" }, extension: { type: "string" } },
    allowPositionals: true,
  });
  const username = positionals[0];
  if (!username || positionals.length > 1) throw new UsageError("give one USERNAME");
  if (typeof values.name !== "string") throw new UsageError("--name is required");
  const password = await askNewPassword(ctx);
  if (password === null) return 1;
  return withStore(
    ctx,
    "accounts",
    async (store) => {
      const account = await store.accounts.create(
        { username, name: values.name, role: values.role ?? "technician", extension: values.extension ?? null, password },
        cliActor(),
        new Date(),
      );
      ctx.stdout.write(`added ${account.role} account ${account.username} (${account.name})${account.extension ? `, extension ${account.extension}` : ""}\n`);
      return 0;
    },
    accountsField,
  );
}

async function change(args: string[], ctx: CliContext, patch: (ctx: CliContext) => Promise<Record<string, unknown> | null>, done: string): Promise<number> {
  const { positionals } = parseCommandLine({ args, options: {}, allowPositionals: true });
  const username = positionals[0];
  if (!username || positionals.length > 1) throw new UsageError("give one USERNAME");
  const body = await patch(ctx);
  if (body === null) return 1;
  return withStore(
    ctx,
    "accounts",
    async (store) => {
      const account = await store.accounts.update(username, body, cliActor(), new Date());
      ctx.stdout.write(`${done} ${account.username}\n`);
      return 0;
    },
    accountsField,
  );
}

async function list(ctx: CliContext): Promise<number> {
  return withStore(ctx, "accounts", async (store) => {
    for (const a of await store.accounts.list()) {
      ctx.stdout.write(`${a.username.padEnd(20)} ${a.role.padEnd(10)} ${a.active ? "active  " : "inactive"} ${a.extension ?? "-"}\t${a.name}\n`);
    }
    return 0;
  });
}

export const command: CliCommand = {
  name: "accounts",
  summary: "console accounts (technicians, admins): add, password, deactivate, list",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === "add") return add(rest, ctx);
    if (sub === "password") {
      return change(rest, ctx, async (c) => {
        const password = await askNewPassword(c);
        return password === null ? null : { password };
      }, "new password set for");
    }
    if (sub === "deactivate") return change(rest, ctx, async () => ({ active: false }), "deactivated");
    if (sub === "activate") return change(rest, ctx, async () => ({ active: true }), "activated");
    if (sub === "list") return list(ctx);
    throw new UsageError(sub === undefined ? "which one: add, password, deactivate, activate or list?" : `unknown sub-command "${sub}"`);
  },
};
