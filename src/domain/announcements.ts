import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { DomainValidationError, NotFoundError } from "./errors.js";
import type { SpeechPrewarmer } from "./ports/index.js";
import { parseInput } from "./rules.js";
import { KeptRead } from "./kept-read.js";
import { announcementSentences, ReadySpeech } from "./spoken.js";
import { formatLocal, fromDbTime, toDbTime } from "./time.js";

/**
 * Announcements (issue 13): what callers hear before the main menu during a known problem ("a rede
 * da Secretaria de Saúde está fora do ar, a equipe já está trabalhando"), so the hundred calls
 * about it end before they reach a technician. Several may play at once, oldest first; each plays
 * from `startsAt` until `endsAt` (none: until an admin ends it).
 */

/** Long enough for two sentences; a caller listens to all of it before the menu. */
export const MAX_ANNOUNCEMENT_CHARS = 500;

// Kept a string (the API validates a body with the same schema the domain parses it with again).
const instant = z.string().datetime({ offset: true, message: "an ISO 8601 instant, e.g. 2026-12-01T14:00:00-03:00" });
const asDate = (s: string | null | undefined) => (s === undefined ? undefined : s === null ? null : new Date(s));
const announcementText = z
  .string()
  .trim()
  .min(1, "required")
  .max(MAX_ANNOUNCEMENT_CHARS)
  .regex(/^[^\p{Cc}]*$/u, "one paragraph, no control characters");

/** A new announcement: `startsAt` defaults to now, `endsAt` to "until ended". */
export const announcementCreateSchema = z.object({
  text: announcementText,
  startsAt: instant.optional(),
  endsAt: instant.nullable().optional(),
});
/** A change: absent fields stay; `endsAt: null` plays it again until ended. */
export const announcementUpdateSchema = z
  .object({ text: announcementText.optional(), startsAt: instant.optional(), endsAt: instant.nullable().optional() })
  .refine((u) => u.text !== undefined || u.startsAt !== undefined || u.endsAt !== undefined, { message: "say what changes: text, startsAt or endsAt", path: ["text"] });

export const announcementSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  startsAt: z.string(),
  endsAt: z.string().nullable(),
  /** The two instants in URA_TIMEZONE, for people to read. */
  startsAtLocal: z.string(),
  endsAtLocal: z.string().nullable(),
  /** playing: callers hear it now · scheduled: it starts later · ended: it no longer plays. */
  state: z.enum(["playing", "scheduled", "ended"]),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Announcement = z.infer<typeof announcementSchema>;

interface Row {
  id: number | string;
  text: string;
  starts_at: string | Date;
  ends_at: string | Date | null;
  created_at: string | Date;
  updated_at: string | Date;
}

const COLUMNS = "id, text, starts_at, ends_at, created_at, updated_at";

/** A read of the announcements not ended at `now`: kept for the IVR's reads (forCallers `recent`). */
interface KeptRows {
  now: Date;
  rows: Promise<Row[]>;
}

/** Announcements, as admins edit them and the IVR plays them. Writes are audited. */
export class AnnouncementRepository {
  /** Serialised syntheses (spoken.ts); the API serves announcements as written: a write waits for its synthesis. */
  private readonly spoken: ReadySpeech<{ playing: Announcement[]; scheduled: Announcement[] }>;
  /**
   * The last read of the current announcements, for the reads of every call (issue 16: one
   * statement a call), as the catalogue keeps its services: for CATALOGUE_KEPT_MS, cleared by
   * every write here.
   */
  private readonly kept = new KeptRead<KeptRows>();

  constructor(
    private readonly db: Db,
    private readonly timeZone: string,
    /** Text-to-speech to warm after every change (none: nothing is synthesised ahead). */
    speech: SpeechPrewarmer | null = null,
    /** Told after each committed change of what callers hear (the store's spokenChanges). */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.spoken = new ReadySpeech<{ playing: Announcement[]; scheduled: Announcement[] }>(speech, announcementSentences);
  }

