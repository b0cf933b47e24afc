/**
 * Instants are stored in UTC as `YYYY-MM-DD HH:MM:SS.mmm` (sortable text on SQLite, DATETIME(3) on
 * MySQL) and shown in the site's timezone (`URA_TIMEZONE`, America/Sao_Paulo by default).
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export function toDbTime(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "");
}

export function fromDbTime(s: string | Date): Date {
  if (s instanceof Date) return s;
  const iso = s.includes("T") ? s : s.replace(" ", "T");
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Wall-clock parts of an instant in a timezone, as Intl (ICU's zone data) gives them. */
function intlParts(d: Date, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(d)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ""),
  };
}

/**
 * Since 1973 every zone's offset is a whole number of minutes and changes at whole minutes (the
 * last odd one, Monrovia's −0:44:30, ended in January 1972), so within one UTC minute a zone has
 * one offset. Each zone's offset is kept for the minute it was last asked for: a call asks for
 * "now" several times a minute, and `formatToParts` was ~1 % of a call's CPU (issue 16).
 */
const WHOLE_MINUTE_OFFSETS_FROM = Date.UTC(1973, 0, 1);
const offsets = new Map<string, { minute: number; offsetMs: number }>();

/** The zone's offset from UTC at `t` (ms), in ms; null before 1973 or for an invalid date. */
function cachedOffsetMs(t: number, timeZone: string): number | null {
  if (!(t >= WHOLE_MINUTE_OFFSETS_FROM)) return null;
  const minute = Math.floor(t / 60_000);
  const known = offsets.get(timeZone);
  if (known?.minute === minute) return known.offsetMs;
  const p = intlParts(new Date(t), timeZone);
  const offsetMs = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
  offsets.set(timeZone, { minute, offsetMs });
  return offsetMs;
}

/** Wall-clock parts of an instant in a timezone. */
export function localParts(d: Date, timeZone: string): LocalParts {
  const offsetMs = cachedOffsetMs(d.getTime(), timeZone);
  if (offsetMs === null) return intlParts(d, timeZone);
  const wall = new Date(d.getTime() + offsetMs);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: wall.getUTCDay(),
  };
}

/** Offset of the timezone from UTC at an instant, in minutes (São Paulo: -180). */
export function offsetMinutes(d: Date, timeZone: string): number {
  const cached = cachedOffsetMs(d.getTime(), timeZone);
  if (cached !== null) return Math.round(cached / 60_000);
  const p = intlParts(d, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
}

/** The instant a wall-clock time in a timezone denotes. */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let instant = guess - offsetMinutes(new Date(guess), timeZone) * 60_000;
  // Re-check across an offset change (DST) between the guess and the result.
  const second = guess - offsetMinutes(new Date(instant), timeZone) * 60_000;
  if (second !== instant) instant = second;
  return new Date(instant);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** ISO-8601 with the local offset, e.g. `2025-03-10T14:05:00-03:00`. */
export function formatLocal(d: Date, timeZone: string): string {
  const p = localParts(d, timeZone);
  const off = offsetMinutes(d, timeZone);
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `YYYY-MM-DD` of an instant in a timezone. */
export function localDate(d: Date, timeZone: string): string {
  const p = localParts(d, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}
