import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor, TicketView } from "../../src/domain/index.js";
import { admin, DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

const bruno: Actor = { client: "bruno", address: "10.1.2.3" };
const at = (minute: number) => new Date(Date.UTC(2025, 5, 2, 13, minute)); // Monday, 10:xx in São Paulo

describe.each(DRIVERS)("technicians' queue and work (builtin tickets on %s)", (driver) => {
  let t: TestDb;
  const opened: TicketView[] = [];
  let seq = 0;
  const open = async (userCode: string, serviceId: number, minute: number) => {
    const { ticket } = await t.store.tickets.open({ userCode, serviceId, source: "phone", callId: `work.${process.pid}.${++seq}` }, bruno, at(minute));
    opened.push(ticket);
    return ticket;
  };

  beforeAll(async () => {
    t = await openTestDb(driver, `${import.meta.filename}-${driver}`);
    await t.store.users.create({ code: "7001", name: "Ana Souza", department: "Secretaria de Saúde" }, admin, at(0));
    await t.store.users.create({ code: "7002", name: "Caio Reis", department: "Gabinete" }, admin, at(0));
    // Seed catalogue: 202 Computador → Não liga, 301 Impressoras → first option.
    await open("7001", 202, 1);
    await open("7002", 202, 2);
    await open("7001", 301, 3);
  });
  afterAll(async () => t?.cleanup());

  it("a new ticket has medium priority and nobody assigned, and says which call opened it", () => {
    expect(opened[0]).toMatchObject({ priority: "medium", assignee: null });
    expect(opened[0]!.callId).toMatch(/^work\./);
  });

  it("filters the queue by service, department and age, and sorts by age or priority", async () => {
    const list = (f: Partial<Parameters<typeof t.store.tickets.list>[0]>) =>
      t.store.tickets.list({ limit: 50, offset: 0, ...f }).then((r) => r.tickets.map((x) => x.protocol));
    const [a, b, c] = opened.map((x) => x.protocol);
    expect(await list({ serviceIds: [202] })).toEqual([b, a]);
    expect(await list({ serviceIds: [] })).toEqual([]);
    expect(await list({ department: "Gabinete" })).toEqual([b]);
    expect(await list({ createdBefore: at(2) })).toEqual([a]);
    expect(await list({ sort: "oldest" })).toEqual([a, b, c]);
    await t.store.tickets.work!(c!, { priority: "critical" }, bruno, at(4));
    await t.store.tickets.work!(a!, { priority: "low" }, bruno, at(4));
    expect(await list({ sort: "priority" })).toEqual([c, b, a]);
  });

  it("takes a ticket, moves it with a note, and keeps each step in the history and the audit", async () => {
    const p = opened[1]!.protocol;
    const taken = await t.store.tickets.work!(p, { assignee: { username: "bruno", name: "Bruno Lima" }, status: "in_progress", note: "vou até a sala" }, bruno, at(5));
    expect(taken.ticket).toMatchObject({ status: "in_progress", assignee: { username: "bruno", name: "Bruno Lima" } });
    expect(taken.history.at(-1)).toMatchObject({ from: "open", to: "in_progress", note: "vou até a sala", assignee: { name: "Bruno Lima" }, actor: "bruno" });
    const noted = await t.store.tickets.work!(p, { note: "peça encomendada" }, bruno, at(6));
    expect(noted.ticket.assignee).toEqual({ username: "bruno", name: "Bruno Lima" });
    expect(noted.history.at(-1)).toEqual(expect.objectContaining({ from: "in_progress", to: "in_progress", note: "peça encomendada" }));
    expect(noted.history.at(-1)).not.toHaveProperty("assignee");
    const back = await t.store.tickets.work!(p, { assignee: null }, bruno, at(7));
    expect(back.ticket.assignee).toBeNull();
    expect(back.history.at(-1)).toMatchObject({ assignee: null });
    expect((await t.store.tickets.list({ assignee: null, limit: 50, offset: 0 })).tickets.map((x) => x.protocol)).toContain(p);
    const audit = await t.store.audit.list({ limit: 50, entity: "ticket", entityId: p });
    expect(audit.filter((r) => r.action === "ticket.work").length).toBe(3);
  });

  it("refuses work that says nothing, an impossible move, and an unknown ticket, naming the field", async () => {
    const p = opened[0]!.protocol;
    await expect(t.store.tickets.work!(p, {}, bruno, at(8))).rejects.toMatchObject({ field: "note" });
    await expect(t.store.tickets.work!(p, { note: "   " }, bruno, at(8))).rejects.toMatchObject({ field: "note" });
    await expect(t.store.tickets.work!(p, { priority: "urgentíssima" as never }, bruno, at(8))).rejects.toMatchObject({ field: "priority" });
    await t.store.tickets.work!(p, { status: "closed", note: "duplicado" }, bruno, at(8));
    await expect(t.store.tickets.work!(p, { status: "open" }, bruno, at(9))).rejects.toMatchObject({ code: "invalid_transition", field: "status" });
    await expect(t.store.tickets.work!(p, { note: "mais uma" }, bruno, at(9))).rejects.toMatchObject({ code: "closed" });
    await expect(t.store.tickets.work!("999999999999", { note: "x" }, bruno, at(9))).rejects.toMatchObject({ code: "not_found" });
  });

  it("counts the queue by status and by priority", async () => {
    const counts = await t.store.tickets.counts!({ statuses: ["open", "in_progress", "waiting"], limit: 1, offset: 0 });
    expect(counts.byStatus).toEqual({ open: 1, in_progress: 1, waiting: 0, resolved: 0, closed: 1 });
    expect(counts.byPriority).toEqual({ critical: 1, high: 0, medium: 1, low: 0 });
  });

  it("counts tickets per service (the wallboard's today) in one grouped read, by the same filters as the list", async () => {
    const count = (f: Parameters<NonNullable<typeof t.store.tickets.countByService>>[0]) =>
      t.store.tickets.countByService!(f).then((rows) => rows.sort((x, y) => x.serviceId - y.serviceId));
    expect(await count({})).toEqual([
      { serviceId: 202, count: 2 },
      { serviceId: 301, count: 1 },
    ]);
    // Opened from minute 2 on: the first ticket (minute 1) is left out.
    expect(await count({ createdSince: at(2) })).toEqual([
      { serviceId: 202, count: 1 },
      { serviceId: 301, count: 1 },
    ]);
    expect(await count({ department: "Gabinete" })).toEqual([{ serviceId: 202, count: 1 }]);
    expect(await count({ createdSince: at(30) })).toEqual([]);
  });
});
