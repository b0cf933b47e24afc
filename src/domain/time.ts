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

/** Wall-clock parts of an instant in a timezone. */
export function localParts(d: Date, timeZone: string): LocalParts {
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

/** Offset of the timezone from UTC at an instant, in minutes (São Paulo: -180). */
export function offsetMinutes(d: Date, timeZone: string): number {
  const p = localParts(d, timeZone);
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
