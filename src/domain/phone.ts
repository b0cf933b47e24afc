import { normalizeBrazilianPhone } from "../whatsapp/index.js";

/**
 * Phone numbers as the domain stores them. The parsing itself is the WhatsApp module's
 * `normalizeBrazilianPhone` (one set of numbering rules for the whole product); this file only
 * decides what the help desk keeps: a mobile for one-time codes, and a matching key for caller ids.
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
