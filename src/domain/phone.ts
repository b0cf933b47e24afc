/**
 * Brazilian phone numbers as people type them and as HR spreadsheets export them, turned into
 * E.164 (`+5545999999999`). Numbering facts (ANATEL): two-digit area codes (DDD); mobiles have
 * nine digits starting with 9 since the "nono dígito" (completed 2016), older exports still carry
 * the eight-digit form (first digit 6–9); landlines have eight digits starting with 2–5; a long-
 * distance call is dialled 0 + carrier code (CSP, two digits: 0 41 45 …, written 0xx45 on forms) +
 * DDD + number, and the trunk prefix 0 alone is common in exports (045 9…).
 */

export type PhoneKind = "mobile" | "landline";

export type NormalizedPhone =
  | { ok: true; e164: string; kind: PhoneKind; ddd: string }
  | { ok: false; reason: string };

/** Every area code in use (ANATEL's plan: 67 codes). */
export const VALID_DDDS: ReadonlySet<string> = new Set(
  [
    "11 12 13 14 15 16 17 18 19",
    "21 22 24 27 28",
    "31 32 33 34 35 37 38",
    "41 42 43 44 45 46 47 48 49",
    "51 53 54 55",
    "61 62 63 64 65 66 67 68 69",
    "71 73 74 75 77 79",
    "81 82 83 84 85 86 87 88 89",
    "91 92 93 94 95 96 97 98 99",
  ]
    .join(" ")
    .split(" "),
);

const fail = (reason: string): NormalizedPhone => ({ ok: false, reason });

/**
 * Normalises one Brazilian number. Accepts the shapes people write: `(45) 9 9999-9999`,
 * `045999999999`, `+55 45 99999-9999`, `0xx45 3220-1234`, `0 41 45 9999-9999` (carrier code),
 * `55 45 …`, `0055 45 …`, eight-digit old mobiles (given the 9), landlines. Rejects letters,
 * missing or unknown DDDs, non-Brazilian country codes, 0800-style numbers and wrong lengths,
 * with a reason a person can act on.
 */
export function normalizeBrazilianPhone(input: unknown): NormalizedPhone {
  if (typeof input !== "string") return fail("not a string");
  let text = input.trim();
  if (text === "") return fail("empty");
  if (text.length > 40) return fail("too long to be a phone number");

  // "0xx45", "(0XX45)": the xx stands for the carrier code the caller would pick.
  text = text.replace(/^\(?\s*0\s*x\s*x\s*/i, (m) => (m.startsWith("(") ? "(0" : "0"));
  if (/\p{L}/u.test(text)) return fail("contains letters (extensions and notes are not part of the number)");
  if (/[^\d\s()+\-./\u00a0]/.test(text)) return fail("contains characters other than digits, spaces, ( ) + - . /");
  const plus = text.indexOf("+");
  if (plus !== -1 && (plus !== text.search(/[+\d]/) || text.lastIndexOf("+") !== plus)) {
    return fail("'+' may only start the number");
  }

  const digits = text.replace(/\D/g, "");
  let national: string;
  if (plus !== -1 || digits.startsWith("00")) {
    const international = plus !== -1 ? digits : digits.slice(2);
    if (!international.startsWith("55")) return fail(`not a Brazilian number (country code +${international.slice(0, 3)}…)`);
    national = international.slice(2);
    // "+55 (045) 9…": a trunk 0 written after the country code.
    if (national.startsWith("0") && (national.length === 11 || national.length === 12)) national = national.slice(1);
  } else if (digits.startsWith("0")) {
    if (/^0[3589]00/.test(digits)) return fail("non-geographic number (0800, 0300, 0500, 0900) cannot receive WhatsApp");
    const rest = digits.slice(1);
    if (rest.length === 10 || rest.length === 11) national = rest; // 0 + DDD + number
    else if (rest.length === 12 || rest.length === 13) national = rest.slice(2); // 0 + carrier + DDD + number
    else return fail(rest.length < 10 ? "too few digits" : "too many digits");
  } else if ((digits.length === 12 || digits.length === 13) && digits.startsWith("55")) {
    national = digits.slice(2); // 55 + DDD + number, without the '+'
  } else if (digits.length === 8 || digits.length === 9) {
    return fail("missing area code (DDD)");
  } else {
    national = digits;
  }

  if (national.length < 10) return fail("too few digits");
  if (national.length > 11) return fail("too many digits");
  const ddd = national.slice(0, 2);
  let subscriber = national.slice(2);
  if (!VALID_DDDS.has(ddd)) return fail(`${ddd} is not a Brazilian area code (DDD)`);

  let kind: PhoneKind;
  if (subscriber.length === 9) {
    if (!subscriber.startsWith("9")) return fail("a nine-digit number must start with 9");
    kind = "mobile";
  } else {
    const first = subscriber[0]!;
    if (first >= "2" && first <= "5") {
      kind = "landline";
    } else if (first >= "6") {
      subscriber = `9${subscriber}`; // an eight-digit mobile from before the ninth digit
      kind = "mobile";
    } else {
      return fail("a local number cannot start with 0 or 1");
    }
  }
  return { ok: true, e164: `+55${ddd}${subscriber}`, kind, ddd };
}

/**
 * What the help desk keeps of a number: a mobile for one-time codes, and a matching key for caller
 * ids. One set of numbering rules (above) for the whole product: the WhatsApp adapters use it too.
 */
export interface NormalisedPhone {
  /** E.164, e.g. `+5545999999999`. */
  e164: string;
  mobile: boolean;
}

export function parseBrazilianPhone(input: string): NormalisedPhone | null {
  const r = normalizeBrazilianPhone(input);
  return r.ok ? { e164: r.e164, mobile: r.kind === "mobile" } : null;
}

/** Why `input` is not a usable mobile, or null when it is one. */
export function mobileProblem(input: string): string | null {
  const r = normalizeBrazilianPhone(input);
  if (!r.ok) return r.reason;
  return r.kind === "mobile" ? null : "a landline cannot receive WhatsApp codes";
}

/** E.164 of a mobile number, or null when `input` cannot be one. */
export function normalizeMobile(input: string): string | null {
  const parsed = parseBrazilianPhone(input);
  return parsed?.mobile ? parsed.e164 : null;
}

/**
 * The form a caller id is matched in: internal extensions (2 to 6 digits) as their digits, anything
 * longer as E.164 when it parses, else its digits.
 */
export function callerKey(input: string): string | null {
  const digits = input.replace(/\D/g, "");
  if (digits.length === 0) return null;
  if (digits.length <= 6 && !input.trim().startsWith("+")) return digits;
  return parseBrazilianPhone(input)?.e164 ?? digits;
}
