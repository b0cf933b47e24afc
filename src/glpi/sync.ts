import type { Actor, CatalogueNode, CatalogueRepository, Queryable, UserRepository } from "../domain/index.js";
import type { GlpiClient } from "./client.js";
import { planCatalogueSync, planUserSync, type CatalogueSyncPlan, type CodeField, type LinkedNode, type UserSyncPlan } from "./directory-sync.js";

/** What the sync commands work on: our database and its repositories (a Store has all three). */
export interface SyncTarget {
  db: Queryable;
  users: UserRepository;
  catalogue: CatalogueRepository;
}

export interface UserSyncReport {
  plan: UserSyncPlan;
  created: number;
  updated: number;
  unchanged: number;
  /** Our users linked to a GLPI user that no longer yields one of ours (gone, no code): deactivated. */
  deactivated: string[];
}

/**
 * `ura users sync-glpi`: GLPI's users become ours (planUserSync), each linked to its GLPI id (the
 * requester of its tickets). A user linked before whose GLPI user no longer yields one (deleted,
 * code removed) is deactivated: the city keeps one directory, GLPI's. With `dryRun` nothing is
 * written and the report says what would be.
 */
export async function syncUsers(client: GlpiClient, target: SyncTarget, actor: Actor, now: Date, options: { codeField?: CodeField; dryRun?: boolean } = {}): Promise<UserSyncReport> {
  const plan = planUserSync(await client.users({ expandDropdowns: true }), { codeField: options.codeField });
  const report: UserSyncReport = { plan, created: 0, updated: 0, unchanged: 0, deactivated: [] };
  const linked = await target.db.all<{ code: string; glpi_id: number; active: number }>("SELECT code, glpi_id, active FROM users WHERE glpi_id IS NOT NULL");
  const kept = new Set(plan.users.map((u) => u.glpiId));
  if (options.dryRun) {
    for (const { input } of plan.users) report[await target.users.upsertOutcome(input)] += 1;
    report.deactivated = linked.filter((l) => !kept.has(Number(l.glpi_id)) && Number(l.active) === 1).map((l) => l.code);
    return report;
  }
  for (const { glpiId, input } of plan.users) {
    const outcome = await target.users.upsert(input, actor, now);
    report[outcome] += 1;
    // One GLPI user stands for one of ours: a code that changed in GLPI moves the link.
    await target.db.run("UPDATE users SET glpi_id = NULL WHERE glpi_id = ? AND code <> ?", [glpiId, input.code]);
    await target.db.run("UPDATE users SET glpi_id = ? WHERE code = ?", [glpiId, input.code]);
  }
  for (const l of linked) {
    if (kept.has(Number(l.glpi_id)) || Number(l.active) !== 1) continue;
    const stillLinked = await target.db.get<{ glpi_id: number | null }>("SELECT glpi_id FROM users WHERE code = ?", [l.code]);
    if (stillLinked?.glpi_id !== null && stillLinked?.glpi_id !== undefined && kept.has(Number(stillLinked.glpi_id))) continue;
    await target.users.update(l.code, { active: false }, actor, now);
    report.deactivated.push(l.code);
  }
  return report;
}

export interface CatalogueSyncReport {
  plan: CatalogueSyncPlan;
  created: number;
  renamed: number;
  deactivated: number;
}

/** Our catalogue (inactive options too) with the ITIL category each option is linked to. */
export async function linkedTree(target: SyncTarget): Promise<LinkedNode[]> {
  const links = new Map(
    (await target.db.all<{ id: number; glpi_category_id: number | null }>("SELECT id, glpi_category_id FROM services")).map((r) => [
      Number(r.id),
      r.glpi_category_id === null ? null : Number(r.glpi_category_id),
    ]),
  );
  const link = (n: CatalogueNode): LinkedNode => ({ ...n, glpiCategoryId: links.get(n.id) ?? null, children: n.children.map(link) });
  return (await target.catalogue.tree(true)).map(link);
}

/**
 * `ura catalogue sync-glpi`: the two-level phone menu from chosen ITIL categories
 * (planCatalogueSync), through the catalogue's own operations (audited, key clashes refused). Every
 * option made or kept is linked to its category, so its tickets carry `itilcategories_id`. Keys and
 * sentences an admin set stay; options not linked to GLPI are left alone.
 */
export async function syncCatalogue(client: GlpiClient, target: SyncTarget, actor: Actor, now: Date, options: { roots?: number[]; dryRun?: boolean } = {}): Promise<CatalogueSyncReport> {
  const plan = planCatalogueSync(await client.categories(), await linkedTree(target), { roots: options.roots });
  const report: CatalogueSyncReport = { plan, created: 0, renamed: 0, deactivated: 0 };
  const count = (kind: "create" | "rename" | "deactivate") => plan.actions.filter((a) => a.kind === kind).length;
  if (options.dryRun) return { ...report, created: count("create"), renamed: count("rename"), deactivated: count("deactivate") };
  // Deactivations first: they free keys new options may take.
  const order = { deactivate: 0, rename: 1, create: 2 } as const;
  const madeFor = new Map<number, number>();
  for (const action of [...plan.actions].sort((a, b) => order[a.kind] - order[b.kind])) {
    if (action.kind === "deactivate") {
      await target.catalogue.update(action.nodeId, { active: false }, actor, now);
      report.deactivated += 1;
    } else if (action.kind === "rename") {
      await target.catalogue.update(action.nodeId, { label: action.label }, actor, now);
      report.renamed += 1;
    } else {
      const parentId = action.parent === null ? null : "nodeId" in action.parent ? action.parent.nodeId : (madeFor.get(action.parent.glpiCategoryId) ?? null);
      if (action.parent !== null && parentId === null) continue; // its menu could not be made
      const node = await target.catalogue.create({ parentId, key: action.key, label: action.label }, actor, now);
      await target.db.run("UPDATE services SET glpi_category_id = ? WHERE id = ?", [action.glpiCategoryId, node.id]);
      madeFor.set(action.glpiCategoryId, node.id);
      report.created += 1;
    }
  }
  return report;
}
