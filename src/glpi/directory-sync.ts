import { userInputSchema, type CatalogueNode } from "../domain/index.js";
import { callerKey, mobileProblem } from "../domain/index.js";
import type { ValidUserInput } from "../domain/index.js";
import type { GlpiCategory, GlpiUser } from "./client.js";

/**
 * What `ura users sync-glpi` and `ura catalogue sync-glpi` would change, computed from GLPI's rows
 * and ours without touching either: the commands (phase B) show the plan, then apply it through the
 * core's repositories. The city keeps one directory: GLPI's.
 */

/** Where a user's keypad code comes from in GLPI. */
export type CodeField = "registration_number" | "login" | "id";

export interface UserSyncPlan {
  /** Valid inputs for our users (the domain's own schema), each with the GLPI user it stands for. */
  users: Array<{ glpiId: number; input: ValidUserInput }>;
  /** GLPI users that cannot become ours, and why (no usable code, a code two of them share). */
  skipped: Array<{ glpiId: number; login: string; reason: string }>;
  /** Imported, but without a value GLPI holds in a form we cannot use (a landline as mobile, …). */
  warnings: Array<{ glpiId: number; login: string; warning: string }>;
}

/**
 * Our users from GLPI's: the code from `codeField` (registration number by default, 1–12 digits),
 * the name from first and last name (else the login), the mobile for one-time codes, the phone
 * fields as extensions, the location (with expand_dropdowns) as department. Inactive GLPI users
 * stay, inactive, so a sync deactivates them here too.
 */
export function planUserSync(glpiUsers: GlpiUser[], options: { codeField?: CodeField } = {}): UserSyncPlan {
  const field = options.codeField ?? "registration_number";
  const plan: UserSyncPlan = { users: [], skipped: [], warnings: [] };
  const byCode = new Map<string, GlpiUser[]>();
  for (const u of glpiUsers) {
    const code = (field === "id" ? String(u.id) : field === "login" ? u.login : u.registrationNumber).trim();
    if (!/^[0-9]{1,12}$/.test(code)) {
      plan.skipped.push({ glpiId: u.id, login: u.login, reason: code === "" ? `no ${field}` : `${field} "${code}" is not 1 to 12 digits` });
      continue;
    }
    byCode.set(code, [...(byCode.get(code) ?? []), u]);
  }
  for (const [code, holders] of byCode) {
    if (holders.length > 1) {
      for (const u of holders) plan.skipped.push({ glpiId: u.id, login: u.login, reason: `${field} ${code} is shared by ${holders.map((h) => h.login).join(", ")}` });
      continue;
    }
    const u = holders[0]!;
    const warn = (warning: string) => plan.warnings.push({ glpiId: u.id, login: u.login, warning });
    let phone: string | null = null;
    if (u.mobile.trim() !== "") {
      const problem = mobileProblem(u.mobile);
      if (problem === null) phone = u.mobile;
      else warn(`mobile "${u.mobile}" not used (${problem})`);
    }
    const extensions: string[] = [];
    for (const number of [u.phone, u.phone2]) {
      if (number.trim() === "") continue;
      const key = /^[\d\s()+\-./]+$/.test(number) ? callerKey(number) : null;
      if (key === null || key.replace(/\D/g, "").length < 2) warn(`phone "${number}" is not an extension or phone number`);
      else extensions.push(number);
    }
    const location = u.raw.locations_id;
    const parsed = userInputSchema.safeParse({
      code,
      name: `${u.firstName} ${u.lastName}`.trim() || u.login,
      phone,
      extensions,
      department: typeof location === "string" && location.trim() !== "" ? location : null,
      active: u.active,
    });
    if (!parsed.success) {
      plan.skipped.push({ glpiId: u.id, login: u.login, reason: parsed.error.issues[0]?.message ?? "invalid" });
      continue;
    }
    plan.users.push({ glpiId: u.id, input: parsed.data });
  }
  plan.users.sort((a, b) => a.input.code.localeCompare(b.input.code));
  return plan;
}

