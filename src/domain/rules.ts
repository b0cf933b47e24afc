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

/**
 * A ticket's protocol number, as a caller types it. New protocols are short (`formatProtocol`:
 * the site and a sequence that never restarts, e.g. `10042`); the year-based ones made before
 * issue 13 (`202500100042`) and a GLPI backend's ticket ids (`120`) stay valid, so old tickets
 * can still be looked up.
 */
export const protocol = digits(1, 16);

/** How many digits a new protocol's sequence has at least (zero-padded): 9,999 tickets per site before it grows. */
export const PROTOCOL_SEQUENCE_DIGITS = 4;

/**
 * The protocol format, written once: SITE_CODE as configured, then the site's sequence number
 * zero-padded to 4 digits: site 1, ticket 42 → `10042`; ticket 123456 → `1123456`. Short enough
 * to be heard in under 4 s in groups (`protocolGroups`). The sequence does not restart each year
 * (the year made the old protocols 12 digits long, 7 of them the same for every ticket). Sites
 * that share one database must use site codes of one length (`1`…`9`, or `01`…`99`), or `1` + 10000
 * could be site `11`'s ticket 0 (the database's unique key would refuse it, not mix them up).
 */
export function formatProtocol(siteCode: string, sequence: number): string {
  if (!/^[0-9]{1,3}$/.test(siteCode)) throw new RangeError(`site code "${siteCode}" is not 1 to 3 digits`);
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError(`protocol sequence ${sequence} is not a positive whole number`);
  return `${siteCode}${String(sequence).padStart(PROTOCOL_SEQUENCE_DIGITS, "0")}`;
}

/**
 * A protocol split as a person writes it down while listening: groups of three digits, and never
 * a lone digit at the end (two groups of two instead): `10042` → 100 42, `1123456` → 112 34 56,
 * `202500100042` → 202 500 100 042. Up to four digits are one group. The IVR reads each group
 * digit by digit with a pause between groups; pages can show the same groups.
 */
export function protocolGroups(value: string): string[] {
  if (value.length <= 4) return [value];
  const groups: string[] = [];
  let i = 0;
  const rest = () => value.length - i;
  while (rest() > 0) {
    // 4 left → 2 + 2; 5 left → 3 + 2; 2 or 3 left → one group.
    const size = rest() === 4 || rest() === 2 ? 2 : 3;
    groups.push(value.slice(i, i + size));
    i += size;
  }
  return groups;
}

/** The originating call (Asterisk's agi_uniqueid, or any client's own id). */
export const callId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.\-:]+$/, "letters, digits and . _ - :");

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/i;
const FIRST_STORABLE = Date.UTC(1000, 0, 1);
const LAST_STORABLE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Why `text` is not an instant both databases can store, or null when it is one. */
function instantProblem(text: string): string | null {
  const m = INSTANT.exec(text);
  if (!m) return "an ISO-8601 instant with a four-digit year and Z or an offset, e.g. 2025-06-02T13:00:00Z";
  const [year, month, day, hour, minute, second = "0", offH = "0", offM = "0"] = m.slice(1);
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return "not a calendar date";
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59 || Number(offH) > 23 || Number(offM) > 59) return "not a time of day";
  const at = Date.parse(text);
  if (Number.isNaN(at) || at < FIRST_STORABLE || at > LAST_STORABLE) return "outside the years 1000 to 9999";
  return null;
}

/**
 * An instant a client reports (an ISO-8601 string with Z or an offset), within the years 1000 to
 * 9999 UTC: what MariaDB's DATETIME and SQLite's sortable text both hold. Beyond them MariaDB
 * refused the row with a 500; now it is a 400 naming the field.
 */
export const instant = z.string().superRefine((text, ctx) => {
  const problem = instantProblem(text);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
});

/** The key that picks a catalogue option inside its menu (0 is the technician, * goes back). */
export const serviceKey = z.string().regex(/^[1-9]$/, "one key, 1 to 9");

/** Parses with a domain schema; the first problem becomes a DomainValidationError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new DomainValidationError(issue.path.length ? issue.path.map(String).join(".") : "body", issue.message);
}
