import { UsageError, type CliCommand } from "../command.js";
import { CATALOGUE_SYNC_USAGE, catalogueSyncGlpi } from "./glpi-sync.js";

export const command: CliCommand = {
  name: "catalogue",
  summary: "build the phone menus from GLPI's ITIL categories",
  usage: CATALOGUE_SYNC_USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === "sync-glpi") return catalogueSyncGlpi(rest, ctx);
    throw new UsageError(sub === undefined ? "which one: sync-glpi?" : `unknown sub-command "${sub}"`);
  },
};
