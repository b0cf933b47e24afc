import type { Store } from "../../domain/index.js";
import { cliActor, parseCommandLine, UsageError, withStore, type CliCommand, type CliContext } from "../command.js";

const USAGE = `ura announcements add [--from INSTANT] [--until INSTANT] TEXT
    What callers hear before the main menu, e.g.
      ura announcements add --until 2026-12-01T18:00:00-03:00 "A rede da Secretaria de Saúde está fora do ar, a equipe já está trabalhando."
    --from, --until   ISO 8601 instants (default: from now, until ended). The text is synthesised
                      (TTS_ENGINE) before the command returns, so no caller waits for it.
ura announcements list [--all]
    Those playing or scheduled (--all: the ended ones too), newest first.
ura announcements end ID
    Stops it now: the next caller no longer hears it.`;

/** The store with the synthesiser, so an announcement's text is spoken before the command returns. */
function withAnnouncements(ctx: CliContext, work: (store: Store) => Promise<number>): Promise<number> {
  return withStore(ctx, "announcements", work, { speech: true });
}

export const command: CliCommand = {
  name: "announcements",
  summary: "announcements played before the main menu: add, list, end",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === "add") {
      const { values, positionals } = parseCommandLine({ args: rest, options: { from: { type: "string" }, until: { type: "string" } }, allowPositionals: true });
      const text = positionals.join(" ").trim();
      if (!text) throw new UsageError('give the TEXT: ura announcements add "A rede está fora do ar."');
      return withAnnouncements(ctx, async (store) => {
        const a = await store.announcements.create({ text, startsAt: values.from, endsAt: values.until }, cliActor(), new Date());
        ctx.stdout.write(`announcement ${a.id} ${a.state}, from ${a.startsAtLocal} until ${a.endsAtLocal ?? "ended"}: ${a.text}\n`);
        return 0;
      });
    }
    if (sub === "list") {
      const { values } = parseCommandLine({ args: rest, options: { all: { type: "boolean" } } });
      return withAnnouncements(ctx, async (store) => {
        for (const a of await store.announcements.list(new Date(), { current: !values.all })) {
          ctx.stdout.write(`${String(a.id).padStart(4)}  ${a.state.padEnd(9)}  ${a.startsAtLocal} → ${(a.endsAtLocal ?? "until ended").padEnd(25)}  ${a.text}\n`);
        }
        return 0;
      });
    }
    if (sub === "end") {
      const id = Number(rest[0]);
      if (!Number.isInteger(id) || id <= 0 || rest.length !== 1) throw new UsageError("give the announcement's ID (ura announcements list shows it)");
      return withAnnouncements(ctx, async (store) => {
        const a = await store.announcements.end(id, cliActor(), new Date());
        ctx.stdout.write(`announcement ${a.id} ended: ${a.text}\n`);
        return 0;
      });
    }
    throw new UsageError(sub === undefined ? "which one: add, list or end?" : `unknown sub-command "${sub}"`);
  },
};
