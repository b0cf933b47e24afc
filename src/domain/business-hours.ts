import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { NotFoundError } from "./errors.js";
import { formatLocal, localDate, localParts, zonedTimeToUtc } from "./time.js";

/** One opening interval of the weekly schedule, in local time. weekday 0 = Sunday … 6 = Saturday. */
export interface ScheduleInterval {
  weekday: number;
  opens: string;
  closes: string;
}

export interface Holiday {
  date: string;
  name: string;
}

export const hoursStatusSchema = z.object({
  open: z.boolean(),
  /** Why it is closed right now. */
  reason: z.enum(["open", "outside_hours", "holiday"]),
  holidayName: z.string().nullable(),
  /** Next opening instant (null while open, or if no schedule is configured). */
  nextOpenAt: z.string().nullable(),
  nextOpenAtLocal: z.string().nullable(),
});
export type HoursStatus = z.infer<typeof hoursStatusSchema>;

const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "HH:MM, 00:00 to 23:59");
export const scheduleSchema = z.object({
  intervals: z
    .array(
      z
        .object({ weekday: z.number().int().min(0).max(6), opens: hhmm, closes: hhmm.or(z.literal("24:00")) })
        .refine((i) => i.closes > i.opens, { message: "closes must be after opens", path: ["closes"] }),
    )
    .max(70),
});
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "not a calendar date");
export const holidaySchema = z.object({ name: z.string().trim().min(1, "required").max(200) });

const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** The weekly schedule and the holidays: when a technician can take a call. Writes are audited. */
export class HoursRepository {
  constructor(
    private readonly db: Db,
    /** URA_TIMEZONE: the schedule and holidays are local. */
    private readonly timeZone: string,
  ) {}

  /** Is the help desk open at `now`, and when does it open next. */
  async at(now: Date): Promise<HoursStatus> {
    const schedule = await this.schedule();
    const from = localDate(new Date(now.getTime() - 86_400_000), this.timeZone);
    const holidays = new Map((await this.holidays(from)).map((h) => [h.date, h.name]));
    return evaluateHours(now, schedule, holidays, this.timeZone);
  }

  schedule(): Promise<ScheduleInterval[]> {
    return readSchedule(this.db);
  }

  /** Replaces the whole weekly schedule. */
  async setSchedule(intervals: ScheduleInterval[], actor: Actor, now: Date): Promise<ScheduleInterval[]> {
    return this.db.transaction(async (tx) => {
      const before = await readSchedule(tx);
      await tx.run("DELETE FROM business_hours");
      for (const i of intervals) {
        await tx.run("INSERT INTO business_hours (weekday, opens, closes) VALUES (?, ?, ?)", [i.weekday, i.opens, i.closes]);
      }
      await writeAudit(tx, actor, now, { action: "schedule.set", entity: "schedule", details: { before, after: intervals } });
      return readSchedule(tx);
    });
  }

  /** Holidays by date, from a local date on when given. */
  async holidays(from?: string): Promise<Holiday[]> {
    const rows = await this.db.all<{ day: string; name: string }>(
      `SELECT day, name FROM holidays ${from ? "WHERE day >= ?" : ""} ORDER BY day`,
      from ? [from] : [],
    );
    return rows.map((r) => ({ date: r.day, name: r.name }));
  }

  /** Adds a holiday, or renames the one on that date. */
  async putHoliday(date: string, name: string, actor: Actor, now: Date): Promise<{ holiday: Holiday; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const existing = await tx.get<{ name: string }>("SELECT name FROM holidays WHERE day = ?", [date]);
      if (existing) await tx.run("UPDATE holidays SET name = ? WHERE day = ?", [name, date]);
      else await tx.run("INSERT INTO holidays (day, name) VALUES (?, ?)", [date, name]);
      await writeAudit(tx, actor, now, { action: existing ? "holiday.update" : "holiday.create", entity: "holiday", entityId: date, details: { name } });
      return { holiday: { date, name }, created: !existing };
    });
  }

  async deleteHoliday(date: string, actor: Actor, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const r = await tx.run("DELETE FROM holidays WHERE day = ?", [date]);
      if (r.changes === 0) throw new NotFoundError("unknown_holiday", `no holiday on ${date}`);
      await writeAudit(tx, actor, now, { action: "holiday.delete", entity: "holiday", entityId: date });
    });
  }
}

async function readSchedule(q: Queryable): Promise<ScheduleInterval[]> {
  const rows = await q.all<{ weekday: number; opens: string; closes: string }>(
    "SELECT weekday, opens, closes FROM business_hours ORDER BY weekday, opens",
  );
  return rows.map((r) => ({ weekday: Number(r.weekday), opens: r.opens, closes: r.closes }));
}

/** Pure: is the help desk open at `now`, and when does it open next (looks up to a year ahead). */
export function evaluateHours(now: Date, schedule: ScheduleInterval[], holidays: Map<string, string>, timeZone: string): HoursStatus {
  const today = localDate(now, timeZone);
  const p = localParts(now, timeZone);
  const nowMin = p.hour * 60 + p.minute;
  const holidayName = holidays.get(today) ?? null;
  const openNow =
    holidayName === null && schedule.some((i) => i.weekday === p.weekday && minutes(i.opens) <= nowMin && nowMin < minutes(i.closes));
  if (openNow) return { open: true, reason: "open", holidayName: null, nextOpenAt: null, nextOpenAtLocal: null };

  let next: Date | null = null;
  if (schedule.length > 0) {
    const base = Date.UTC(p.year, p.month - 1, p.day);
    for (let offset = 0; offset <= 370 && next === null; offset++) {
      const day = new Date(base + offset * 86_400_000);
      const date = day.toISOString().slice(0, 10);
      if (holidays.has(date)) continue;
      const intervals = schedule.filter((i) => i.weekday === day.getUTCDay()).sort((a, b) => minutes(a.opens) - minutes(b.opens));
      for (const i of intervals) {
        if (offset === 0 && minutes(i.opens) <= nowMin) continue;
        next = zonedTimeToUtc(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), Number(i.opens.slice(0, 2)), Number(i.opens.slice(3)), timeZone);
        break;
      }
    }
  }
  return {
    open: false,
    reason: holidayName !== null ? "holiday" : "outside_hours",
    holidayName,
    nextOpenAt: next ? next.toISOString() : null,
    nextOpenAtLocal: next ? formatLocal(next, timeZone) : null,
  };
}
