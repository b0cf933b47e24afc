import type { Store } from "../../domain/index.js";
import { GlpiApiError, GlpiConfigError, GlpiUnavailableError, glpiClientFromSettings, syncCatalogue, syncUsers, type CodeField, type GlpiClient } from "../../glpi/index.js";
import { cliActor, parseCommandLine, UsageError, withStore, type CliContext } from "../command.js";

export const USERS_SYNC_USAGE = `ura users sync-glpi [--code-field registration_number|login|id] [--dry-run]
    Imports or updates our users from GLPI's (GLPI_URL, GLPI_USER_TOKEN): the keypad code from the
    GLPI field --code-field (the administrative/registration number by default; 1 to 12 digits),
    the name, the mobile (one-time codes), phone and phone 2 as extensions, the location as
    department. Each user keeps its GLPI id: its tickets' requester. Users linked to a GLPI user
    that no longer yields one are deactivated. GLPI users left out (no code, a shared code) and
    values not used are listed. --dry-run shows what would change and writes nothing.`;

export const CATALOGUE_SYNC_USAGE = `ura catalogue sync-glpi [--root ID]... [--dry-run]
    Builds the two-level phone menu from GLPI's ITIL categories: each chosen category (--root, one
    or more; by default the top-level ones visible in the helpdesk) is a main-menu option, its
    children the options under it, each linked to its category (tickets carry itilcategories_id).
    Options already linked keep the key and the sentence an admin gave them and follow a rename;
    new ones take the lowest free key; options made without GLPI are left alone; linked options
    whose category is gone are deactivated. --dry-run shows the plan and writes nothing.`;

/**
 * The GLPI client and the store for one sync, both closed after; GLPI's refusal or absence is one
 * line an admin can act on (docs/glpi.md, ura doctor).
 */
async function withGlpi(command: string, ctx: CliContext, work: (client: GlpiClient, store: Store) => Promise<number>): Promise<number> {
  try {
    const client = glpiClientFromSettings(ctx.settings, ctx.logger);
    try {
      return await withStore(ctx, command, (store) => work(client, store));
    } finally {
      await client.killSession();
    }
  } catch (err) {
    if (err instanceof GlpiConfigError || err instanceof GlpiApiError || err instanceof GlpiUnavailableError) {
      ctx.stderr.write(`ura ${command}: ${err.message}\n  (ura doctor checks the GLPI settings; docs/glpi.md)\n`);
      return 1;
    }
    throw err;
  }
}

export async function usersSyncGlpi(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandLine({ args, options: { "code-field": { type: "string" }, "dry-run": { type: "boolean" } } });
  const field = values["code-field"] ?? "registration_number";
  if (!["registration_number", "login", "id"].includes(field)) throw new UsageError(`--code-field: expected registration_number, login or id, not "${field}"`);
  return withGlpi("users sync-glpi", ctx, async (client, store) => {
    const r = await syncUsers(client, store, cliActor(), new Date(), { codeField: field as CodeField, dryRun: values["dry-run"] === true });
    const counts = values["dry-run"]
      ? `${r.created} would be created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.deactivated.length} deactivated (dry run: nothing written)`
      : `${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.deactivated.length} deactivated`;
    const out = [`GLPI users: ${r.plan.users.length} usable, ${r.plan.skipped.length} left out — ${counts}`];
    for (const s of r.plan.skipped) out.push(`  left out ${s.login} (GLPI id ${s.glpiId}): ${s.reason}`);
    for (const w of r.plan.warnings) out.push(`  ${w.login} (GLPI id ${w.glpiId}): ${w.warning}`);
    for (const code of r.deactivated) out.push(`  deactivated user ${code}: no longer a usable GLPI user`);
    ctx.stdout.write(`${out.join("\n")}\n`);
    return 0;
  });
}

export async function catalogueSyncGlpi(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandLine({ args, options: { root: { type: "string", multiple: true }, "dry-run": { type: "boolean" } } });
  const roots = values.root?.map((r) => {
    if (!/^[0-9]{1,10}$/.test(r)) throw new UsageError(`--root: expected an ITIL category id, not "${r}"`);
    return Number(r);
  });
  return withGlpi("catalogue sync-glpi", ctx, async (client, store) => {
    const r = await syncCatalogue(client, store, cliActor(), new Date(), { roots, dryRun: values["dry-run"] === true });
    const would = values["dry-run"] ? "would be " : "";
    const out = [`catalogue from GLPI's ITIL categories: ${r.created} option(s) ${would}created, ${r.renamed} ${would}renamed, ${r.deactivated} ${would}deactivated`];
    for (const a of r.plan.actions) {
      if (a.kind === "create") out.push(`  + key ${a.key}: ${a.label} (category ${a.glpiCategoryId})`);
      else if (a.kind === "rename") out.push(`  ~ option ${a.nodeId} renamed to ${a.label} (category ${a.glpiCategoryId})`);
      else out.push(`  - option ${a.nodeId} deactivated (category ${a.glpiCategoryId} gone or not chosen)`);
    }
    for (const w of r.plan.warnings) out.push(`  warning: ${w}`);
    ctx.stdout.write(`${out.join("\n")}\n`);
    return 0;
  });
}
