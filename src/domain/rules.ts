import { z } from "zod";
import { DomainValidationError } from "./errors.js";

/**
 * The value rules several parts of the help desk share, each written once: the domain validates
 * with them, and the API contract (src/api/contract.ts) composes its request and response schemas
 * from them, so the IVR, the API and the CSV import cannot disagree on what a user code is.
 */

/** Digits typed on a keypad, from `min` to `max` of them (after `base`'s own steps, e.g. a trim). */
export const digits = (min: number, max: number, base = z.string()) =>
  base.regex(new RegExp(`^[0-9]{${min},${max}}$`), `${min} to ${max} digits`);

const USER_CODE_DIGITS = [1, 12] as const;
/** A user's code: what the caller types to say who they are. */
export const userCode = digits(...USER_CODE_DIGITS);
/** The same rule for a code people write in a form or a spreadsheet cell: spaces around it do not count. */
export const writtenUserCode = digits(...USER_CODE_DIGITS, z.string().trim());

/** A ticket's protocol number: year, site and sequence, read out digit by digit. */
export const protocol = digits(6, 16);

/** The originating call (Asterisk's agi_uniqueid, or any client's own id). */
export const callId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.\-:]+$/, "letters, digits and . _ - :");

/** The key that picks a catalogue option inside its menu (0 is the technician, * goes back). */
export const serviceKey = z.string().regex(/^[1-9]$/, "one key, 1 to 9");

/** Parses with a domain schema; the first problem becomes a DomainValidationError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new DomainValidationError(issue.path.length ? issue.path.map(String).join(".") : "body", issue.message);
}
