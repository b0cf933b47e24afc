import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateHours } from "../../src/domain/index.js";
import { admin, DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

const SP = "America/Sao_Paulo";
const at = (local: string) => new Date(`${local}-03:00`);
const week = [1, 2, 3, 4, 5].flatMap((weekday) => [
  { weekday, opens: "08:00", closes: "12:00" },
  { weekday, opens: "13:00", closes: "17:00" },
]);

describe("business hours (pure)", () => {
  const none = new Map<string, string>();
  it("is open on a weekday morning", () => {
    expect(evaluateHours(at("2025-06-02T09:30:00"), week, none, SP)).toMatchObject({ open: true, reason: "open", nextOpenAt: null });
  });
  it("is closed at lunch and opens again at 13:00", () => {
    expect(evaluateHours(at("2025-06-02T12:30:00"), week, none, SP)).toMatchObject({
      open: false,
      reason: "outside_hours",
      nextOpenAt: "2025-06-02T16:00:00.000Z",
      nextOpenAtLocal: "2025-06-02T13:00:00-03:00",
    });
  });
  it("closes at 17:00 sharp and opens Monday after a Friday", () => {
    expect(evaluateHours(at("2025-06-06T16:59:59"), week, none, SP).open).toBe(true);
    expect(evaluateHours(at("2025-06-06T17:00:00"), week, none, SP)).toMatchObject({ open: false, nextOpenAtLocal: "2025-06-09T08:00:00-03:00" });
  });
  it("at 17:59 on a holiday it is closed for the holiday and opens the next working day", () => {
    const holidays = new Map([["2025-06-19", "Corpus Christi"], ["2025-06-20", "Ponte"]]);
    expect(evaluateHours(at("2025-06-19T10:00:00"), week, holidays, SP)).toMatchObject({
      open: false,
      reason: "holiday",
      holidayName: "Corpus Christi",
      nextOpenAtLocal: "2025-06-23T08:00:00-03:00",
    });
    expect(evaluateHours(at("2025-06-19T17:59:00"), week, holidays, SP).reason).toBe("holiday");
  });
  it("uses the local date, not the UTC one, near midnight", () => {
    // 22:30 in São Paulo on Friday is already Saturday in UTC.
    expect(evaluateHours(at("2025-06-06T22:30:00"), week, new Map([["2025-06-07", "x"]]), SP)).toMatchObject({ reason: "outside_hours" });
  });
  it("without a schedule it is never open and has no next opening", () => {
    expect(evaluateHours(at("2025-06-02T09:30:00"), [], none, SP)).toMatchObject({ open: false, nextOpenAt: null });
  });
});

describe.each(DRIVERS)("business hours on %s", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
  });
  afterAll(async () => t?.cleanup());

  it("seeds Monday to Friday, 08-12 and 13-17", async () => {
    expect(await t.store.hours.schedule()).toEqual(week);
  });

  it("reads holidays and an edited schedule from the database", async () => {
    await t.store.hours.putHoliday("2025-06-19", "Corpus Christi", admin, at("2025-06-01T00:00:00"));
    expect(await t.store.hours.at(at("2025-06-19T09:00:00"))).toMatchObject({ open: false, reason: "holiday", holidayName: "Corpus Christi" });
    await t.store.hours.setSchedule([{ weekday: 6, opens: "09:00", closes: "12:00" }], admin, at("2025-06-01T00:00:00"));
    expect(await t.store.hours.at(at("2025-06-02T09:00:00"))).toMatchObject({ open: false, nextOpenAtLocal: "2025-06-07T09:00:00-03:00" });
    await t.store.hours.deleteHoliday("2025-06-19", admin, at("2025-06-01T00:00:00"));
    expect(await t.store.hours.holidays()).toEqual([]);
    await expect(t.store.hours.deleteHoliday("2025-06-19", admin, at("2025-06-01T00:00:00"))).rejects.toMatchObject({ code: "unknown_holiday" });
  });
});
