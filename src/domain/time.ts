/**
 * Instants are stored in UTC as `YYYY-MM-DD HH:MM:SS.mmm` (sortable text on SQLite, DATETIME(3) on
 * MySQL) and shown in the site's timezone (`URA_TIMEZONE`, America/Sao_Paulo by default).
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/*
 * Both conversions run a few dozen times a call (issue 16). Their fast paths write and read the
 * stored form field by field, about three times quicker than toISOString with two replaces and a
 * parse of a rebuilt string; they give what the general paths give (units.test.ts compares them),
 * which remain for what the fast ones leave out.
 */

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

export function toDbTime(d: Date): string {
  const year = d.getUTCFullYear();
  // Also false for an invalid date (NaN), which toISOString refuses (RangeError).
  if (year >= 1000 && year <= 9999) {
    return `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}`;
  }
  return d.toISOString().replace("T", " ").replace("Z", "");
}

/** The number the digits of s[from, to) write; -1 if one of them is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** `YYYY-MM-DD HH:MM:SS.mmm` (what toDbTime writes) read field by field; null for anything else. */
function dbTimeFields(s: string): number | null {
  if (s.length !== 23 || s[4] !== "-" || s[7] !== "-" || s[10] !== " " || s[13] !== ":" || s[16] !== ":" || s[19] !== ".") return null;
  const [year, month, day, hour, minute, second, ms] = [digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10), digits(s, 11, 13), digits(s, 14, 16), digits(s, 17, 19), digits(s, 20, 23)];
  // Within these ranges Date.UTC and the ISO parser agree (a 30 February is 2 March for both);
  // outside them (a second 60, an hour 24, a year Date.UTC would read as 19xx) the parser decides.
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

export function fromDbTime(s: string | Date): Date {
  if (s instanceof Date) return s;
  const t = dbTimeFields(s);
  if (t !== null) return new Date(t);
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