  private view(r: Row, now: Date): Announcement {
    const starts = fromDbTime(r.starts_at);
    const ends = r.ends_at === null ? null : fromDbTime(r.ends_at);
    const state = ends !== null && ends <= now ? "ended" : starts > now ? "scheduled" : "playing";
    return {
      id: Number(r.id),
      text: r.text,
      startsAt: starts.toISOString(),
      endsAt: ends?.toISOString() ?? null,
      startsAtLocal: formatLocal(starts, this.timeZone),
      endsAtLocal: ends ? formatLocal(ends, this.timeZone) : null,
      state,
      createdAt: fromDbTime(r.created_at).toISOString(),
      updatedAt: fromDbTime(r.updated_at).toISOString(),
    };
  }

  /** Every announcement, newest first (`current`: only those playing or scheduled). */
  async list(now: Date, options: { current?: boolean } = {}): Promise<Announcement[]> {
    const rows = options.current ? await this.currentRows(now, false) : await this.db.all<Row>(`SELECT ${COLUMNS} FROM announcements ORDER BY starts_at DESC, id DESC`);
    return rows.map((r) => this.view(r, now));
  }

  /** Those playing at `now`, oldest first, and those that start later (to synthesise ahead); `recent` as in forCallers. */
  async current(now: Date, options: { recent?: boolean } = {}): Promise<{ playing: Announcement[]; scheduled: Announcement[] }> {
    const current = (await this.currentRows(now, options.recent ?? false)).map((r) => this.view(r, now)).reverse();
    return { playing: current.filter((a) => a.state === "playing"), scheduled: current.filter((a) => a.state === "scheduled") };
  }

  /**
   * The rows of the announcements not ended at `now`, newest first: with `recent`, from a read made
   * within CATALOGUE_KEPT_MS, after the last write here, for an instant not after `now` (what ended
   * since, its state says: `ended`, neither playing nor scheduled); else read now. Either way the
   * read is kept for the next `recent` ones; a failed one is not.
   */
  private currentRows(now: Date, recent: boolean): Promise<Row[]> {
    const kept = recent ? this.kept.recent((k) => k.now <= now) : null;
    if (kept) return kept.rows;
    const rows = this.db.all<Row>(`SELECT ${COLUMNS} FROM announcements WHERE ends_at IS NULL OR ends_at > ? ORDER BY starts_at DESC, id DESC`, [toDbTime(now)]);
    return this.kept.keep({ now, rows }, rows).rows;
  }

  /**
   * What callers hear (the IVR's `GET /announcements`): `current(now)` once its texts are
   * synthesised here (spoken.ts). A write here waits for its synthesis, so this process serves it
   * at once; a change another process made (`ura start` on several hosts sharing the database)
   * is heard here once this host's cache has it. `recent` (the IVR's calls): a read of the last
   * CATALOGUE_KEPT_MS may answer (currentRows), so another process's change may take that long more.
   */
  async forCallers(now: Date, options: { recent?: boolean } = {}): Promise<{ playing: Announcement[]; scheduled: Announcement[] }> {
    return this.spoken.serve(await this.current(now, options));
  }

  async get(id: number, now: Date): Promise<Announcement> {
    return this.view(await this.row(this.db, id), now);
  }

  private async row(q: Queryable, id: number): Promise<Row> {
    const row = await q.get<Row>(`SELECT ${COLUMNS} FROM announcements WHERE id = ?`, [id]);
    if (!row) throw new NotFoundError("not_found", `no announcement ${id}`);
    return row;
  }

