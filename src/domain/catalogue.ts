import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { ConflictError, NotFoundError } from "./errors.js";
import { message } from "./messages.js";
import { parseInput, serviceKey } from "./rules.js";
import type { SpeechPrewarmer } from "./ports/index.js";
import { catalogueSentences, ReadySpeech } from "./spoken.js";
import { KeptRead } from "./kept-read.js";
import { toDbTime } from "./time.js";

/** A catalogue node as admins see it (the IVR's view, `ServiceNode`, drops parentId/active). */
export interface CatalogueNode {
  id: number;
  parentId: number | null;
  key: string;
  label: string;
  prompt: string;
  active: boolean;
  /** The GLPI ITIL category its tickets get (TICKET_BACKEND=glpi); null: none linked. */
  glpiCategoryId: number | null;
  children: CatalogueNode[];
}

interface ServiceRow {
  id: number;
  parent_id: number | null;
  dtmf_key: string;
  label: string;
  prompt: string;
  active: number;
  glpi_category_id: number | null;
}

const parentId = z.number().int().positive().nullable();
const label = z.string().trim().min(1, "required").max(200);
const prompt = z.string().trim().min(1).max(500);
const glpiCategoryId = z.number().int().positive().nullable();
export const serviceCreateSchema = z.object({
  parentId: parentId.default(null),
  key: serviceKey,
  label,
  /** Defaults to "<label>, <key>." (sounds/messages.pt-BR.txt `catalogue-option`). */
  prompt: prompt.optional(),
  active: z.boolean().default(true),
  glpiCategoryId: glpiCategoryId.default(null),
});
export const serviceUpdateSchema = z.object({
  parentId: parentId.optional(),
  key: serviceKey.optional(),
  label: label.optional(),
  prompt: prompt.optional(),
  active: z.boolean().optional(),
  glpiCategoryId: glpiCategoryId.optional(),
});
/** Two options of one menu trade keys (the admin page's "up"/"down"). */
export const serviceSwapSchema = z.object({ with: z.number().int().positive() });

/** The sentence of sounds/messages.pt-BR.txt `catalogue-option` ("<label>, <key>."). */
const defaultPrompt = (label: string, k: string) => message("catalogue-option", { label, key: k });

async function rows(q: Queryable): Promise<ServiceRow[]> {
  return q.all<ServiceRow>("SELECT id, parent_id, dtmf_key, label, prompt, active, glpi_category_id FROM services ORDER BY dtmf_key, id");
}

function build(all: ServiceRow[], includeInactive: boolean): CatalogueNode[] {
  const nodes = new Map<number, CatalogueNode>();
  for (const r of all) {
    if (!includeInactive && Number(r.active) !== 1) continue;
    nodes.set(Number(r.id), {
      id: Number(r.id),
      parentId: r.parent_id === null ? null : Number(r.parent_id),
      key: r.dtmf_key,
      label: r.label,
      prompt: r.prompt,
      active: Number(r.active) === 1,
      glpiCategoryId: r.glpi_category_id === null ? null : Number(r.glpi_category_id),
      children: [],
    });
  }
  const roots: CatalogueNode[] = [];
  for (const node of nodes.values()) {
    if (node.parentId === null) roots.push(node);
    else nodes.get(node.parentId)?.children.push(node);
  }
  return roots;
}

export interface ServiceInfo {
  id: number;
  label: string;
  /** "Computador > Não liga" */
  path: string;
  active: boolean;
  /** Active and without active children: tickets are opened for leaves. */
  leaf: boolean;
}

/** Resolves services by id against one read of the catalogue (for pages of tickets). */
export async function serviceIndex(q: Queryable): Promise<(id: number) => ServiceInfo | null> {
  return indexOf(await rows(q));
}

function indexOf(all: ServiceRow[]): (id: number) => ServiceInfo | null {
  const byId = new Map(all.map((r) => [Number(r.id), r]));
  const withActiveChildren = new Set(all.filter((r) => Number(r.active) === 1 && r.parent_id !== null).map((r) => Number(r.parent_id)));
  return (id) => {
    const row = byId.get(id);
    if (!row) return null;
    const labels: string[] = [];
    let activePath = true;
    for (let cur: ServiceRow | undefined = row, depth = 0; cur && depth < 20; depth++) {
      labels.unshift(cur.label);
      if (Number(cur.active) !== 1) activePath = false;
      cur = cur.parent_id === null ? undefined : byId.get(Number(cur.parent_id));
    }
    return { id, label: row.label, path: labels.join(" > "), active: activePath, leaf: activePath && !withActiveChildren.has(id) };
  };
}

