import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeWallboardSource } from "../../../src/api/console/wallboard/store-source.js";
import { fromDbTime, toDbTime, type Actor, type Store } from "../../../src/domain/index.js";
import { admin, DRIVERS, openTestDb, type TestDb } from "../../support/databases.js";

/**
 * The wall TV's "Tempo médio de resposta" and "Taxa de resolução" (last 30 days), now counted by
 * the ticket backend in one aggregate: the same numbers as the wallboard's earlier computation
 * (kept below as `listedKpis`, its exact code over every ticket of the window), on both databases.
 */
const bruno: Actor = { client: "bruno", address: "10.1.2.3" };
const DAY_MS = 86_400_000;
const NOW = new Date("2025-07-01T15:00:00.000Z");
const SINCE = new Date(NOW.getTime() - 30 * DAY_MS);

/** The wallboard's computation before this change: every ticket of the window read into the API. */
async function listedKpis(store: Store, since: Date): Promise<{ avgResponseTime: string; resolutionRate: number }> {
  const rows = await store.db.all<{ created_at: string; status: string; first_move: string | null }>(
    `SELECT t.created_at, t.status,
            (SELECT MIN(h.at) FROM ticket_history h WHERE h.ticket_id = t.id AND h.from_status = 'open' AND h.to_status <> 'open') AS first_move
       FROM tickets t WHERE t.created_at >= ?`,
    [toDbTime(since)],
  );
  const waits = rows.filter((r) => r.first_move !== null).map((r) => fromDbTime(r.first_move!).getTime() - fromDbTime(r.created_at).getTime());
  const avg = waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : 0;
  const minutes = Math.round(avg / 60_000);
  const resolved = rows.filter((r) => r.status === "resolved" || r.status === "closed").length;
  return {
    avgResponseTime: waits.length ? `${Math.floor(minutes / 60)}h ${minutes % 60}m` : "—",
    resolutionRate: rows.length ? Math.round((resolved / rows.length) * 100) : 0,
  };
}

