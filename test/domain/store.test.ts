import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSettings } from "../../src/config/index.js";
import { CATALOGUE_KEPT_MS } from "../../src/domain/kept-read.js";
import { BuiltinTicketBackend, loadMigrations, migrate, openStore } from "../../src/domain/index.js";
import { admin, DRIVERS, dumpAll, openTestDb, type TestDb } from "../support/databases.js";

// São Paulo is UTC-3 all year (no DST since 2019): 2025-06-02 is a Monday.
const at = (local: string) => new Date(`${local}-03:00`);

describe.each(DRIVERS)("store on %s", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
    const now = at("2025-06-02T09:00:00");
    await t.store.users.create({ code: "1001", name: "Ana Souza", phone: "(45) 99911-1111", extensions: ["2001"], department: "Saúde" }, admin, now);
    await t.store.users.create({ code: "1002", name: "Bruno Lima", phone: "+55 45 99922-2222", extensions: ["2002", "2100"] }, admin, now);
    await t.store.users.create({ code: "1003", name: "Carla Dias", phone: "045 99933-3333", extensions: ["2100"] }, admin, now);
  });
  afterAll(async () => t?.cleanup());

  it("applies every migration once and records it", async () => {
    const versions = await t.store.db.all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
    const all = loadMigrations(driver).map((m) => m.version);
    expect(versions.map((v) => Number(v.version))).toEqual(all);
    const again = await migrate(t.store.db);
    expect(again.applied).toEqual([]);
    expect(again.current).toBe(all.at(-1));
  });

  it("seeds the thesis's Table 1 as the catalogue: keys 1..6, sub-options 1..n", async () => {
    const tree = await t.store.catalogue.tree();
    expect(tree.map((n) => `${n.key}:${n.label}`)).toEqual([
      "1:Sistemas",
      "2:Computador",
      "3:Impressoras",
      "4:Acessos",
      "5:Projetor",
      "6:Ramal",
    ]);
    expect(tree.map((n) => n.children.length)).toEqual([2, 6, 3, 4, 1, 1]);
    for (const node of tree) expect(node.children.map((c) => c.key)).toEqual(node.children.map((_, i) => String(i + 1)));
    expect(tree[1]!.children.map((c) => c.label)).toContain("Não liga");
    expect(tree[3]!.children.map((c) => c.label)).toEqual(["Privilégio IPM", "Wi-Fi", "Sites", "Pastas do servidor"]);
    expect(tree[0]!.prompt).toBe("Sistemas, 1.");
  });

  it("stores the mobile normalised to E.164 and recognises callers by extension", async () => {
    const ana = await t.store.users.byCode("1001");
    expect(ana).toMatchObject({ name: "Ana Souza", phone: "+5545999111111", department: "Saúde", extensions: ["2001"], active: true });
    expect((await t.store.users.byCode("1003"))?.phone).toBe("+5545999333333");
    const unique = await t.store.users.byCaller("2001");
    expect(unique.match).toBe("unique");
    expect(unique.match === "unique" && unique.user.code).toBe("1001");
    expect((await t.store.users.byCaller("2100")).match).toBe("shared");
    expect((await t.store.users.byCaller("9999")).match).toBe("none");
  });

  it("opens tickets with digit-only protocols and returns the same ticket for the same call", async () => {
    const now = at("2025-06-02T10:00:00");
    const first = await t.store.tickets.open({ userCode: "1001", serviceId: 202, source: "phone", callId: "1717333200.11" }, admin, now);
    expect(first.created).toBe(true);
    expect(first.ticket.protocol).toMatch(/^1\d{4}$/);
    expect(first.ticket.service).toEqual({ id: 202, label: "Não liga", path: "Computador > Não liga" });
    expect(first.ticket.updatedAtLocal).toBe("2025-06-02T10:00:00-03:00");
    const again = await t.store.tickets.open({ userCode: "1001", serviceId: 202, source: "phone", callId: "1717333200.11" }, admin, now);
    expect(again).toEqual({ ticket: first.ticket, created: false });
    await expect(t.store.tickets.open({ userCode: "1001", serviceId: 2, source: "api" }, admin, now)).rejects.toMatchObject({
      field: "serviceId",
    });
  });

  it("the services read for calls are kept, but an admin's change counts from the next ticket and the next menu", async () => {
    const now = at("2025-06-02T10:30:00");
    // A call reads the menus, then opens a ticket: both from the services kept in memory.
    expect((await t.store.catalogue.forCallers({ recent: true }))[4]!.children.map((c) => c.label)).toEqual(["Reserva"]);
    const before = await t.store.tickets.open({ userCode: "1001", serviceId: 501, source: "phone" }, admin, now);
    expect(before.ticket.service).toEqual({ id: 501, label: "Reserva", path: "Projetor > Reserva" });
    await t.store.catalogue.update(501, { label: "Reserva de sala" }, admin, now);
    expect((await t.store.catalogue.forCallers({ recent: true }))[4]!.children.map((c) => c.label)).toEqual(["Reserva de sala"]);
    expect((await t.store.tickets.open({ userCode: "1001", serviceId: 501, source: "phone" }, admin, now)).ticket.service.path).toBe("Projetor > Reserva de sala");
    // An option given options of its own becomes a menu: no ticket for it any more.
    const child = await t.store.catalogue.create({ parentId: 501, key: "1", label: "Sem imagem" }, admin, now);
    await expect(t.store.tickets.open({ userCode: "1001", serviceId: 501, source: "phone" }, admin, now)).rejects.toMatchObject({ field: "serviceId" });
    // Deactivated: callers no longer hear it, and a ticket for it is refused.
    await t.store.catalogue.update(child.id, { active: false }, admin, now);
    await t.store.catalogue.update(501, { active: false, label: "Reserva" }, admin, now);
    expect((await t.store.catalogue.forCallers({ recent: true }))[4]!.children).toEqual([]);
    await expect(t.store.tickets.open({ userCode: "1001", serviceId: 501, source: "phone" }, admin, now)).rejects.toMatchObject({ code: "unknown_service" });
    await t.store.catalogue.update(501, { active: true }, admin, now);
    await t.store.catalogue.remove(child.id, admin, now);
  });

  it("a ticket opened while another call reads the menus is opened, and the menus are read (the database does not stall)", async () => {
    const now = at("2025-06-02T10:40:00");
    // A change clears the services kept for calls: the next call's menus read them afresh.
    await t.store.catalogue.update(501, { label: "Reserva" }, admin, now);
    // One caller's key opens a ticket as another caller's menus are asked for.
    const opened = t.store.tickets.open({ userCode: "1001", serviceId: 501, source: "phone" }, admin, now);
    const menus = t.store.catalogue.forCallers({ recent: true });
    const stalled = new Promise<"stalled">((resolve) => setTimeout(() => resolve("stalled"), 10_000).unref());
    const outcome = await Promise.race([Promise.all([opened, menus]), stalled]);
    expect(outcome).not.toBe("stalled");
    const [ticket, tree] = outcome as [Awaited<typeof opened>, Awaited<typeof menus>];
    expect(ticket.ticket.service.path).toBe("Projetor > Reserva");
    expect(tree[4]!.children.map((c) => c.label)).toEqual(["Reserva"]);
  }, 20_000);

  it.runIf(driver === "sqlite")("a menu change whose commit failed is not heard, even when a ticket of the same commit read it", async () => {
    const now = at("2025-06-02T10:50:00");
    await t.store.catalogue.update(501, { label: "Reserva" }, admin, now);
    // A write whose constraint is checked at COMMIT, as a full disk fails a COMMIT: the whole group is undone.
    await t.store.db.execScript(`CREATE TABLE IF NOT EXISTS probe_parent (id INTEGER PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS probe_child (parent_id INTEGER NOT NULL REFERENCES probe_parent (id) DEFERRABLE INITIALLY DEFERRED)`);
    // In one turn: an admin renames the option, a caller's ticket for it, and the failing write.
    const renamed = t.store.catalogue.update(501, { label: "Reserva de sala" }, admin, now);
    const opened = t.store.tickets.open({ userCode: "1001", serviceId: 501, source: "phone" }, admin, now);
    const failing = t.store.db.run("INSERT INTO probe_child (parent_id) VALUES (99)");
    for (const write of [renamed, opened, failing]) await expect(write).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_FOREIGNKEY" });
    expect((await t.store.catalogue.tree())[4]!.children.map((c) => c.label)).toEqual(["Reserva"]);
    expect((await t.store.catalogue.forCallers({ recent: true }))[4]!.children.map((c) => c.label)).toEqual(["Reserva"]);
    await t.store.db.execScript("DROP TABLE probe_child; DROP TABLE probe_parent");
  });

  it("a menu change made through another process reaches this one's calls and ticket checks within CATALOGUE_KEPT_MS (docs/topology.md)", async () => {
    const now = at("2025-06-02T10:55:00");
    // Another process on the same database: a second API node, `ura catalogue sync-glpi`.
    const other = await openStore(t.settings, { migrate: false });
    try {
      expect((await t.store.catalogue.forCallers({ recent: true }))[4]!.children.map((c) => c.label)).toEqual(["Reserva"]);
      await other.catalogue.update(501, { label: "Reserva do auditório" }, admin, now);
      await new Promise((resolve) => setTimeout(resolve, CATALOGUE_KEPT_MS + 100));
      expect((await t.store.catalogue.forCallers({ recent: true }))[4]!.children.map((c) => c.label)).toEqual(["Reserva do auditório"]);
      expect((await t.store.tickets.open({ userCode: "1001", serviceId: 501, source: "phone" }, admin, now)).ticket.service.path).toBe("Projetor > Reserva do auditório");
    } finally {
      await t.store.catalogue.update(501, { label: "Reserva" }, admin, now);
      await other.close();
    }
  }, 20_000);

  it("the announcements read for calls are kept, but each caller hears them as at the call's instant, and an admin's change from the next call", async () => {
    const now = at("2025-06-02T10:57:00");
    const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
    const heard = async (instant: Date) => {
      const { playing, scheduled } = await t.store.announcements.forCallers(instant, { recent: true });
      return { playing: playing.map((a) => a.text), scheduled: scheduled.map((a) => a.text) };
    };
    const outage = await t.store.announcements.create({ text: "A rede está fora do ar.", endsAt: minutes(2).toISOString() }, admin, now);
    await t.store.announcements.create({ text: "Manutenção às 11h.", startsAt: minutes(3).toISOString() }, admin, now);
    expect(await heard(minutes(3))).toEqual({ playing: ["Manutenção às 11h."], scheduled: [] });
    // A clock that went back reads again: the kept read left out what had ended by its instant.
    expect(await heard(minutes(1))).toEqual({ playing: ["A rede está fora do ar."], scheduled: ["Manutenção às 11h."] });
    // Later callers, from the read kept: what ended is no longer heard, what started is.
    expect(await heard(minutes(2))).toEqual({ playing: [], scheduled: ["Manutenção às 11h."] });
    expect(await heard(minutes(3))).toEqual({ playing: ["Manutenção às 11h."], scheduled: [] });
    // An admin's change: the next caller hears it.
    await t.store.announcements.update(outage.id, { endsAt: null }, admin, minutes(1));
    expect(await heard(minutes(3))).toEqual({ playing: ["A rede está fora do ar.", "Manutenção às 11h."], scheduled: [] });
    const added = await t.store.announcements.create({ text: "O e-mail voltou." }, admin, minutes(3));
    expect((await heard(minutes(3))).playing).toContain("O e-mail voltou.");
    for (const a of await t.store.announcements.list(minutes(3))) await t.store.announcements.remove(a.id, admin, minutes(3));
    expect(await heard(minutes(3))).toEqual({ playing: [], scheduled: [] });
    expect(added.state).toBe("playing");
  });

  it("moves a ticket through its lifecycle with a history, and refuses impossible moves", async () => {
    const now = at("2025-06-02T11:00:00");
    const { ticket } = await t.store.tickets.open({ userCode: "1002", serviceId: 301, source: "web" }, admin, now);
    await t.store.tickets.changeStatus(ticket.protocol, { status: "in_progress", note: "a caminho" }, admin, now);
    await t.store.tickets.changeStatus(ticket.protocol, { status: "resolved" }, admin, new Date(now.getTime() + 60_000));
    const closed = await t.store.tickets.changeStatus(ticket.protocol, { status: "closed" }, admin, new Date(now.getTime() + 120_000));
    expect(closed.ticket.status).toBe("closed");
    expect(closed.history.map((h) => `${h.from}->${h.to}`)).toEqual(["null->open", "open->in_progress", "in_progress->resolved", "resolved->closed"]);
    expect(closed.history[1]).toMatchObject({ note: "a caminho", actor: "test-admin" });
    await expect(t.store.tickets.changeStatus(ticket.protocol, { status: "open" }, admin, now)).rejects.toMatchObject({ code: "invalid_transition" });
  });

  it("shows a ticket only to its requester, and someone else's exactly like an unknown one", async () => {
    const { ticket } = await t.store.tickets.open({ userCode: "1001", serviceId: 101, source: "api" }, admin, at("2025-06-02T12:00:00"));
    expect((await t.store.tickets.forRequester(ticket.protocol, "1001"))?.protocol).toBe(ticket.protocol);
    expect(await t.store.tickets.forRequester(ticket.protocol, "1002")).toBeNull();
    expect(await t.store.tickets.forRequester("999999999999", "1002")).toBeNull();
  });

  it("stores SQL metacharacters as plain text", async () => {
    const evil = `Robert'); DROP TABLE users;-- "x" \\ % _ \``;
    const user = await t.store.users.create({ code: "1666", name: evil, department: evil }, admin, at("2025-06-02T12:00:00"));
    expect(user.name).toBe(evil);
    const { ticket } = await t.store.tickets.open({ userCode: "1666", serviceId: 102, description: evil }, admin, at("2025-06-02T12:00:00"));
    expect(ticket.description).toBe(evil);
    expect((await t.store.users.list({ limit: 10, offset: 0, search: "'); DROP" })).users.map((u) => u.code)).toEqual(["1666"]);
    expect((await t.store.users.list({ limit: 10, offset: 0, search: "%" })).users.map((u) => u.code)).toEqual(["1666"]);
    expect((await t.store.users.byCode("1001"))?.name).toBe("Ana Souza");
  });

  it("searches console accounts with % and _ as plain characters, as it searches users", async () => {
    const when = at("2025-06-02T12:00:00");
    await t.store.accounts.create({ username: "ana_s", name: "Ana 100% Souza", role: "admin", password: "senha-da-ana-123456" }, admin, when);
    await t.store.accounts.create({ username: "anaxs", name: "Ana Xavier", role: "technician", password: "senha-da-xavier-1234" }, admin, when);
    expect((await t.store.accounts.list({ search: "ana_" })).map((a) => a.username)).toEqual(["ana_s"]);
    expect((await t.store.accounts.list({ search: "%" })).map((a) => a.username)).toEqual(["ana_s"]);
    expect((await t.store.accounts.list({ search: "ana" })).map((a) => a.username).sort()).toEqual(["ana_s", "anaxs"]);
  });

  it("records a call once per call id (a second report updates it)", async () => {
    const input = {
      callId: "1717333999.7",
      callerNumber: "2001",
      userCode: "1001",
      outcome: "abandoned" as const,
      step: "otp",
      ticketProtocol: null,
      startedAt: "2025-06-02T13:00:00.000Z",
      durationMs: 42_000,
    };
    expect(await t.store.calls.record(input, admin, at("2025-06-02T10:01:00"))).toEqual({ created: true });
    expect(await t.store.calls.record({ ...input, outcome: "ticket", step: null, ticketProtocol: "202500100001" }, admin, at("2025-06-02T10:01:00"))).toEqual({
      created: false,
    });
    expect(await t.store.calls.get(input.callId)).toMatchObject({ outcome: "ticket", userCode: "1001", ticketProtocol: "202500100001", durationMs: 42_000 });
  });

  it("writes an audit row for every write, without phone numbers in clear", async () => {
    const rows = await t.store.audit.list({ limit: 500 });
    const actions = new Set(rows.map((r) => r.action));
    for (const a of ["user.create", "ticket.open", "ticket.status", "call.record", "call.update"]) expect(actions).toContain(a);
    expect(rows.every((r) => r.client === "test-admin" && r.address === "127.0.0.1")).toBe(true);
    const text = JSON.stringify(rows);
    expect(text).not.toContain("99911-1111");
    expect(text).not.toContain("5545999111111");
    expect(text).toContain("+55*******1111");
  });

  it("purges call records and audit rows past their retention", async () => {
    const later = new Date(at("2025-06-02T13:00:00").getTime() + 400 * 86_400_000);
    const report = await t.store.purge(admin, later);
    expect(report.calls).toBe(1);
    expect(report.audit).toBeGreaterThan(5);
    expect(await t.store.calls.get("1717333999.7")).toBeNull();
    const left = await t.store.audit.list({ limit: 10 });
    expect(left.map((r) => r.action)).toEqual(["purge"]);
    expect(await dumpAll(t.store)).toContain("Ana Souza"); // users and tickets are not personal-data logs: kept
  });
});

describe("the ticket backend in force", () => {
  it("is the one the opener chose: it makes the tickets and is closed with the store", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ura-backend-"));
    let closed = false;
    class OtherSite extends BuiltinTicketBackend {
      async close() {
        closed = true;
      }
    }
    const settings = testSettings({ DB_DRIVER: "sqlite", DATA_DIR: dataDir, OTP_SECRET: "x".repeat(40), SITE_CODE: "1" });
    const store = await openStore(settings, { tickets: ({ db }) => new OtherSite(db, { siteCode: "77", timeZone: settings.URA_TIMEZONE }) });
    try {
      await store.users.create({ code: "1001", name: "Ana Souza" }, admin, at("2025-06-02T09:00:00"));
      const { ticket } = await store.tickets.open({ userCode: "1001", serviceId: 202 }, admin, at("2025-06-02T10:00:00"));
      expect(ticket.protocol).toMatch(/^77\d{4}$/);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(closed).toBe(true);
  });
});
