/**
 * The weekly schedule read aloud with recorded fragments: "de segunda-feira a sexta-feira, das
 * oito ao meio-dia e das treze às dezoito horas · no sábado, das oito ao meio-dia". Consecutive
 * days (Monday first) with the same hours are said once as a range; minutes are cardinals
 * ("das sete e trinta"), as when.ts says times.
 */

import { cardinal, numbered } from "./numbers.js";
import type { PromptId } from "./prompt-ids.js";

export interface Interval {
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** "HH:MM"; closes may be "24:00" (midnight at the end of the day). */
  opens: string;
  closes: string;
}

/** The week as people say it: Monday to Sunday. */
const WEEK = [1, 2, 3, 4, 5, 6, 0];

const clock = (hhmm: string) => ({ hour: Number(hhmm.slice(0, 2)) % 24, minute: Number(hhmm.slice(3, 5)) });

/** "das oito", "das sete e trinta". */
function from(hhmm: string): PromptId[] {
  const { hour, minute } = clock(hhmm);
  return minute === 0 ? [numbered("from", hour)] : [numbered("from", hour), "and", ...cardinal(minute)];
}

/** "às dezoito horas", "às dezessete e trinta". */
function until(hhmm: string): PromptId[] {
  const { hour, minute } = clock(hhmm);
  return minute === 0 ? [numbered("at-hour", hour)] : [numbered("at", hour), "and", ...cardinal(minute)];
}

/** The schedule's prompts after "info-hours", or [] when there is none (the flow then says so). */
export function schedulePrompts(intervals: readonly Interval[]): PromptId[] {
  const byDay = new Map<number, Interval[]>();
  for (const i of intervals) byDay.set(i.weekday, [...(byDay.get(i.weekday) ?? []), i]);
  const signature = (day: number) =>
    (byDay.get(day) ?? [])
      .map((i) => `${i.opens}-${i.closes}`)
      .sort()
      .join(",");

  const groups: { first: number; last: number }[] = [];
  for (const day of WEEK) {
    if (!signature(day)) continue;
    const previous = groups.at(-1);
    const before = WEEK[WEEK.indexOf(day) - 1];
    if (previous && before !== undefined && previous.last === before && signature(before) === signature(day)) previous.last = day;
    else groups.push({ first: day, last: day });
  }

  const out: PromptId[] = [];
  groups.forEach((g, n) => {
    if (n > 0) out.push("pause");
    if (g.first === g.last) out.push(numbered("weekday", g.first));
    else out.push(numbered("from-weekday", g.first), numbered("to-weekday", g.last));
    [...(byDay.get(g.first) ?? [])]
      .sort((a, b) => a.opens.localeCompare(b.opens))
      .forEach((i, k) => {
        if (k > 0) out.push("and");
        out.push(...from(i.opens), ...until(i.closes));
      });
  });
  return out;
}