export async function serviceInfo(q: Queryable, id: number): Promise<ServiceInfo | null> {
  return (await serviceIndex(q))(id);
}

async function assertKeyFree(q: Queryable, parentId: number | null, k: string, exceptId: number | null): Promise<void> {
  const clash = await q.get<{ id: number }>(
    `SELECT id FROM services WHERE ${parentId === null ? "parent_id IS NULL" : "parent_id = ?"} AND dtmf_key = ? AND active = 1${exceptId === null ? "" : " AND id <> ?"}`,
    [...(parentId === null ? [] : [parentId]), k, ...(exceptId === null ? [] : [exceptId])],
  );
  if (clash) throw new ConflictError("duplicate_key", `key ${k} is already used in that menu (service ${clash.id})`, "key");
}

async function assertParent(q: Queryable, parentId: number | null, selfId: number | null): Promise<void> {
  if (parentId === null) return;
  const all = await rows(q);
  const byId = new Map(all.map((r) => [Number(r.id), r]));
  if (!byId.has(parentId)) throw new NotFoundError("unknown_service", `no service ${parentId} (parentId)`);
  for (let cur = byId.get(parentId), depth = 0; cur && depth < 50; depth++) {
    if (selfId !== null && Number(cur.id) === selfId) throw new ConflictError("cycle", "a service cannot be moved under itself", "parentId");
    cur = cur.parent_id === null ? undefined : byId.get(Number(cur.parent_id));
  }
}

/** One read of the services and what is derived from it, each made when first asked. */
class KeptServices {
  private callersTree: CatalogueNode[] | undefined;
  private index: ((id: number) => ServiceInfo | null) | undefined;
  /** The read has ended (well): a transaction may use it without waiting for the connection. */
  settled = false;
  constructor(readonly rows: Promise<ServiceRow[]>) {
    rows.then(
      () => (this.settled = true),
      () => undefined,
    );
  }
  async tree(): Promise<CatalogueNode[]> {
    return (this.callersTree ??= build(await this.rows, false));
  }
  async lookup(): Promise<(id: number) => ServiceInfo | null> {
    return (this.index ??= indexOf(await this.rows));
  }
}

/** The service catalogue: menus and options, as the IVR offers them and admins edit them. Writes are audited. */
export class CatalogueRepository {
  /** The rule of the last ready version (spoken.ts): what callers hear while a change is synthesised. */
  private readonly spoken: ReadySpeech<CatalogueNode[]>;
  /**
   * The last read of the services, for the reads of every call (the IVR's menus, the ticket's
   * service; issue 16: the whole table was read twice a call). Cleared by every write here.
   */
  private readonly kept = new KeptRead<KeptServices>();
  /** The callers' tree last found ready (every sentence synthesised): served again without checking. */
  private readyTree: CatalogueNode[] | null = null;

  constructor(
    private readonly db: Db,
    /** Text-to-speech to warm after every change (none: nothing is synthesised ahead). */
    speech: SpeechPrewarmer | null = null,
    /** Told after each committed change of what callers hear (the store's spokenChanges). */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.spoken = new ReadySpeech<CatalogueNode[]>(speech, catalogueSentences);
  }

  /** The sentence of every option the IVR can offer: active nodes under active menus. */
  async spokenSentences(): Promise<string[]> {
    return catalogueSentences(await this.tree());
  }

  /**
   * Synthesises every sentence of the catalogue that is not in the TTS cache yet, so the next
   * caller hears a changed menu without waiting (issue 13). Called after every create, update and
   * delete here, at start (`ura start`), and by an admin page's "re-synthesise"; resolves with the
   * number of sentences. Without a synthesizer it does nothing.
   */
  resynthesise(): Promise<number> {
    return this.spoken.warm(() => this.tree());
  }

