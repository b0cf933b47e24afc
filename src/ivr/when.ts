/**
 * Dates and times read with recorded prompts (no TTS needed, and studio recordings can replace
 * them): "hoje/amanhã/ontem", a weekday within the coming week, else "no dia N de <mês>"; then
 * "às H horas" and "e MM" when the minutes are a multiple of five, digit by digit otherwise.
 */

import { PROMPT_IDS, type NumberedFamily, type PromptId } from "./prompt-ids.js";

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
  return [numbered("on-day", stamp.day), numbered("of-month", stamp.month)];
}

export function timePrompts(stamp: LocalStamp): PromptId[] {
  const ids = [numbered("at-hour", stamp.hour)];
  if (stamp.minute === 0) return ids;
  if (stamp.minute % 5 === 0) return [...ids, numbered("and-minutes", stamp.minute)];
  return [...ids, "and", ...digitPrompts(String(stamp.minute).padStart(2, "0"))];
}

/** The whole "when" as prompt ids, or [] when the text is not a date the flow can read. */
export function whenPrompts(local: string | null, now: Date, timeZone: string): PromptId[] {
  const stamp = local ? parseLocal(local) : null;
  return stamp ? [...dayPrompts(stamp, now, timeZone), ...timePrompts(stamp)] : [];
}

/** Digit prompts for a string of digits (protocols, the end of a phone number). */
export function digitPrompts(digits: string): PromptId[] {
  return [...digits].filter((c) => c >= "0" && c <= "9").map((d) => numbered("digit", Number(d)));
}

const KNOWN = new Set<string>(PROMPT_IDS);

/**
 * `numbered("at-hour", 14)` → "at-hour-14". tsc checks the family; the number is checked here,
 * since a family may have gaps (and-minutes-5, -10, …): a number without a prompt throws, as an
 * unknown prompt id always did.
 */
function numbered(family: NumberedFamily, n: number): PromptId {
  const id = `${family}-${n}`;
  if (!KNOWN.has(id)) throw new RangeError(`no prompt "${id}" in sounds/prompts.pt-BR.txt`);
  return id as PromptId;
}
