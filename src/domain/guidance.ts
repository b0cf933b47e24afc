import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { ConflictError, NotFoundError } from "./errors.js";
import { message } from "./messages.js";
import type { SpeechPrewarmer } from "./ports/index.js";
import { parseInput, serviceKey } from "./rules.js";
import { guidanceSentences, ReadySpeech } from "./spoken.js";
import { fromDbTime, toDbTime } from "./time.js";

/**
 * The information menu's guidance texts (the thesis' "tutoriais e guias de utilização"): short
 * answers to what callers ask most ("como trocar sua senha"), each behind a key, so the caller
 * solves it without a ticket. Heard with TTS, synthesised when an admin writes them.
 */

const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "required")
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, "one paragraph, no control characters");

export const guidanceCreateSchema = z.object({ key: serviceKey, title: line(120), text: line(1000), active: z.boolean().default(true) });
export const guidanceUpdateSchema = z
  .object({ key: serviceKey.optional(), title: line(120).optional(), text: line(1000).optional(), active: z.boolean().optional() })
  .refine((u) => Object.values(u).some((v) => v !== undefined), { message: "say what changes: key, title, text or active", path: ["title"] });

export const guidanceSchema = z.object({
  id: z.number().int(),
  key: serviceKey,
  title: z.string(),
  /** What the caller hears for the option (sounds/messages.pt-BR.txt `guidance-option`). */
  prompt: z.string(),
  text: z.string(),
  active: z.boolean(),
  updatedAt: z.string(),
});
export type Guidance = z.infer<typeof guidanceSchema>;

interface Row {
  id: number | string;
  dtmf_key: string;
  title: string;
  text: string;
  active: number | boolean;
  updated_at: string | Date;
}

const view = (r: Row): Guidance => ({
  id: Number(r.id),
  key: r.dtmf_key,
  title: r.title,
  prompt: message("guidance-option", { title: r.title, key: r.dtmf_key }),
  text: r.text,
  active: Boolean(Number(r.active)),
  updatedAt: fromDbTime(r.updated_at).toISOString(),
});

/** Guidance texts, as admins edit them and the information menu offers them. Writes are audited. */
export class GuidanceRepository {
  /** Serialised syntheses (spoken.ts); the API serves guidance as written: a write waits for its synthesis. */
  private readonly spoken: ReadySpeech<Guidance[]>;

  constructor(
    private readonly db: Db,
    speech: SpeechPrewarmer | null = null,
    /** Told after each committed change of what callers hear (the store's spokenChanges). */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.spoken = new ReadySpeech<Guidance[]>(speech, guidanceSentences);
  }

  /** By key; without `includeInactive`, only what callers are offered. */
  async list(includeInactive = false): Promise<Guidance[]> {
    const rows = await this.db.all<Row>(`SELECT id, dtmf_key, title, text, active, updated_at FROM guidance${includeInactive ? "" : " WHERE active = 1"} ORDER BY dtmf_key, id`);
    return rows.map(view);
  }

  private async row(q: Queryable, id: number): Promise<Row> {
    const row = await q.get<Row>("SELECT id, dtmf_key, title, text, active, updated_at FROM guidance WHERE id = ?", [id]);
    if (!row) throw new NotFoundError("not_found", `no guidance ${id}`);
    return row;
  }

  async create(raw: unknown, actor: Actor, now: Date): Promise<Guidance> {
    const input = parseInput(guidanceCreateSchema, raw);
    const id = await this.db.transaction(async (tx) => {
      if (input.active) await assertKeyFree(tx, input.key, null);
      const at = toDbTime(now);
      const r = await tx.run("INSERT INTO guidance (dtmf_key, title, text, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)", [
        input.key,
        input.title,
        input.text,
        input.active ? 1 : 0,
        at,
        at,
      ]);
      await writeAudit(tx, actor, now, { action: "guidance.create", entity: "guidance", entityId: r.insertId, details: input });
      return r.insertId;
    });
    await this.changed();
    return view(await this.row(this.db, id));
  }

  async update(id: number, raw: unknown, actor: Actor, now: Date): Promise<Guidance> {
    const input = parseInput(guidanceUpdateSchema, raw);
    await this.db.transaction(async (tx) => {
      const before = view(await this.row(tx, id));
      const after = { key: input.key ?? before.key, title: input.title ?? before.title, text: input.text ?? before.text, active: input.active ?? before.active };
      if (after.active) await assertKeyFree(tx, after.key, id);
      await tx.run("UPDATE guidance SET dtmf_key = ?, title = ?, text = ?, active = ?, updated_at = ? WHERE id = ?", [after.key, after.title, after.text, after.active ? 1 : 0, toDbTime(now), id]);
      await writeAudit(tx, actor, now, { action: "guidance.update", entity: "guidance", entityId: id, details: { before: { key: before.key, title: before.title, text: before.text, active: before.active }, after } });
    });
    await this.changed();
    return view(await this.row(this.db, id));
  }

  async remove(id: number, actor: Actor, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const before = view(await this.row(tx, id));
      await tx.run("DELETE FROM guidance WHERE id = ?", [id]);
      await writeAudit(tx, actor, now, { action: "guidance.delete", entity: "guidance", entityId: id, details: { key: before.key, title: before.title } });
    });
    // Nothing new to synthesise, but the IVR says one option less.
    this.onChange();
  }

  /**
   * The active texts as callers hear them (the IVR's `GET /information`): the list once its
   * sentences are synthesised here (spoken.ts). A write here waits for its synthesis; a change
   * another process made is heard here once this host's cache has it.
   */
  async forCallers(): Promise<Guidance[]> {
    return this.spoken.serve(await this.list());
  }

  /** Every sentence the information menu says with TTS: each option and each text. */
  async spokenSentences(): Promise<string[]> {
    return guidanceSentences(await this.list());
  }

  /** Synthesises what the information menu will say and is not cached yet (at start and after each change). */
  resynthesise(): Promise<number> {
    return this.spoken.warm(() => this.list());
  }

  /** The admin's write answers once its sentences are in the cache (as with announcements); a TTS failure does not fail it. */
  private async changed(): Promise<void> {
    this.onChange();
    await this.resynthesise().catch(() => undefined);
  }
}

async function assertKeyFree(q: Queryable, key: string, exceptId: number | null): Promise<void> {
  const clash = await q.get<{ id: number }>(`SELECT id FROM guidance WHERE dtmf_key = ? AND active = 1${exceptId === null ? "" : " AND id <> ?"}`, exceptId === null ? [key] : [key, exceptId]);
  if (clash) throw new ConflictError("duplicate_key", `key ${key} is already used by guidance ${clash.id}`, "key");
}
