/**
 * Dates and times read with recorded prompts (no TTS needed, and studio recordings can replace
 * them): "hoje/amanhã/ontem", a weekday within the coming week, else "no dia N de <mês>" (and "de
 * <ano>" in another year); then "às H horas" on the hour, or "à uma e quarenta e seis": the hour,
 * "e" and the minutes as a cardinal (numbers.ts), never digit by digit.
 */

import { cardinal, numbered } from "./numbers.js";
import type { PromptId } from "./prompt-ids.js";


interface LocalStamp {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** Reads `2025-03-10T14:05:00-03:00` (the API's `…Local` fields) as wall-clock parts; null if unreadable. */
export function parseLocal(text: string): LocalStamp | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  return { year, month, day, hour, minute };
}

/** Today's local date in a timezone. */
function today(now: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now)) {
    parts[p.type] = p.value;
  }
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

const dayNumber = (d: { year: number; month: number; day: number }) => Math.round(Date.UTC(d.year, d.month - 1, d.day) / 86_400_000);

/** Prompt ids that say the day of `stamp` relative to `now`. */
export function dayPrompts(stamp: LocalStamp, now: Date, timeZone: string): PromptId[] {
  const delta = dayNumber(stamp) - dayNumber(today(now, timeZone));
  if (delta === 0) return ["today"];
  if (delta === 1) return ["tomorrow"];
  if (delta === -1) return ["yesterday"];
  if (delta > 1 && delta < 7) return [numbered("weekday", new Date(Date.UTC(stamp.year, stamp.month - 1, stamp.day)).getUTCDay())];
  const date: PromptId[] = [numbered("on-day", stamp.day), numbered("of-month", stamp.month)];
  return stamp.year === today(now, timeZone).year ? date : [...date, "of-year", ...cardinal(stamp.year)];
}

/** "às oito horas" on the hour; "à uma e quarenta e seis", "às treze e cinco" otherwise. */
export function timePrompts(stamp: LocalStamp): PromptId[] {
  if (stamp.minute === 0) return [numbered("at-hour", stamp.hour)];
  return [numbered("at", stamp.hour), "and", ...cardinal(stamp.minute)];
}

/**
 * An instant (the API's `until` of a limit, ISO 8601) as wall-clock parts in `timeZone`, rounded up
 * to the whole minute: a caller told "às dez e trinta" must not find the limit still on at 10:29:40.
 */
export function localStampOf(instant: Date, timeZone: string): LocalStamp {
  const minuteUp = new Date(Math.ceil(instant.getTime() / 60_000) * 60_000);
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  for (const p of format.formatToParts(minuteUp)) parts[p.type] = p.value;
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute) };
}

/** When a limit ends ("hoje às dez e trinta"), or [] when the API did not say or said nonsense. */
export function untilPrompts(until: string | undefined, now: Date, timeZone: string): PromptId[] {
  const instant = until ? new Date(until) : null;
  if (!instant || Number.isNaN(instant.getTime())) return [];
  const stamp = localStampOf(instant, timeZone);
  return [...dayPrompts(stamp, now, timeZone), ...timePrompts(stamp)];
}

/** The whole "when" as prompt ids, or [] when the text is not a date the flow can read. */
export function whenPrompts(local: string | null, now: Date, timeZone: string): PromptId[] {
  const stamp = local ? parseLocal(local) : null;
  return stamp ? [...dayPrompts(stamp, now, timeZone), ...timePrompts(stamp)] : [];
}