describe.each(DRIVERS)("the wall TV's response and resolution KPIs (%s)", (driver) => {
  let t: TestDb;
  let seq = 0;
  const kpis = async (now: Date, store: Store = t.store) => {
    const { avgResponseTime, resolutionRate } = (await storeWallboardSource(store, () => now).snapshot()).dashboard.kpis;
    return { avgResponseTime, resolutionRate };
  };
  const open = async (at: string) =>
    (await t.store.tickets.open({ userCode: "7001", serviceId: 202, source: "phone", callId: `kpi.${process.pid}.${++seq}` }, bruno, new Date(at))).ticket.protocol;
  const work = (protocol: string, status: "in_progress" | "waiting" | "resolved" | "closed" | undefined, at: string) =>
    t.store.tickets.work!(protocol, status ? { status } : { priority: "high" }, bruno, new Date(at));

  beforeAll(async () => {
    t = await openTestDb(driver, `${import.meta.filename}-${driver}`, { URA_TIMEZONE: "America/Sao_Paulo" });
    await t.store.users.create({ code: "7001", name: "Ana Souza", department: "Gabinete" }, admin, new Date("2025-05-01T12:00:00Z"));
  });
  afterAll(async () => t?.cleanup());

  it("with no tickets: no response time and 0 %, as before", async () => {
    expect(await kpis(NOW)).toEqual({ avgResponseTime: "—", resolutionRate: 0 });
    expect(await kpis(NOW)).toEqual(await listedKpis(t.store, SINCE));
  });

  it("counts the tickets of the last 30 days as the list did: first move out of 'open', reopened not resolved, across local midnight", async () => {
    // One millisecond before the window: out (its 1-minute answer would pull the mean down).
    const before = await open("2025-06-01T14:59:59.999Z");
    await work(before, "in_progress", "2025-06-01T15:00:59.999Z");
    // Exactly at the window's start: in. Answered in 10 min 30.5 s, then resolved.
    const edge = await open("2025-06-01T15:00:00.000Z");
    await work(edge, "in_progress", "2025-06-01T15:10:30.500Z");
    await work(edge, "resolved", "2025-06-02T12:00:00.000Z");
    // Opened 23:50 in São Paulo, taken 00:20 the next local day (30 min), resolved, then reopened.
    const midnight = await open("2025-06-20T02:50:00.000Z");
    await work(midnight, "in_progress", "2025-06-20T03:20:00.000Z");
    await work(midnight, "resolved", "2025-06-20T04:00:00.000Z");
    await work(midnight, "in_progress", "2025-06-21T13:00:00.000Z");
    // Closed straight from open, 2 h 5 min 0.25 s later.
    const closed = await open("2025-06-25T10:00:00.000Z");
    await work(closed, "closed", "2025-06-25T12:05:00.250Z");
    // Waiting after 1 ms, then worked: only the first move counts.
    const waiting = await open("2025-06-30T11:00:00.000Z");
    await work(waiting, "waiting", "2025-06-30T11:00:00.001Z");
    await work(waiting, "in_progress", "2025-06-30T18:00:00.000Z");
    // Only its priority changed (open → open): not answered.
    const untouched = await open("2025-06-30T11:30:00.000Z");
    await work(untouched, undefined, "2025-06-30T11:40:00.000Z");

    // Answered: 630,500 + 1,800,000 + 7,500,250 + 1 ms over 4 = 41.4 min; resolved 2 (edge, closed) of 5.
    expect(await kpis(NOW)).toEqual({ avgResponseTime: "0h 41m", resolutionRate: 40 });
    expect(await kpis(NOW)).toEqual(await listedKpis(t.store, SINCE));
    expect(await t.store.tickets.responseStats!(SINCE)).toEqual({ opened: 5, resolved: 2, responded: 4, meanFirstResponseMs: 9_930_751 / 4 });

    // A window holding only the ticket nobody answered: no response time, 0 %.
    const late = new Date(new Date("2025-06-30T11:15:00.000Z").getTime() + 30 * DAY_MS);
    expect(await kpis(late)).toEqual({ avgResponseTime: "—", resolutionRate: 0 });
    expect(await kpis(late)).toEqual(await listedKpis(t.store, new Date("2025-06-30T11:15:00.000Z")));
    // From the closed ticket on: 2 h 5 min for it, 1 ms for the waiting one, 1 of 3 resolved.
    const fromClosed = new Date("2025-06-25T10:00:00.000Z");
    expect(await kpis(new Date(fromClosed.getTime() + 30 * DAY_MS))).toEqual({ avgResponseTime: "1h 3m", resolutionRate: 33 });
    expect(await kpis(new Date(fromClosed.getTime() + 30 * DAY_MS))).toEqual(await listedKpis(t.store, fromClosed));
  });

  it("reads one row for them, not one per ticket of the window", async () => {
    const db = t.store.db;
    const seen: Array<{ sql: string; rows: number }> = [];
    const all = db.all.bind(db);
    const get = db.get.bind(db);
    db.all = (async (sql: string, params?: unknown[]) => {
      const rows = await all(sql, params as never);
      seen.push({ sql, rows: rows.length });
      return rows;
    }) as typeof db.all;
    db.get = (async (sql: string, params?: unknown[]) => {
      const row = await get(sql, params as never);
      seen.push({ sql, rows: row ? 1 : 0 });
      return row;
    }) as typeof db.get;
    try {
      await kpis(NOW);
    } finally {
      db.all = all;
      db.get = get;
    }
    const history = seen.filter((q) => q.sql.includes("ticket_history"));
    expect(history).toHaveLength(1);
    expect(history[0]!.rows).toBe(1);
  });

  it("a backend without the aggregate (GLPI) shows no figures, as before", async () => {
    const glpiLike = new Proxy(t.store.tickets, {
      get: (target, property) => (property === "responseStats" ? undefined : (Reflect.get(target, property) as unknown)),
    });
    expect(await kpis(NOW, { ...t.store, tickets: glpiLike })).toEqual({ avgResponseTime: "—", resolutionRate: 0 });
  });
});