  /**
   * The menus as callers hear them (the IVR's `GET /catalogue`): the current tree once every one of
   * its sentences is synthesised, and until then the tree callers heard before the change (spoken.ts).
   * A change another process made (a second API node) is synthesised here when first seen.
   */
  async forCallers(options: { recent?: boolean } = {}): Promise<CatalogueNode[]> {
    const tree = await (await this.services(options.recent ?? false)).tree();
    if (tree === this.readyTree) return tree;
    const served = this.spoken.serve(tree);
    if (served === tree && this.spoken.ready(tree)) this.readyTree = tree;
    return served;
  }

  /**
   * Resolves services by id, as `serviceIndex` does, against a read of the last CATALOGUE_KEPT_MS
   * (or since the last write here): a ticket's service and its path without reading the table.
   * `q`: where to read if none is kept (a transaction's own connection).
   */
  async recentIndex(q: Queryable = this.db): Promise<(id: number) => ServiceInfo | null> {
    return (await this.services(true, q)).lookup();
  }

  /**
   * The services as read within CATALOGUE_KEPT_MS and after the last write here (`recent`), or
   * read now; either way the read is kept for the next `recent` ones. Reads arriving together
   * share one; a failed one is not kept. `q`: where to read (inside a transaction, the
   * transaction: the database's other connection would wait for it to end). A transaction never
   * waits for a kept read still under way: on SQLite that read is queued behind the transaction
   * (one connection), so waiting for it would stall the database for good. A read through a
   * transaction is not kept: it may see rows of its group that are never committed (SQLite's group
   * commit, sqlite.ts), which callers would then hear for CATALOGUE_KEPT_MS.
   */
  private services(recent: boolean, q: Queryable = this.db): KeptServices {
    const kept = recent ? this.kept.recent((k) => q === this.db || k.settled) : null;
    if (kept) return kept;
    const entry = new KeptServices(rows(q));
    return q === this.db ? this.kept.keep(entry, entry.rows) : entry;
  }

  /** Whether callers hear the catalogue as it is now (false while a change is being synthesised). */
  async ready(): Promise<boolean> {
    return this.spoken.ready(await this.tree());
  }

  /** Resolves when the syntheses started so far (by changes, by callers' requests) have ended; starts none. */
  whenSynthesised(): Promise<void> {
    return this.spoken.idle();
  }

  /** Starts resynthesise() after a change without making the admin's request wait for it. */
  private changed(): void {
    this.kept.forget();
    this.onChange();
    this.resynthesise().catch(() => undefined);
  }

  /** The tree; without `includeInactive`, inactive nodes and everything under them are hidden. */
  async tree(includeInactive = false): Promise<CatalogueNode[]> {
    return build(await rows(this.db), includeInactive);
  }

  async create(raw: unknown, actor: Actor, now: Date): Promise<CatalogueNode> {
    const input = parseInput(serviceCreateSchema, raw);
    const node = await this.db.transaction(async (tx): Promise<CatalogueNode> => {
      await assertParent(tx, input.parentId, null);
      if (input.active) await assertKeyFree(tx, input.parentId, input.key, null);
      const at = toDbTime(now);
      const prompt = input.prompt ?? defaultPrompt(input.label, input.key);
      const r = await tx.run(
        "INSERT INTO services (parent_id, dtmf_key, label, prompt, active, glpi_category_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [input.parentId, input.key, input.label, prompt, input.active ? 1 : 0, input.glpiCategoryId, at, at],
      );
      await writeAudit(tx, actor, now, { action: "service.create", entity: "service", entityId: r.insertId, details: { ...input, prompt } });
      return { id: r.insertId, parentId: input.parentId, key: input.key, label: input.label, prompt, active: input.active, glpiCategoryId: input.glpiCategoryId, children: [] };
    });
    this.changed();
    return node;
  }

