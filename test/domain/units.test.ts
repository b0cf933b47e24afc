import { describe, expect, it } from "vitest";
import { callerKey, normalizeMobile, parseBrazilianPhone } from "../../src/domain/index.js";
import { splitSqlStatements } from "../../src/domain/db.js";
import { readCsv } from "../../src/domain/csv.js";
import { formatLocal, fromDbTime, toDbTime, zonedTimeToUtc } from "../../src/domain/time.js";

describe("Brazilian phone numbers", () => {
  it.each([
    ["(45) 9 9999-9999", "+5545999999999"],
    ["(45) 99999-9999", "+5545999999999"],
    ["45999999999", "+5545999999999"],
    ["045999999999", "+5545999999999"],
    ["0 15 45 99999-9999", "+5545999999999"],
    ["+55 45 99999-9999", "+5545999999999"],
    ["5545999999999", "+5545999999999"],
    ["0055 45 99999 9999", "+5545999999999"],
    ["(11) 98765.4321", "+5511987654321"],
    ["+55 45 9999-9999", "+5545999999999"], // written before the ninth digit
  ])("%s is the mobile %s", (input, e164) => {
    expect(normalizeMobile(input)).toBe(e164);
  });

  it.each(["(45) 3222-1000", "12345", "(00) 99999-9999", "(45) 89999-9999", "abc", "", "+55 45 99999-99999", "45 9999x9999", "+351 912 345 678"])(
    "%s is not a mobile",
    (input) => {
      expect(normalizeMobile(input)).toBeNull();
    },
  );

  it("keeps landlines as landlines and matches extensions by their digits", () => {
    expect(parseBrazilianPhone("(45) 3222-1000")).toEqual({ e164: "+554532221000", mobile: false });
    expect(callerKey("2001")).toBe("2001");
    expect(callerKey("045 3222-1000")).toBe("+554532221000");
    expect(callerKey("unknown")).toBeNull();
  });
});

describe("SQL scripts", () => {
  it("splits at semicolons outside quotes and comments", () => {
    expect(splitSqlStatements("CREATE TABLE a (x TEXT); -- a; comment\nINSERT INTO a VALUES ('x;y'), ('it''s');\n/* ; */ SELECT 1")).toEqual([
      "CREATE TABLE a (x TEXT)",
      "INSERT INTO a VALUES ('x;y'), ('it''s')",
      "SELECT 1",
    ]);
  });
});

describe("CSV reader", () => {
  it("reads quotes, embedded delimiters and line breaks, and knows each record's line", async () => {
    const expected = [
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", 'say "hi"'] },
      { line: 4, fields: ["multi\nline", "z"] },
      { line: 6, fields: ["last", "1"] },
    ];
    expect(await readCsv('a,b\n"x, y","say ""hi"""\n\n"multi\nline",z\r\nlast,1')).toEqual(expected);
    // Windows line ends, also inside quotes, count as one line each; so do old Mac ones.
    expect(await readCsv('a,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\r\nline",z\r\nlast,1\r\n')).toEqual(expected);
    expect(await readCsv('a,b\r"x, y","say ""hi"""\r\r"multi\rline",z\rlast,1')).toEqual(expected);
  });
});

describe("time", () => {
  it("stores UTC and shows São Paulo time", () => {
    const d = new Date("2025-06-02T12:34:56.789Z");
    expect(toDbTime(d)).toBe("2025-06-02 12:34:56.789");
    expect(fromDbTime("2025-06-02 12:34:56.789").toISOString()).toBe(d.toISOString());
    expect(formatLocal(d, "America/Sao_Paulo")).toBe("2025-06-02T09:34:56-03:00");
    expect(zonedTimeToUtc(2025, 6, 2, 8, 0, "America/Sao_Paulo").toISOString()).toBe("2025-06-02T11:00:00.000Z");
    // A zone with daylight saving time still converts both ways.
    expect(zonedTimeToUtc(2025, 7, 1, 8, 0, "Europe/Lisbon").toISOString()).toBe("2025-07-01T07:00:00.000Z");
  });
});
