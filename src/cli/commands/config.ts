import { renderConfigTable, renderEnvExample } from "../../config/index.js";
import { UsageError, type CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "config",
  summary: "check the configuration, or print .env.example",
  usage: `ura config check     validate every setting (environment and .env) and say what is wrong
ura config example   print .env.example (every setting, its default and what it means)
ura config table     print the settings table of docs/configuration.md`,
  async run(args, ctx) {
    const sub = args[0] ?? "check";
    if (sub === "example") {
      ctx.stdout.write(renderEnvExample());
      return 0;
    }
    if (sub === "table") {
      ctx.stdout.write(renderConfigTable());
      return 0;
    }
    if (sub === "check") {
      // Settings were already validated when the CLI started; reaching here means they are valid.
      ctx.stdout.write(`configuration OK (DB_DRIVER=${ctx.settings.DB_DRIVER}, TTS_ENGINE=${ctx.settings.TTS_ENGINE}, SENDER_DRIVER=${ctx.settings.SENDER_DRIVER})\n`);
      return 0;
    }
    throw new UsageError(`unknown sub-command "${sub}"`);
  },
};
