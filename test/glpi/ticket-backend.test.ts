import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/domain/index.js";
import { ConflictError, DomainValidationError, NotFoundError } from "../../src/domain/index.js";
import { GlpiClient, GlpiTicketBackend, type GlpiBackendOptions } from "../../src/glpi/index.js";
import { MAX_SEARCH_VALUES } from "../../src/glpi/list-query.js";
import type { Notifier, TicketOpenedEvent } from "../../src/notify/port.js";
import { GlpiStandin, glpiDate } from "../support/glpi-standin.js";
import { waitFor } from "../support/wait.js";
import { admin, DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

const APP = "app-token-0123456789";
const USER = "user-token-0123456789";
const SERVICE = 202; // Computador > Não liga (seed), filed under ITIL category 12

/** A notifier that remembers what it heard. */
function recorder(): Notifier & { events: TicketOpenedEvent[] } {
  const events: TicketOpenedEvent[] = [];
  return { name: "test", events, ticketOpened: (e) => void events.push(e), close: async () => undefined };
}

describe.each(DRIVERS)("GLPI backend and its outbox on %s", (driver) => {
  let t: TestDb;
  let db: Db;
  let s: GlpiStandin;
  let notices: ReturnType<typeof recorder>;
  const backends: GlpiTicketBackend[] = [];

  function backend(over: Partial<GlpiBackendOptions> = {}): GlpiTicketBackend {
    const client = new GlpiClient({ url: s.url, appToken: APP, auth: { userToken: USER }, timeoutMs: 2000 });
    const b = new GlpiTicketBackend({
      db,
      client,
      siteCode: "1",
      timeZone: "America/Sao_Paulo",
      glpiTimeZone: "UTC",
      entityId: null,
      requestTypeId: 3,
      answerWithinMs: 2000, // GLPI answers in time unless a test makes it slow (a loaded machine needs room)
      requestTimeoutMs: 2000,
      retry: { initialMs: 50, maxMs: 200 },
      uncertainDelayMs: 100,
      pollMs: 50,
      notifier: notices,
      ...over,
    });
    backends.push(b);
    return b;
  }

  const call = (callId: string, userCode = "1001", extra: Record<string, unknown> = {}) => ({
    userCode,
    serviceId: SERVICE,
    description: "O computador não liga desde ontem",
    source: "phone" as const,
    callId,
    call: { callerNumber: "2001", identifiedBy: "caller-id" as const },
    ...extra,
  });

  /** `n` users of one department, each linked to a GLPI user (codes and GLPI ids from `first`), in few statements. */
  async function addDepartment(department: string, n: number, first: number): Promise<string[]> {
    const at = "2026-03-02 12:00:00.000";
    const codes = Array.from({ length: n }, (_, i) => String(first + i));
    for (let i = 0; i < n; i += 500) {
      const chunk = codes.slice(i, i + 500);
      await db.run(
        `INSERT INTO users (code, name, department, active, created_at, updated_at, glpi_id) VALUES ${chunk.map(() => "(?, ?, ?, 1, ?, ?, ?)").join(", ")}`,
        chunk.flatMap((code) => [code, `${department} ${code}`, department, at, at, Number(code)]),
      );
    }
    return codes;
  }

  const pending = async () => Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM glpi_tickets WHERE state = 'pending'"))!.n);

  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
    db = t.store.db;
    const at = "2026-03-02 12:00:00.000";
    const users: Array<[string, string, string | null, number | null]> = [
      ["1001", "Ana Souza", "Saúde", 42],
      ["1002", "Bruno Lima", null, 43],
      ["1003", "Carla Dias", null, null],
    ];
    for (const [code, name, department, glpiId] of users) {
      await db.run("INSERT INTO users (code, name, department, active, created_at, updated_at, glpi_id) VALUES (?, ?, ?, 1, ?, ?, ?)", [code, name, department, at, at, glpiId]);
    }
    await db.run("UPDATE services SET glpi_category_id = 12 WHERE id = ?", [SERVICE]);
  });
  afterAll(async () => t?.cleanup());

  beforeEach(async () => {
    s = await new GlpiStandin({
      firstTicketId: 120,
      users: [
        { id: 7, login: "ura-ivr", userToken: USER },
        { id: 42, login: "ana.souza" },
        { id: 43, login: "bruno.lima" },
      ],
      categories: [
        { id: 11, name: "Computador" },
        { id: 12, name: "Não liga", itilcategories_id: 11 },
      ],
    }).start();
    notices = recorder();
    await db.run("DELETE FROM glpi_attachments");
    await db.run("DELETE FROM glpi_tickets");
  });
  afterEach(async () => {
    for (const b of backends.splice(0)) await b.stop(1000);
    await s.stop();
  });

  it("a call opens a ticket in GLPI with what the call knows; the caller hears GLPI's id", async () => {
    const b = backend();
    const now = new Date("2026-03-02T13:45:00Z");
    const { ticket, created } = await b.open(call("1700000000.1"), admin, now);
    expect(created).toBe(true);
    expect(ticket.pending).toBeUndefined();
    expect(ticket.protocol).toBe("120");
    expect(ticket).toMatchObject({ status: "open", service: { id: SERVICE, path: "Computador > Não liga" }, requester: { code: "1001", name: "Ana Souza" } });
    const g = s.tickets.get(120)!;
    expect(g).toMatchObject({ name: "Computador > Não liga", requesttypes_id: 3, itilcategories_id: 12, requesters: [42], status: 1 });
    for (const fact of ["Ana Souza", "código 1001", "Setor: Saúde", "Ligou de: 2001", "ramal cadastrado", "Serviço: Computador &gt; Não liga", "02/03/2026 10:45", "O computador não liga desde ontem", "ura-001-call-1700000000.1"]) {
      expect(g.content).toContain(fact);
    }
    expect(notices.events).toEqual([
      expect.objectContaining({ key: "glpi:120", protocol: "120", callerNumber: "2001", requester: { code: "1001", name: "Ana Souza", department: "Saúde" }, url: s.url.replace("apirest.php", "front/ticket.form.php?id=120") }),
    ]);
  });

  it("the same call twice gets its one ticket back; another user with that call id is refused", async () => {
    const b = backend();
    const first = await b.open(call("1700000000.2"), admin, new Date());
    const again = await b.open(call("1700000000.2"), admin, new Date());
    expect(again).toEqual({ ticket: expect.objectContaining({ protocol: first.ticket.protocol }), created: false });
    await expect(b.open(call("1700000000.2", "1002"), admin, new Date())).rejects.toBeInstanceOf(ConflictError);
    expect(s.tickets.size).toBe(1);
    expect(notices.events).toHaveLength(1);
  });

  it("an unknown user or a menu instead of an option opens nothing, here or in GLPI", async () => {
    const b = backend();
    await expect(b.open(call("c-unknown", "9999"), admin, new Date())).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.open({ ...call("c-menu"), serviceId: 2 }, admin, new Date())).rejects.toBeInstanceOf(DomainValidationError);
    expect(s.tickets.size).toBe(0);
    expect(await db.all("SELECT * FROM glpi_tickets")).toEqual([]);
  });

  it("GLPI down: the caller hears a waiting number at once, status says 'registered and waiting', and GLPI gets it once when back", async () => {
    const b = backend();
    await s.goDown();
    const { ticket, created } = await b.open(call("1700000000.3"), admin, new Date());
    expect(created).toBe(true);
    expect(ticket.pending).toBe(true);
    expect(ticket.protocol).toMatch(/^0[1-9][0-9]*$/);
    expect(await b.forRequester(ticket.protocol, "1001")).toMatchObject({ protocol: ticket.protocol, pending: true, status: "open" });
    expect(await b.forRequester(ticket.protocol, "1002")).toBeNull();
    expect(notices.events).toEqual([]);

    await s.comeBack();
    await waitFor(async () => (await b.flush()).created > 0 || (await pending()) === 0, "the outbox to deliver");
    expect(s.ticketsWith("ura-001-call-1700000000.3")).toHaveLength(1);
    const glpiId = s.ticketsWith("ura-001-call-1700000000.3")[0]!.id;
    // The number the caller heard now leads to GLPI's ticket, and so does GLPI's id.
    expect(await b.forRequester(ticket.protocol, "1001")).toMatchObject({ protocol: String(glpiId), status: "open" });
    expect((await b.forRequester(ticket.protocol, "1001"))!.pending).toBeUndefined();
    expect(await b.forRequester(String(glpiId), "1001")).toMatchObject({ protocol: String(glpiId) });
    expect(notices.events.map((e) => e.key)).toEqual([`glpi:${glpiId}`]);
  });

  it("slow GLPI: the caller is answered before GLPI is, and GLPI's id is recorded when its answer comes (no search, no second create)", async () => {
    const b = backend({ answerWithinMs: 300 });
    await b.open(call("warm-up"), admin, new Date()); // the session is open
    s.delayMs = 1200;
    const { ticket } = await b.open(call("1700000000.4"), admin, new Date());
    expect(ticket.pending).toBe(true);
    await waitFor(async () => (await pending()) === 0, "the slow answer to be recorded");
    s.delayMs = 0;
    expect(await b.forRequester(ticket.protocol, "1001")).toMatchObject({ protocol: String(s.ticketsWith("ura-001-call-1700000000.4")[0]!.id) });
    expect(s.ticketsWith("ura-001-call-1700000000.4")).toHaveLength(1);
    expect(s.count("POST", "/Ticket")).toBe(2);
    expect(s.count("GET", "/search/Ticket")).toBe(0);
  });

  it.each(["drop", "500"] as const)("GLPI commits and the answer is lost (%s): the outbox finds the ticket by its reference instead of creating it again", async (mode) => {
    const b = backend();
    s.failOnceAfterCommit(mode);
    const { ticket } = await b.open(call(`1700000000.5-${mode}`), admin, new Date());
    expect(ticket.pending).toBe(true);
    expect(s.tickets.size).toBe(1); // GLPI has it already
    await waitFor(async () => {
      await b.flush();
      return (await pending()) === 0;
    }, "the outbox to settle the ticket");
    expect(s.ticketsWith(`ura-001-call-1700000000.5-${mode}`)).toHaveLength(1);
    expect(s.count("POST", "/Ticket")).toBe(1);
    expect(s.count("GET", "/search/Ticket")).toBeGreaterThanOrEqual(1);
    expect(await b.forRequester(ticket.protocol, "1001")).toMatchObject({ protocol: "120" });
    expect(notices.events.map((e) => e.key)).toEqual(["glpi:120"]);
  });

  it("a node that died in the middle of an attempt: the node taking over its lease searches GLPI before creating", async () => {
    const b = backend();
    s.failOnceAfterCommit("drop");
    const { ticket } = await b.open(call("1700000000.15"), admin, new Date());
    expect(s.tickets.size).toBe(1);
    // As a node leaves the row when it dies after sending: its lease set (now run out), no outcome recorded.
    await db.run("UPDATE glpi_tickets SET uncertain = 0, lease_owner = 'dead-node', lease_until = '2000-01-01 00:00:00.000', next_attempt_at = '2000-01-01 00:00:00.000'");
    await waitFor(async () => {
      await b.flush();
      return (await pending()) === 0;
    }, "the outbox to settle the ticket");
    expect(s.ticketsWith("ura-001-call-1700000000.15")).toHaveLength(1);
    expect(s.count("POST", "/Ticket")).toBe(1);
    expect(await b.forRequester(ticket.protocol, "1001")).toMatchObject({ protocol: "120" });
  });

  it("an attempt GLPI certainly refused is simply tried again, without a search", async () => {
    const b = backend();
    await s.goDown();
    const { ticket } = await b.open(call("1700000000.16"), admin, new Date());
    await s.comeBack();
    await waitFor(async () => {
      await b.flush();
      return (await pending()) === 0;
    }, "the outbox to deliver");
    expect(s.count("GET", "/search/Ticket")).toBe(0);
    expect(await b.forRequester(ticket.protocol, "1001")).toMatchObject({ protocol: "120" });
  });

  it("GLPI goes down with three calls in flight, the IVR restarts, GLPI comes back: each ticket exists exactly once", async () => {
    const first = backend({ answerWithinMs: 200 });
    await first.open(call("warm-up-2"), admin, new Date());
    s.delayMs = 3000; // GLPI commits, then sits on its answers
    const opens = await Promise.all(["a", "b", "c"].map((x) => first.open(call(`1700000000.6-${x}`), admin, new Date())));
    expect(opens.every((o) => o.ticket.pending)).toBe(true);
    await waitFor(() => s.tickets.size === 4, "GLPI to commit the three tickets");
    await s.goDown(); // the three answers are lost with the connections
    await first.stop(2000);

    const second = backend(); // a new process on the same database
    await s.comeBack();
    s.delayMs = 0;
    second.start();
    await waitFor(async () => (await pending()) === 0, "the restarted outbox to settle every ticket");
    for (const x of ["a", "b", "c"]) expect(s.ticketsWith(`ura-001-call-1700000000.6-${x}`)).toHaveLength(1);
    expect(s.tickets.size).toBe(4);
    const protocols = await Promise.all(opens.map(async (o) => (await second.forRequester(o.ticket.protocol, "1001"))!.protocol));
    expect(new Set(protocols).size).toBe(3);
    expect(new Set(notices.events.map((e) => e.key)).size).toBe(notices.events.length);
    expect(notices.events).toHaveLength(4);
  });

  it("two IVR nodes flushing the same outbox at once create each waiting ticket once", async () => {
    const a = backend();
    const b2 = backend();
    await s.goDown();
    for (const x of ["a", "b", "c", "d"]) await a.open(call(`1700000000.7-${x}`), admin, new Date());
    await s.comeBack();
    await waitFor(async () => {
      await Promise.all([a.flush(), b2.flush()]);
      return (await pending()) === 0;
    }, "both nodes to settle the outbox");
    for (const x of ["a", "b", "c", "d"]) expect(s.ticketsWith(`ura-001-call-1700000000.7-${x}`)).toHaveLength(1);
    expect(notices.events).toHaveLength(4);
  });

  it("a session that expires between two calls costs the second call nothing", async () => {
    const b = backend();
    const one = await b.open(call("1700000000.8-a"), admin, new Date());
    s.expireSessions();
    const two = await b.open(call("1700000000.8-b"), admin, new Date());
    expect([one.ticket.pending, two.ticket.pending]).toEqual([undefined, undefined]);
    expect(s.count("GET", "/initSession")).toBe(2);
    expect(s.tickets.size).toBe(2);
  });

  it("status by phone reads GLPI's status and last update, for the caller's own tickets only", async () => {
    const b = backend();
    const { ticket } = await b.open(call("1700000000.9"), admin, new Date());
    const g = s.tickets.get(Number(ticket.protocol))!;
    g.status = 4;
    g.date_mod = "2026-03-03 17:30:00";
    expect(await b.forRequester(ticket.protocol, "1001")).toMatchObject({ status: "waiting", updatedAtLocal: "2026-03-03T14:30:00-03:00" });
    for (const [glpi, ours] of [[2, "in_progress"], [3, "in_progress"], [5, "resolved"], [6, "closed"], [1, "open"]] as const) {
      g.status = glpi;
      expect((await b.forRequester(ticket.protocol, "1001"))!.status).toBe(ours);
    }
    expect(await b.forRequester(ticket.protocol, "1002")).toBeNull();
    // A ticket opened in GLPI itself, where Ana is the requester.
    s.tickets.set(500, { ...g, id: 500, name: "Pelo portal", content: "<p>aberto no GLPI</p>", requesters: [42], status: 2 });
    expect(await b.forRequester("500", "1001")).toMatchObject({ protocol: "500", status: "in_progress" });
    expect(await b.forRequester("500", "1002")).toBeNull();
    expect(await b.forRequester("500", "1003")).toBeNull(); // not linked to a GLPI user
    expect(await b.forRequester("9999", "1001")).toBeNull();
    expect(await b.forRequester("0", "1001")).toBeNull();
    expect(await b.forRequester("12a", "1001")).toBeNull();
  });

  it("changes a status in GLPI with the note as a follow-up; a move the lifecycle forbids, or a waiting ticket, is refused", async () => {
    const b = backend();
    const { ticket } = await b.open(call("1700000000.10"), admin, new Date());
    const changed = await b.changeStatus(ticket.protocol, { status: "in_progress", note: "Técnico a caminho" }, admin, new Date());
    expect(s.tickets.get(Number(ticket.protocol))!.status).toBe(2);
    expect(s.followups.map((f) => f.content)).toEqual([expect.stringContaining("Técnico a caminho")]);
    expect(changed.ticket.status).toBe("in_progress");
    expect(changed.history.map((h) => h.note)).toContainEqual(expect.stringContaining("Técnico a caminho"));
    await b.changeStatus(ticket.protocol, { status: "closed" }, admin, new Date());
    await expect(b.changeStatus(ticket.protocol, { status: "open" }, admin, new Date())).rejects.toMatchObject({ code: "invalid_transition" });
    await s.goDown();
    const waiting = await b.open(call("1700000000.11"), admin, new Date());
    await expect(b.changeStatus(waiting.ticket.protocol, { status: "closed" }, admin, new Date())).rejects.toMatchObject({ code: "not_in_glpi_yet" });
    const audit = await db.all<{ action: string }>("SELECT action FROM audit_log WHERE action IN ('ticket.open', 'ticket.status') AND details LIKE '%glpi%'");
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["ticket.open", "ticket.status"]));
  });

  it("attaches a recording as a GLPI Document; for a waiting ticket, once the ticket exists", async () => {
    const b = backend();
    const wav = new Uint8Array(4000).map((_, i) => i % 251);
    const { ticket } = await b.open(call("1700000000.12"), admin, new Date());
    const att = await b.attach(ticket.protocol, { name: "descricao.wav", contentType: "audio/wav", data: wav }, admin, new Date());
    expect(att).toMatchObject({ name: "descricao.wav", contentType: "audio/wav", size: 4000 });
    expect(s.documents).toHaveLength(1);
    expect(s.documents[0]!.tickets).toEqual([Number(ticket.protocol)]);
    expect([...s.documents[0]!.data]).toEqual([...wav]);

    await s.goDown();
    const waiting = await b.open(call("1700000000.13"), admin, new Date());
    await b.attach(waiting.ticket.protocol, { name: "voz.wav", contentType: "audio/wav", data: wav }, admin, new Date());
    await s.comeBack();
    await waitFor(async () => {
      await b.flush();
      return s.documents.length === 2;
    }, "the waiting recording to reach GLPI");
    const glpiId = s.ticketsWith("ura-001-call-1700000000.13")[0]!.id;
    expect(s.documents[1]).toMatchObject({ filename: "voz.wav", tickets: [glpiId] });
    await b.flush();
    expect(s.documents).toHaveLength(2);
  });

  it("lists waiting tickets first, then GLPI's, and reads one with its follow-ups", async () => {
    const b = backend();
    const a = await b.open(call("1700000000.14-a"), admin, new Date());
    await b.open(call("1700000000.14-b", "1002"), admin, new Date());
    await s.goDown();
    const w = await b.open(call("1700000000.14-c"), admin, new Date());
    await s.comeBack();
    // Keep the waiting one waiting: its next attempt is not due before the list is read.
    await db.run("UPDATE glpi_tickets SET next_attempt_at = '2099-01-01 00:00:00.000' WHERE state = 'pending'");
    const all = await b.list({ limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.tickets.map((x) => x.protocol)).toEqual([w.ticket.protocol, "121", "120"]);
    const anas = await b.list({ userCode: "1001", limit: 10, offset: 0 });
    expect(anas.tickets.map((x) => x.protocol)).toEqual([w.ticket.protocol, "120"]);
    expect(anas.tickets[1]!.requester).toEqual({ code: "1001", name: "Ana Souza" });
    expect((await b.list({ status: "waiting", limit: 10, offset: 0 })).total).toBe(0);
    expect((await b.list({ limit: 1, offset: 1 })).tickets.map((x) => x.protocol)).toEqual(["121"]);

    await b.changeStatus(a.ticket.protocol, { status: "waiting", note: "Aguardando peça" }, admin, new Date());
    const read = await b.get(a.ticket.protocol);
    expect(read!.ticket.status).toBe("waiting");
    expect(read!.history[0]).toMatchObject({ from: null, to: "open" });
    expect(read!.history.at(-1)!.note).toContain("Aguardando peça");
    expect(await b.get(w.ticket.protocol)).toMatchObject({ ticket: { pending: true }, history: [{ to: "open" }] });
    expect(await b.get("777")).toBeNull();
  });

  it("shows the priority GLPI's technicians gave each ticket, and lists the most urgent first", async () => {
    const b = backend();
    const ids: string[] = [];
    for (const c of ["a", "b", "c", "d"]) ids.push((await b.open(call(`1700000000.17-${c}`), admin, new Date())).ticket.protocol);
    const [first, second, third, fourth] = ids.map(Number) as [number, number, number, number];
    // Opened by phone with GLPI's defaults (urgency and impact 3: priority 3, Medium); then, in GLPI:
    s.technicianSets(first, { urgency: 5, impact: 5 }); // the matrix's highest: Very high (5)
    s.technicianSets(second, { urgency: 1, impact: 1 }); // Very low (1)
    s.technicianSets(fourth, { priority: 6 }); // Major, set by hand
    const list = await b.list({ sort: "priority", limit: 10, offset: 0 });
    expect(list.tickets.map((t) => [t.protocol, t.priority])).toEqual([
      [String(fourth), "critical"],
      [String(first), "critical"],
      [String(third), "medium"],
      [String(second), "low"],
    ]);
    expect((await b.get(String(first)))!.ticket.priority).toBe("critical");
    expect((await b.forRequester(String(second), "1001"))!.priority).toBe("low");
    s.technicianSets(third, { urgency: 4 }); // 4 × 3: High
    expect((await b.list({ limit: 10, offset: 0 })).tickets.find((t) => t.protocol === String(third))!.priority).toBe("high");
  });

  it("lists only the tickets opened since an instant: waiting ones by when the call opened them, GLPI's by GLPI's date", async () => {
    const b = backend();
    const now = new Date();
    const since = new Date(now.getTime() - 3_600_000);
    const yesterday = new Date(now.getTime() - 86_400_000);
    const early = await b.open(call("1700000000.15-a"), admin, yesterday);
    const late = await b.open(call("1700000000.15-b"), admin, now);
    // GLPI's opening date is the call's, not the moment GLPI got it.
    expect(s.tickets.get(Number(early.ticket.protocol))!.date).toBe(glpiDate(yesterday));
    await s.goDown();
    await b.open(call("1700000000.15-c"), admin, yesterday);
    const waiting = await b.open(call("1700000000.15-d"), admin, now);
    await s.comeBack();
    await db.run("UPDATE glpi_tickets SET next_attempt_at = '2099-01-01 00:00:00.000' WHERE state = 'pending'");
    const today = await b.list({ createdSince: since, limit: 10, offset: 0 });
    expect(today.tickets.map((t) => t.protocol)).toEqual([waiting.ticket.protocol, late.ticket.protocol]);
    expect(today.total).toBe(2);
    expect((await b.list({ limit: 10, offset: 0 })).total).toBe(4);
    const before = await b.list({ createdBefore: since, limit: 10, offset: 0 });
    expect(before.total).toBe(2);
    expect(before.tickets.map((t) => t.protocol)).toContain(early.ticket.protocol);
  });
  it("lists equal priorities oldest first, as the builtin does, so the pages of 'most urgent first' do not shift", async () => {
    const b = backend();
    const ids: string[] = [];
    for (const c of ["a", "b", "c", "d"]) ids.push((await b.open(call(`1700000000.19-${c}`), admin, new Date())).ticket.protocol);
    s.technicianSets(Number(ids[3]), { urgency: 5, impact: 5 });
    // The first answer tells the client that this GLPI (10 or later) sorts on several columns.
    await b.list({ sort: "priority", limit: 1, offset: 0 });
    const pages = [await b.list({ sort: "priority", limit: 2, offset: 0 }), await b.list({ sort: "priority", limit: 2, offset: 2 })];
    expect(pages.flatMap((p) => p.tickets.map((t) => t.protocol))).toEqual([ids[3], ids[0], ids[1], ids[2]]);
  });

  it("lists a department of 120 GLPI users: its tickets, newest first, paged, with the right total", async () => {
    const b = backend();
    // 120 requesters make a query string of ~26 KB, three times what a web server takes in a GET line.
    const codes = await addDepartment("Educação", 120, 6000);
    const opened: string[] = [];
    for (const [i, code] of [codes[0]!, codes[57]!, codes[119]!].entries()) {
      opened.push((await b.open(call(`1700000000.18-${i}`, code), admin, new Date())).ticket.protocol);
    }
    await b.open(call("1700000000.18-x", "1001"), admin, new Date()); // Saúde's
    const all = await b.list({ department: "Educação", limit: 10, offset: 0 });
    expect(all).toMatchObject({ total: 3 });
    // Too long for a GET line (the stand-in refuses it as Apache does): GLPI was asked with a POST body.
    expect(s.count("POST", "/search/Ticket")).toBeGreaterThan(0);
    expect(all.tickets.map((t) => t.protocol)).toEqual([...opened].reverse());
    expect(all.tickets.map((t) => t.requester.code)).toEqual([codes[119], codes[57], codes[0]]);
    const second = await b.list({ department: "Educação", sort: "oldest", limit: 2, offset: 1 });
    expect(second.total).toBe(3);
    expect(second.tickets.map((t) => t.protocol)).toEqual([opened[1], opened[2]]);
    await db.run("DELETE FROM users WHERE department = 'Educação'");
  });

  it("refuses a filter GLPI cannot run, naming the field, and answers a page past the end with the total", async () => {
    const b = backend();
    await b.open(call("1700000000.16-a"), admin, new Date());
    const page = { limit: 5, offset: 0 };
    // 201 (Computador > Formatação) files tickets under no GLPI category: GLPI cannot tell them apart.
    await expect(b.list({ serviceIds: [201], ...page })).rejects.toMatchObject({ field: "serviceIds", message: expect.stringContaining("201") });
    await expect(b.list({ assignee: "tecnico", ...page })).rejects.toBeInstanceOf(DomainValidationError);
    // A department of more linked users than one search may carry: refused, not cut short.
    await addDepartment("Obras", MAX_SEARCH_VALUES + 1, 50_000);
    await expect(b.list({ department: "Obras", ...page })).rejects.toMatchObject({ field: "department" });
    await db.run("DELETE FROM users WHERE department = 'Obras'");
    // Oldest first asks GLPI first: a page past its end is GLPI's ERROR_RANGE_EXCEED_TOTAL, and the list still says how many.
    const all = await b.list({ sort: "oldest", ...page });
    expect(all.total).toBeGreaterThan(0);
    expect(await b.list({ sort: "oldest", limit: 5, offset: all.total + 10 })).toEqual({ tickets: [], total: all.total });
  });
});
