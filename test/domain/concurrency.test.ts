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