  async create(raw: unknown, actor: Actor, now: Date): Promise<Announcement> {
    const input = parseInput(announcementCreateSchema, raw);
    const startsAt = asDate(input.startsAt) ?? now;
    const endsAt = asDate(input.endsAt) ?? null;
    assertWindow(startsAt, endsAt);
    const id = await this.db.transaction(async (tx) => {
      const at = toDbTime(now);
      const r = await tx.run("INSERT INTO announcements (text, starts_at, ends_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [
        input.text,
        toDbTime(startsAt),
        endsAt ? toDbTime(endsAt) : null,
        at,
        at,
      ]);
      await writeAudit(tx, actor, now, {
        action: "announcement.create",
        entity: "announcement",
        entityId: r.insertId,
        details: { text: input.text, startsAt: startsAt.toISOString(), endsAt: endsAt?.toISOString() ?? null },
      });
      return r.insertId;
    });
    await this.changed(now);
    return this.get(id, now);
  }

  async update(id: number, raw: unknown, actor: Actor, now: Date): Promise<Announcement> {
    const input = parseInput(announcementUpdateSchema, raw);
    await this.db.transaction(async (tx) => {
      const before = this.view(await this.row(tx, id), now);
      const text = input.text ?? before.text;
      const startsAt = asDate(input.startsAt) ?? new Date(before.startsAt);
      const endsAt = (input.endsAt === undefined ? asDate(before.endsAt) : asDate(input.endsAt)) ?? null;
      assertWindow(startsAt, endsAt);
      await tx.run("UPDATE announcements SET text = ?, starts_at = ?, ends_at = ?, updated_at = ? WHERE id = ?", [
        text,
        toDbTime(startsAt),
        endsAt ? toDbTime(endsAt) : null,
        toDbTime(now),
        id,
      ]);
      await writeAudit(tx, actor, now, {
        action: "announcement.update",
        entity: "announcement",
        entityId: id,
        details: { before: { text: before.text, startsAt: before.startsAt, endsAt: before.endsAt }, after: { text, startsAt: startsAt.toISOString(), endsAt: endsAt?.toISOString() ?? null } },
      });
    });
    await this.changed(now);
    return this.get(id, now);
  }

  /** Stops it now (the next caller no longer hears it); an announcement that already ended stays as it is. */
  async end(id: number, actor: Actor, now: Date): Promise<Announcement> {
    await this.db.transaction(async (tx) => {
      const before = this.view(await this.row(tx, id), now);
      if (before.state === "ended") return;
      // A scheduled one that is ended never plays: its window closes where it opens.
      const endsAt = before.state === "scheduled" ? new Date(before.startsAt) : now;
      await tx.run("UPDATE announcements SET ends_at = ?, updated_at = ? WHERE id = ?", [toDbTime(endsAt), toDbTime(now), id]);
      await writeAudit(tx, actor, now, { action: "announcement.end", entity: "announcement", entityId: id, details: { text: before.text } });
    });
    this.forget();
    return this.get(id, now);
  }

  async remove(id: number, actor: Actor, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const before = await this.row(tx, id);
      await tx.run("DELETE FROM announcements WHERE id = ?", [id]);
      await writeAudit(tx, actor, now, { action: "announcement.delete", entity: "announcement", entityId: id, details: { text: before.text } });
    });
    this.forget();
  }

  /**
   * Synthesises the text of every announcement playing or scheduled that is not in the TTS cache,
   * so no caller waits for it (issue 13: 0 synthesis inside a call). Called after each change and
   * at start; resolves with the number of texts.
   */
  resynthesise(now: Date): Promise<number> {
    return this.spoken.warm(() => this.current(now));
  }

  /**
   * After a change the admin's request waits for the synthesis (one sentence: milliseconds with a
   * warm engine, bounded by TTS_TIMEOUT_MS otherwise), so an announcement that starts now is in the
   * cache before the next caller. A failed synthesis does not fail the change: the IVR then says it
   * with its own synthesis, or skips it if that fails too.
   */
  private async changed(now: Date): Promise<void> {
    this.forget();
    await this.resynthesise(now).catch(() => undefined);
  }

  /** After a committed change: the kept read is dropped (the next call reads the table), and the store is told. */
  private forget(): void {
    this.kept.forget();
    this.onChange();
  }
}

function assertWindow(startsAt: Date, endsAt: Date | null): void {
  if (endsAt !== null && !(endsAt > startsAt)) throw new DomainValidationError("endsAt", "must be after startsAt");
}
