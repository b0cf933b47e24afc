/**
 * Numbers said with recorded fragments, the way Asterisk's pt_BR SayNumber builds them
 * (main/say.c, ast_say_number_full_pt): a fragment per hundreds, tens and units, "e" between
 * them, "mil" for thousands, "cem" for a round hundred and "cento" before the rest, and the
 * feminine "uma", "duas", "duzentas"… when the counted noun is feminine (hours). Each fragment is
 * a prompt of sounds/prompts.pt-BR.txt, so a studio recording can replace it like any other.
 */

import { protocolGroups } from "../api/contract.js";
import { PROMPT_IDS, type NumberedFamily, type PromptId } from "./prompt-ids.js";

export type Gender = "masculine" | "feminine";

/** The largest number `cardinal` says (the issue asks for up to 9,999: years, counts, minutes). */
export const MAX_CARDINAL = 9999;

/**
 * `cardinal(1980)` → mil · novecentos · e · oitenta; `cardinal(2, "feminine")` → duas.
 * After "mil" comes "e" only when the rest is below 100 or a round hundred ("mil e cem",
 * "dois mil e vinte e cinco", but "mil novecentos e oitenta"), as Brazilian Portuguese says it.
 */
export function cardinal(n: number, gender: Gender = "masculine"): PromptId[] {
  if (!Number.isInteger(n) || n < 0 || n > MAX_CARDINAL) throw new RangeError(`cardinal: ${n} is not a whole number from 0 to ${MAX_CARDINAL}`);
  if (n === 0) return ["digit-0"];
  const out: PromptId[] = [];
  let rest = n;
  if (rest >= 1000) {
    const thousands = Math.floor(rest / 1000);
    // "mil", never "um mil"; "dois mil", "duas mil" (a feminine noun).
    if (thousands > 1) out.push(...cardinal(thousands, gender));
    out.push("num-1000");
    rest %= 1000;
    if (rest > 0 && (rest < 100 || rest % 100 === 0)) out.push("and");
  }
  if (rest >= 100) {
    const hundreds = Math.floor(rest / 100) * 100;
    if (rest === 100) out.push("num-100");
    else if (hundreds === 100) out.push("cento");
    else out.push(numbered(gender === "feminine" ? "num-f" : "num", hundreds));
    rest %= 100;
    if (rest > 0) out.push("and");
  }
  if (rest >= 20) {
    out.push(numbered("num", Math.floor(rest / 10) * 10));
    rest %= 10;
    if (rest > 0) out.push("and");
  }
  if (rest >= 10) out.push(numbered("num", rest));
  else if (rest > 0) out.push(gender === "feminine" && rest <= 2 ? numbered("num-f", rest) : numbered("digit", rest));
  return out;
}

/** Digit prompts for a string of digits (the end of a phone number, a code read back). */
export function digitPrompts(digits: string): PromptId[] {
  return [...digits].filter((c) => c >= "0" && c <= "9").map((d) => numbered("digit", Number(d)));
}

/**
 * A protocol as a person writes it down: its groups (the domain's rule, `protocolGroups`), each
 * read digit by digit, with a short pause between groups: "um zero zero · quatro dois".
 */
export function protocolPrompts(protocol: string): PromptId[] {
  const out: PromptId[] = [];
  protocolGroups(protocol).forEach((group, i) => {
    if (i > 0) out.push("pause");
    out.push(...digitPrompts(group));
  });
  return out;
}

const KNOWN = new Set<string>(PROMPT_IDS);

/**
 * `numbered("at-hour", 14)` → "at-hour-14". tsc checks the family; the number is checked here,
 * since a family may have gaps (num-20, num-30, …): a number without a prompt throws, as an
 * unknown prompt id always did.
 */
export function numbered(family: NumberedFamily, n: number): PromptId {
  const id = `${family}-${n}`;
  if (!KNOWN.has(id)) throw new RangeError(`no prompt "${id}" in sounds/prompts.pt-BR.txt`);
  return id as PromptId;
}