/** A catalogue node with the ITIL category it is linked to (services.glpi_category_id). */
export interface LinkedNode extends Omit<CatalogueNode, "children"> {
  glpiCategoryId: number | null;
  children: LinkedNode[];
}

type ParentRef = { nodeId: number } | { glpiCategoryId: number } | null;

export type CatalogueAction =
  /** A new option; `parent` is an existing node's id, or the category of an option created in this plan. */
  | { kind: "create"; glpiCategoryId: number; parent: ParentRef; key: string; label: string }
  /** A linked option whose category was renamed: the label follows; key and sentence stay. */
  | { kind: "rename"; nodeId: number; glpiCategoryId: number; label: string }
  /** A linked option whose category is gone or no longer chosen. */
  | { kind: "deactivate"; nodeId: number; glpiCategoryId: number };

export interface CatalogueSyncPlan {
  actions: CatalogueAction[];
  warnings: string[];
}

/**
 * The two-level phone menu from chosen ITIL categories: each chosen category is a main-menu option,
 * its (helpdesk-visible) children the options under it; a chosen category without children is an
 * option that opens a ticket at once. An option already linked to a category keeps its key and
 * its sentence (what an admin set); a new one takes the lowest key free at its level; options not
 * linked to GLPI are left alone. `roots` defaults to the top-level categories.
 */
export function planCatalogueSync(categories: GlpiCategory[], tree: LinkedNode[], options: { roots?: number[] } = {}): CatalogueSyncPlan {
  const visible = categories.filter((c) => c.helpdeskVisible);
  const roots = options.roots
    ? options.roots.map((id) => categories.find((c) => c.id === id)).filter((c): c is GlpiCategory => c !== undefined)
    : visible.filter((c) => c.parentId === 0);
  const plan: CatalogueSyncPlan = { actions: [], warnings: [] };
  for (const id of options.roots ?? []) if (!categories.some((c) => c.id === id)) plan.warnings.push(`category ${id} does not exist in GLPI`);

  // Linked options that stay; every other linked option is deactivated (gone, unchosen or moved).
  const kept = new Set<number>();
  const place = (siblings: LinkedNode[], category: GlpiCategory, parent: ParentRef, used: Set<string>): LinkedNode | "new" | null => {
    const existing = siblings.find((n) => n.glpiCategoryId === category.id);
    if (existing) {
      kept.add(existing.id);
      if (existing.label !== category.name) plan.actions.push({ kind: "rename", nodeId: existing.id, glpiCategoryId: category.id, label: category.name });
      return existing;
    }
    const key = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].find((k) => !used.has(k));
    if (!key) {
      plan.warnings.push(`no key left for "${category.completeName}" (nine options at most per menu)`);
      return null;
    }
    used.add(key);
    plan.actions.push({ kind: "create", glpiCategoryId: category.id, parent, key, label: category.name });
    return "new";
  };
  const activeKeys = (nodes: LinkedNode[]) => new Set(nodes.filter((n) => n.active).map((n) => n.key));

  const topKeys = activeKeys(tree);
  for (const root of roots) {
    const node = place(tree, root, null, topKeys);
    if (node === null) continue;
    const children = visible.filter((c) => c.parentId === root.id);
    const siblings = node === "new" ? [] : node.children;
    const keys = activeKeys(siblings);
    const parent = node === "new" ? { glpiCategoryId: root.id } : { nodeId: node.id };
    for (const child of children) place(siblings, child, parent, keys);
  }
  const walk = (nodes: LinkedNode[]) => {
    for (const n of nodes) {
      if (n.glpiCategoryId !== null && n.active && !kept.has(n.id)) plan.actions.push({ kind: "deactivate", nodeId: n.id, glpiCategoryId: n.glpiCategoryId });
      walk(n.children);
    }
  };
  walk(tree);
  return plan;
}
