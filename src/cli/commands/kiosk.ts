import { cliActor, UsageError, withStore, type CliCommand } from "../command.js";

const USAGE = `ura kiosk add NAME
    Makes a kiosk token for a wall TV and prints it (the only time it is shown). Open the
    wallboard on the TV at http://HOST:PORT/#/painel?token=TOKEN: read-only, nothing else.
ura kiosk list
ura kiosk revoke ID
    The TV with that token is refused from its next connection.`;

export const command: CliCommand = {
  name: "kiosk",
  summary: "kiosk tokens for wall TVs (the wallboard, read-only): add, list, revoke",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === "add") {
      const name = rest.join(" ").trim();
      if (!name) throw new UsageError("give the TV a NAME: ura kiosk add \"TV da sala de TI\"");
      return withStore(ctx, "kiosk", async (store) => {
        const { token, kiosk } = await store.kiosks.create({ name }, cliActor(), new Date());
        ctx.stderr.write(`kiosk token ${kiosk.id} "${kiosk.name}" (shown once; open http://${ctx.settings.API_HOST}:${ctx.settings.API_PORT}/#/painel?token=TOKEN on the TV):\n`);
        ctx.stdout.write(`${token}\n`);
        return 0;
      });
    }
    if (sub === "list") {
      return withStore(ctx, "kiosk", async (store) => {
        for (const k of await store.kiosks.list()) {
          ctx.stdout.write(`${String(k.id).padStart(4)}  ${k.revokedAt ? "revoked" : "active "}  ${k.lastUsedAt ?? "never used".padEnd(24)}  ${k.name}\n`);
        }
        return 0;
      });
    }
    if (sub === "revoke") {
      const id = Number(rest[0]);
      if (!Number.isInteger(id) || id <= 0 || rest.length !== 1) throw new UsageError("give the token's ID (ura kiosk list shows it)");
      return withStore(ctx, "kiosk", async (store) => {
        const k = await store.kiosks.revoke(id, cliActor(), new Date());
        ctx.stdout.write(`revoked kiosk token ${k.id} "${k.name}"\n`);
        return 0;
      });
    }
    throw new UsageError(sub === undefined ? "which one: add, list or revoke?" : `unknown sub-command "${sub}"`);
  },
};
