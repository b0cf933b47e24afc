import { describe, expect, it } from "vitest";
import { callerKey, normalizeMobile, parseBrazilianPhone } from "../../src/domain/index.js";
import { splitSqlStatements } from "../../src/domain/db.js";
import { readCsv } from "../../src/domain/csv.js";
import { formatLocal, fromDbTime, localParts, toDbTime, zonedTimeToUtc } from "../../src/domain/time.js";

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

  it("converts to and from the stored form as the general path does, also off the fast path", () => {
    // The general paths, as they were before the fast ones (issue 16).
    const toDbTimeGeneral = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");
    const fromDbTimeGeneral = (s: string) => {
      const iso = s.includes("T") ? s : s.replace(" ", "T");
      return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
    };
    for (const t of [0, -1, 1_733_000_000_123, Date.UTC(1000, 0, 1), Date.UTC(999, 11, 31, 23, 59, 59, 999), Date.UTC(2024, 1, 29, 0, 0, 0, 7), Date.UTC(2024, 9, 5, 9, 9, 9, 99), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1), Date.UTC(99, 0, 1)]) {
      expect(toDbTime(new Date(t))).toBe(toDbTimeGeneral(new Date(t)));
    }
    expect(() => toDbTime(new Date(NaN))).toThrow(RangeError);
    const stored = [
      "2025-06-02 12:34:56.789",
      "2025-02-30 00:00:00.000",
      "2024-02-31 23:59:59.999",
      "2025-04-31 12:00:00.000",
      "2025-00-10 00:00:00.000",
      "2025-01-00 00:00:00.000",
      "2025-01-32 00:00:00.000",
      "1000-01-01 00:00:00.000",
      "0999-12-31 23:59:59.999",
      "9999-12-31 23:59:59.999",
      "2025-01-01 24:00:00.000",
      "2025-01-01 23:59:60.000",
      "2025-13-01 00:00:00.000",
      "0099-01-01 00:00:00.000",
      "2025-06-02T12:34:56.789",
      "2025-06-02 12:34:56.789Z",
      "2025-06-02 12:34:56.789-03:00",
      "2025-06-02 12:34:56",
      "2025-06-02 12:34:5x.789",
      "+010000-01-01 00:00:00.000",
      "",
    ];
    for (const s of stored) expect(fromDbTime(s).getTime(), s).toEqual(fromDbTimeGeneral(s).getTime());
  });

  it("shows the new offset from the first second after a clock change, asked a moment before it", () => {
    // São Paulo's last daylight saving time began at midnight on 2018-11-04 (03:00 UTC).
    expect(formatLocal(new Date("2018-11-04T02:59:30Z"), "America/Sao_Paulo")).toBe("2018-11-03T23:59:30-03:00");
    expect(formatLocal(new Date("2018-11-04T02:59:59.999Z"), "America/Sao_Paulo")).toBe("2018-11-03T23:59:59-03:00");
    expect(formatLocal(new Date("2018-11-04T03:00:00Z"), "America/Sao_Paulo")).toBe("2018-11-04T01:00:00-02:00");
    // And back, the same instant asked twice in a row.
    expect(formatLocal(new Date("2024-11-03T05:59:59Z"), "America/New_York")).toBe("2024-11-03T01:59:59-04:00");
    expect(formatLocal(new Date("2024-11-03T06:00:00Z"), "America/New_York")).toBe("2024-11-03T01:00:00-05:00");
    expect(formatLocal(new Date("2024-11-03T06:00:00Z"), "America/New_York")).toBe("2024-11-03T01:00:00-05:00");
    // Half-hour and three-quarter offsets, and Monrovia's −0:44:30 before 1972.
    expect(formatLocal(new Date("2025-01-15T12:00:00Z"), "Asia/Kathmandu")).toBe("2025-01-15T17:45:00+05:45");
    expect(formatLocal(new Date("2025-04-05T14:59:59Z"), "Australia/Lord_Howe")).toBe("2025-04-06T01:59:59+11:00");
    expect(formatLocal(new Date("2025-04-05T15:00:00Z"), "Australia/Lord_Howe")).toBe("2025-04-06T01:30:00+10:30");
    expect(localParts(new Date("1971-06-01T12:00:00Z"), "Africa/Monrovia")).toMatchObject({ hour: 11, minute: 15, second: 30 });
  });

  it("gives the wall clock Intl gives, for any instant and zone", () => {
    const zones = ["America/Sao_Paulo", "America/Noronha", "America/Manaus", "America/New_York", "Europe/Lisbon", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "UTC"];
    const intl = new Map(zones.map((z) => [z, new Intl.DateTimeFormat("en-US", { timeZone: z, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", weekday: "short" })]));
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    let seed = 16;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 3000; i++) {
      const zone = zones[i % zones.length]!;
      // Mostly a few seconds apart (as "now" is asked during calls), sometimes years apart.
      const d = new Date(i % 3 === 0 ? Date.UTC(1960, 0, 1) + random() * 80 * 365 * 86_400_000 : Date.UTC(2018, 10, 4, 2, 59) + random() * 120_000);
      const p = Object.fromEntries(intl.get(zone)!.formatToParts(d).map((x) => [x.type, x.value]));
      const expected = { year: +p.year!, month: +p.month!, day: +p.day!, hour: +p.hour!, minute: +p.minute!, second: +p.second!, weekday: days.indexOf(p.weekday!) };
      expect(localParts(d, zone), `${d.toISOString()} in ${zone}`).toEqual(expected);
    }
  });
});
