import { describe, expect, it } from "vitest";
import { normalizeBrazilianPhone, VALID_DDDS } from "../../src/domain/index.js";
import { maskPhone } from "../../src/shared/privacy.js";

const MOBILE = "+5545999999999";

// What staff type into the IVR's web form and what HR spreadsheets export, with what we make of it.
const valid: Array<[input: string, e164: string, kind: "mobile" | "landline"]> = [
  ["(45) 9 9999-9999", MOBILE, "mobile"],
  ["(45) 99999-9999", MOBILE, "mobile"],
  ["045999999999", MOBILE, "mobile"], // trunk prefix 0, as HR exports it
  ["045 99999 9999", MOBILE, "mobile"],
  ["+55 45 99999-9999", MOBILE, "mobile"],
  ["+55 (45) 9 9999-9999", MOBILE, "mobile"],
  ["+55 (045) 99999-9999", MOBILE, "mobile"], // trunk 0 written after the country code
  ["5545999999999", MOBILE, "mobile"], // E.164 without the '+'
  ["55 45 99999 9999", MOBILE, "mobile"],
  ["0055 45 99999-9999", MOBILE, "mobile"], // international prefix from abroad
  ["0 41 45 99999-9999", MOBILE, "mobile"], // carrier selection code 41 (TIM)
  ["0 15 11 98765-4321", "+5511987654321", "mobile"], // carrier 15 (Vivo)
  ["0xx45 99999-9999", MOBILE, "mobile"], // "xx" stands for the carrier code on old forms
  ["(0XX45) 9999-8888", "+5545999998888", "mobile"], // eight-digit mobile from before the ninth digit
  ["45 8812-3456", "+5545988123456", "mobile"],
  ["0 21 45 8812-3456", "+5545988123456", "mobile"], // carrier 21 + old eight-digit mobile
  ["45.99999.9999", MOBILE, "mobile"],
  ["45\u00a099999-9999", MOBILE, "mobile"], // non-breaking space from a spreadsheet
  ["(55) 9 9123-4567", "+5555991234567", "mobile"], // DDD 55 (Santa Maria), not the country code
  ["(11) 3456-7890", "+551134567890", "landline"],
  ["0xx45 3220-1234", "+554532201234", "landline"],
  ["  (61)  2020-3030  ", "+556120203030", "landline"],
  ["551132221000", "+551132221000", "landline"], // 55 + DDD + eight digits
];

const invalid: Array<[input: unknown, reason: RegExp]> = [
  ["", /empty/],
  ["   ", /empty/],
  ["abc", /letters/],
  ["(45) 99999-9999 ramal 201", /letters/],
  ["4599999999a", /letters/],
  ["45#99999-9999", /characters/],
  ["+55+45999999999", /'\+'/],
  ["99999-9999", /area code/], // no DDD
  ["3220-1234", /area code/],
  ["(20) 99999-9999", /20 is not a Brazilian area code/],
  ["(10) 3333-4444", /10 is not a Brazilian area code/],
  ["(45) 8999-99999", /nine-digit number must start with 9/],
  ["(45) 1234-5678", /cannot start with 0 or 1/],
  ["(45) 0234-5678", /cannot start with 0 or 1/],
  ["+1 650 555 1234", /not a Brazilian number/],
  ["+351 912 345 678", /not a Brazilian number/],
  ["0800 123 4567", /non-geographic/],
  ["45 99999-99999", /too many digits/],
  ["+55 45 99999-9999 / 3220-1234", /too many digits/], // two numbers in one cell
  ["+55 45 9999", /too few digits/],
  ["0 45 9999", /too few digits/],
  [5545999999999, /not a string/],
];

describe("normalizeBrazilianPhone", () => {
  it.each(valid)("%j → %s (%s)", (input, e164, kind) => {
    expect(normalizeBrazilianPhone(input)).toEqual({ ok: true, e164, kind, ddd: e164.slice(3, 5) });
  });

  it.each(invalid)("%j is refused (%s)", (input, reason) => {
    const result = normalizeBrazilianPhone(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("covers at least twenty real-world shapes each way", () => {
    expect(valid.length).toBeGreaterThanOrEqual(20);
    expect(invalid.length).toBeGreaterThanOrEqual(20);
  });

  it("knows the 67 area codes in use", () => {
    expect(VALID_DDDS.size).toBe(67);
    for (const ddd of ["11", "45", "55", "61", "99"]) expect(VALID_DDDS.has(ddd)).toBe(true);
    for (const ddd of ["10", "20", "23", "25", "26", "29", "30", "36", "39", "40", "50", "52", "56", "60", "70", "72", "76", "78", "80", "90"]) {
      expect(VALID_DDDS.has(ddd)).toBe(false);
    }
  });
});

describe("maskPhone", () => {
  it("keeps the country code and the last four digits", () => {
    expect(maskPhone(MOBILE)).toBe("+55*******9999");
    expect(maskPhone("+554532201234")).toBe("+55******1234");
  });
});