  async update(id: number, raw: unknown, actor: Actor, now: Date): Promise<CatalogueNode> {
    const patch = parseInput(serviceUpdateSchema, raw);
    const node = await this.db.transaction(async (tx): Promise<CatalogueNode> => {
      const before = await tx.get<ServiceRow>("SELECT id, parent_id, dtmf_key, label, prompt, active, glpi_category_id FROM services WHERE id = ?", [id]);
      if (!before) throw new NotFoundError("unknown_service", `no service ${id}`);
      const next = {
        parentId: patch.parentId === undefined ? (before.parent_id === null ? null : Number(before.parent_id)) : patch.parentId,
        key: patch.key ?? before.dtmf_key,
        label: patch.label ?? before.label,
        prompt: patch.prompt ?? before.prompt,
        active: patch.active ?? Number(before.active) === 1,
        glpiCategoryId: patch.glpiCategoryId === undefined ? (before.glpi_category_id === null ? null : Number(before.glpi_category_id)) : patch.glpiCategoryId,
      };
      await assertParent(tx, next.parentId, id);
      if (next.active) await assertKeyFree(tx, next.parentId, next.key, id);
      await tx.run("UPDATE services SET parent_id = ?, dtmf_key = ?, label = ?, prompt = ?, active = ?, glpi_category_id = ?, updated_at = ? WHERE id = ?", [
        next.parentId,
        next.key,
        next.label,
        next.prompt,
        next.active ? 1 : 0,
        next.glpiCategoryId,
        toDbTime(now),
        id,
      ]);
      await writeAudit(tx, actor, now, { action: "service.update", entity: "service", entityId: id, details: patch });
      const tree = build(await rows(tx), true);
      const find = (list: CatalogueNode[]): CatalogueNode | undefined => {
        for (const n of list) {
          if (n.id === id) return n;
          const hit = find(n.children);
          if (hit) return hit;
        }
        return undefined;
      };
      return find(tree) ?? { id, ...next, children: [] };
    });
    this.changed();
    return node;
  }

  /**
   * Two options of one menu trade keys (and so places: menus are read out in key order). A
   * sentence in the default form (`catalogue-option`: "<Label>, <key>.") follows its new key; an admin's
   * own sentence is kept as written.
   */
  async swapKeys(id: number, raw: unknown, actor: Actor, now: Date): Promise<void> {
    const { with: otherId } = parseInput(serviceSwapSchema, raw);
    await this.db.transaction(async (tx) => {
      const select = "SELECT id, parent_id, dtmf_key, label, prompt, active, glpi_category_id FROM services WHERE id = ?";
      const a = await tx.get<ServiceRow>(select, [id]);
      const b = await tx.get<ServiceRow>(select, [otherId]);
      if (!a) throw new NotFoundError("unknown_service", `no service ${id}`);
      if (!b) throw new NotFoundError("unknown_service", `no service ${otherId} (with)`);
      if ((a.parent_id === null ? null : Number(a.parent_id)) !== (b.parent_id === null ? null : Number(b.parent_id))) {
        throw new ConflictError("not_siblings", "only options of the same menu can trade keys", "with");
      }
      const promptFor = (row: ServiceRow, key: string) => (row.prompt === defaultPrompt(row.label, row.dtmf_key) ? defaultPrompt(row.label, key) : row.prompt);
      const at = toDbTime(now);
      await tx.run("UPDATE services SET dtmf_key = ?, prompt = ?, updated_at = ? WHERE id = ?", [a.dtmf_key, promptFor(b, a.dtmf_key), at, Number(b.id)]);
      await tx.run("UPDATE services SET dtmf_key = ?, prompt = ?, updated_at = ? WHERE id = ?", [b.dtmf_key, promptFor(a, b.dtmf_key), at, Number(a.id)]);
      await writeAudit(tx, actor, now, { action: "service.swap", entity: "service", entityId: Number(a.id), details: { with: Number(b.id), keys: [a.dtmf_key, b.dtmf_key] } });
    });
    this.changed();
  }

  /** Deletes a node without children and tickets; otherwise deactivate it (active: false). */
  async remove(id: number, actor: Actor, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await tx.get<ServiceRow>("SELECT id FROM services WHERE id = ?", [id]);
      if (!row) throw new NotFoundError("unknown_service", `no service ${id}`);
      const children = await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM services WHERE parent_id = ?", [id]);
      if (Number(children?.n) > 0) throw new ConflictError("has_children", "delete or move its sub-options first");
      const tickets = await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM tickets WHERE service_id = ?", [id]);
      if (Number(tickets?.n) > 0) throw new ConflictError("in_use", "tickets refer to this service: deactivate it instead (active: false)");
      await tx.run("DELETE FROM services WHERE id = ?", [id]);
      await writeAudit(tx, actor, now, { action: "service.delete", entity: "service", entityId: id });
    });
    this.changed();
  }
}
