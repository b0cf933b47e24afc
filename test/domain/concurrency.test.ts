import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

describe.each(DRIVERS)("concurrent ticket opening on %s", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename, { SITE_CODE: "42" });
    await t.store.users.create({ code: "1", name: "Ana" }, admin, new Date());
  });
  afterAll(async () => t?.cleanup());

  it("200 opens for 50 call ids make exactly 50 tickets with 50 distinct protocols", async () => {
    const now = new Date("2025-03-03T13:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => t.store.tickets.open({ userCode: "1", serviceId: 601, source: "phone", callId: `call-${i % 50}` }, admin, now)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(50);
    const byCall = new Map<string, Set<string>>();
    results.forEach((r, i) => {
      const key = `call-${i % 50}`;
      byCall.set(key, (byCall.get(key) ?? new Set()).add(r.ticket.protocol));
    });
    for (const set of byCall.values()) expect(set.size).toBe(1);
    const protocols = new Set(results.map((r) => r.ticket.protocol));
    expect(protocols.size).toBe(50);
    for (const p of protocols) expect(p).toMatch(/^42\d{4}$/);
    const count = await t.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM tickets");
    expect(Number(count!.n)).toBe(50);
    // The sequence has no holes: 1..50.
    expect([...protocols].map((p) => Number(p.slice(2))).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});

describe.each(DRIVERS)("one call reported several times at once on %s", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
    await t.store.users.create({ code: "1", name: "Ana" }, admin, new Date());
  });
  afterAll(async () => t?.cleanup());

  it("10 reports of one call at once: one call record, created once, with its user; the others are updates", async () => {
    const now = new Date("2025-03-03T13:00:00Z");
    const report = (i: number) =>
      t.store.calls.record(
        { callId: "1741000000.1", callerNumber: "2001", userCode: "1", outcome: "ticket", step: `step-${i}`, ticketProtocol: null, startedAt: now.toISOString(), durationMs: 1000 + i },
        admin,
        now,
      );
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => report(i)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const rows = await t.store.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM calls WHERE call_id = ?", ["1741000000.1"]);
    expect(Number(rows[0]!.n)).toBe(1);
    expect(await t.store.calls.get("1741000000.1")).toMatchObject({ userCode: "1", outcome: "ticket" });
    const audit = (await t.store.audit.list({ limit: 100 })).filter((a) => a.entityId === "1741000000.1").map((a) => a.action).sort();
    expect(audit).toEqual(["call.record", ...Array.from({ length: 9 }, () => "call.update")]);
  });

  it("10 survey answers for one call at once: one answer counted, created once", async () => {
    const now = new Date("2025-03-03T13:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.store.surveys.record({ callId: "1741000000.2", userCode: "1", ticketProtocol: null, kind: "ticket", score: (i % 5) + 1 }, now)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await t.store.surveys.summary(new Date("2025-03-03T00:00:00Z"), new Date("2025-03-04T00:00:00Z"))).toMatchObject({ surveyCount: 1 });
  });
});
