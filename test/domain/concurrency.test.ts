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
    // A request that loses its call's race loses the number it took (docs/decisions.md), so the
    // numbers are distinct and within the 200 taken, not necessarily 1..50.
    for (const p of protocols) expect(Number(p.slice(2))).toBeGreaterThanOrEqual(1);
    for (const p of protocols) expect(Number(p.slice(2))).toBeLessThanOrEqual(200);
  });

  it("100 opens for 100 calls all commit, numbered 1..100 with no number lost", async () => {
    const before = await t.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM tickets");
    const start = await t.store.db.get<{ v: number }>("SELECT MAX(last_value) AS v FROM protocol_counters");
    const now = new Date("2025-03-03T14:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => t.store.tickets.open({ userCode: "1", serviceId: 601, source: "phone", callId: `parallel-${i}` }, admin, now)),
    );
    expect(results.every((r) => r.created)).toBe(true);
    const numbers = results.map((r) => Number(r.ticket.protocol.slice(2))).sort((a, b) => a - b);
    const first = Number(start!.v) + 1;
    expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => first + i));
    const after = await t.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM tickets");
    expect(Number(after!.n) - Number(before!.n)).toBe(100);
  });
});

describe("the protocol counter on MariaDB", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb("mysql", import.meta.filename, { SITE_CODE: "42" });
    await t.store.users.create({ code: "1", name: "Ana" }, admin, new Date());
    await t.store.users.create({ code: "2", name: "Bruno" }, admin, new Date());
  });
  afterAll(async () => t?.cleanup());

  // Issue 16: each ticket held the counter's row lock until its transaction committed, so tickets
  // were written one at a time. A ticket whose transaction is stuck must not stop the next one.
  it("opens a ticket while another ticket's transaction is still waiting", { timeout: 120_000 }, async () => {
    const now = new Date("2025-03-03T15:00:00Z");
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // Ana's row locked: her ticket's insert waits for it (the foreign key's check).
    const holder = t.store.db.transaction(async (tx) => {
      await tx.get("SELECT id FROM users WHERE code = '1' FOR UPDATE");
      locked();
      await released;
    });
    await isLocked;
    const ana = t.store.tickets.open({ userCode: "1", serviceId: 601, source: "phone", callId: "stuck" }, admin, now);
    let anaDone = false;
    void ana.then(() => (anaDone = true)).catch(() => undefined);
    // Until Ana's ticket insert is waiting on the lock (her number is taken by then).
    for (;;) {
      const waiting = await t.store.db.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'INSERT INTO tickets %'",
      );
      if (Number(waiting!.n) > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
        const bruno = await t.store.tickets.open({ userCode: "2", serviceId: 601, source: "phone", callId: "free" }, admin, now);
    expect(bruno.created).toBe(true);
    expect(anaDone).toBe(false);
    release();
    await holder;
    const anaTicket = await ana;
    expect(anaTicket.created).toBe(true);
    // Ana keeps the number she took first. Before, Bruno waited until Ana's transaction gave up
    // (the 50 s lock wait timeout), rolled back her number and took it.
    expect(anaTicket.ticket.protocol).toBe("420001");
    expect(bruno.ticket.protocol).toBe("420002");
    const count = await t.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM tickets");
    expect(Number(count!.n)).toBe(2);
  });
});
