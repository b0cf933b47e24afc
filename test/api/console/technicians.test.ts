import type { FastifyRequest } from "fastify";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amiQueueEvents, type QueueEventSource } from "../../../src/ami/index.js";
import { consolePlugin, storeWallboardSource, wallboardEvents, type ConsoleAccount, type ConsoleMessage } from "../../../src/api/console/index.js";
import { API_PREFIX } from "../../../src/api/contract.js";
import { agentCalled, agentConnect, queueCallerAbandon, startAmiStandIn, type AmiStandIn } from "../../support/ami-stand-in.js";
import { connectWallboard, type WallboardClient } from "../../support/wallboard-client.js";
import pino from "pino";
import type { FastifyInstance } from "fastify";
import { buildApi } from "../../../src/api/index.js";
import type { Store, TicketFilter } from "../../../src/domain/index.js";
import { openTestDb, type TestDb } from "../../support/databases.js";
import { TOKENS } from "../helper.js";

const P = API_PREFIX;

/** The next dashboard_update whose `calls` or `ticketsToday` satisfy `match` (pushes follow each change). */
async function dashboardWhere(tv: WallboardClient, match: (m: { calls: Record<string, unknown>; ticketsToday: { total: number; byService: Array<{ service: string; count: number }> } }) => boolean) {
  for (;;) {
    const m = (await tv.next("dashboard_update", 5000)) as unknown as Parameters<typeof match>[0];
    if (match(m)) return m;
  }
}
/** Two technicians at their desks (extensions 101 and 102); the session cookie stands in for console-auth's. */
const ACCOUNTS: Record<string, ConsoleAccount> = {
  bruno: { username: "bruno", name: "Bruno Lima", extension: "101" },
  carla: { username: "carla", name: "Carla Dias", extension: "102" },
};
const accountOf = (request: FastifyRequest) => ACCOUNTS[/ura_sessao=(\w+)/.exec(request.headers.cookie ?? "")?.[1] ?? ""] ?? null;
const cookie = (who: string) => ({ cookie: `ura_sessao=${who}` });

/** A technician's console socket, keeping every message. */
async function desk(base: string, who: string) {
  const socket = new WebSocket(`${base.replace("http", "ws")}/ws/console/`, { headers: cookie(who) });
  const received: ConsoleMessage[] = [];
  const waiters = new Set<() => void>();
  socket.on("message", (data) => {
    received.push(JSON.parse(data.toString()) as ConsoleMessage);
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("unexpected-response", (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    socket.once("error", reject);
  });
  return {
    received,
    /** The first message matching, waiting up to `ms`. */
    waitFor<T extends ConsoleMessage["type"]>(type: T, match: (m: Extract<ConsoleMessage, { type: T }>) => boolean = () => true, ms = 5000) {
      return new Promise<Extract<ConsoleMessage, { type: T }>>((resolve, reject) => {
        const check = () => {
          const found = received.find((m) => m.type === type && match(m as Extract<ConsoleMessage, { type: T }>));
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found as Extract<ConsoleMessage, { type: T }>);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${type} within ${ms} ms; got ${received.map((m) => m.type).join(", ")}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => socket.close(),
  };
}

interface Server {
  db: TestDb;
  /** The filters of every ticket list the wallboard's store source asked for. */
  wallboardLists: TicketFilter[];
  /** The filters of every grouped count by service it asked for. */
  wallboardServiceCounts: Array<Parameters<NonNullable<Store["tickets"]["countByService"]>>[0]>;
  app: FastifyInstance;
  base: string;
  /** As the IVR (token ivr) or an admin would call the API. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field in the assertions
  call(method: "GET" | "POST", path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** The API with the console mounted on its store, listening on a free port (real sockets). */
async function serve(name: string, queueEvents: QueueEventSource | null): Promise<Server> {
  const db = await openTestDb("sqlite", `${import.meta.filename}-${name}`, { API_TOKENS: `ivr:ivr:${TOKENS.ivr},ops:admin:${TOKENS.admin}`, API_ALLOWED_CLIENTS: "127.0.0.1,::1" });
  const store = db.store;
  const clock = () => new Date();
  const wallboardLists: TicketFilter[] = [];
  const wallboardServiceCounts: Server["wallboardServiceCounts"] = [];
  const listing = new Proxy(store.tickets, {
    get: (target, property) =>
      property === "list"
        ? (filter: TicketFilter) => (wallboardLists.push(filter), target.list(filter))
        : property === "countByService"
          ? (filter: Server["wallboardServiceCounts"][number]) => (wallboardServiceCounts.push(filter), target.countByService!(filter))
          : (Reflect.get(target, property) as unknown),
  });
  const app = await buildApi({
    settings: db.settings,
    store,
    sender: { driver: "log", send: async () => ({ id: "m" }) },
    logger: pino({ level: "silent" }),
    plugins: [
      consolePlugin({
        webRoot: null,
        wallboard: {
          source: storeWallboardSource({ ...store, tickets: listing }, clock),
          events: wallboardEvents(store),
          authenticate: (r) => (accountOf(r) ? { name: accountOf(r)!.username, canControl: true } : null),
          snapshotMaxAgeMs: 0,
        },
        technicians: { store, account: accountOf, queueEvents, clock },
      }),
    ],
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    db,
    wallboardLists,
    wallboardServiceCounts,
    app,
    base,
    async call(method, path, body, headers = { authorization: `Bearer ${TOKENS.ivr}` }) {
      const res = await app.inject({ method, url: path, headers, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : null };
    },
    async close() {
      await app.close();
      await db.cleanup();
    },
  };
}

const admin = { client: "test", address: null };

async function people(server: Server) {
  const at = new Date();
  await server.db.store.users.create({ code: "1234", name: "Ana Souza", department: "Secretaria de Saúde", extensions: ["2001"] }, admin, at);
  await server.db.store.users.create({ code: "5678", name: "Caio Reis", department: "Gabinete" }, admin, at);
}

/** What the IVR does for a call that opens a ticket: the ticket, then the call record. */
async function phoneTicket(server: Server, callId: string, userCode = "1234", serviceId = 202) {
  const opened = await server.call("POST", `${P}/tickets`, { userCode, serviceId, callId, source: "phone" });
  expect(opened.status).toBe(201);
  const recorded = await server.call("POST", `${P}/calls`, {
    callId,
    callerNumber: "2001",
    userCode,
    identifiedBy: "caller-id",
    outcome: "ticket",
    step: "protocol",
    ticketProtocol: opened.json.ticket.protocol,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    durationMs: 58_000,
  });
  expect(recorded.status).toBe(201);
  return opened.json.ticket.protocol as string;
}

describe("the technicians' console (no AMI): queue, ticket, work, live updates and cards for every desk", () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve("plain", null);
    await people(server);
  });
  afterAll(async () => server?.close());

  it("refuses the queue and the socket without a signed-in account", async () => {
    expect((await server.call("GET", `${P}/console/queue`, undefined, {})).status).toBe(401);
    await expect(desk(server.base, "mallory")).rejects.toThrow(/401/);
  });

  it("a ticket opened by phone reaches an open console within a second, then shows in the queue with counts", async () => {
    const bruno = await desk(server.base, "bruno");
    await bruno.waitFor("hello");
    const started = Date.now();
    const protocol = await phoneTicket(server, "1733000000.1");
    const live = await bruno.waitFor("ticket_opened", (m) => m.ticket.protocol === protocol, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(live.ticket).toMatchObject({ status: "open", priority: "medium", requester: { name: "Ana Souza", department: "Secretaria de Saúde" } });
    const queue = await server.call("GET", `${P}/console/queue`, undefined, cookie("bruno"));
    expect(queue.status).toBe(200);
    expect(queue.json.tickets.map((t: { protocol: string }) => t.protocol)).toContain(protocol);
    expect(queue.json.counts.byStatus.open).toBeGreaterThanOrEqual(1);
    expect(queue.json.workHere).toBe(true);
    bruno.close();
  });

  it("filters the queue by service (a menu covers its options), department and age, and sorts by priority", async () => {
    const printer = await phoneTicket(server, "1733000000.2", "5678", 301);
    const q = async (query: string) =>
      (await server.call("GET", `${P}/console/queue?${query}`, undefined, cookie("bruno"))).json.tickets.map((t: { protocol: string }) => t.protocol) as string[];
    expect(await q("serviceId=3")).toEqual([printer]);
    expect(await q("department=Gabinete")).toEqual([printer]);
    expect(await q("olderThanMinutes=60")).toEqual([]);
    await server.call("POST", `${P}/console/tickets/${printer}/work`, { priority: "critical" }, cookie("bruno"));
    expect((await q("sort=priority"))[0]).toBe(printer);
    const bad = await server.call("GET", `${P}/console/queue?sort=sideways`, undefined, cookie("bruno"));
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe("sort");
    const options = (await server.call("GET", `${P}/console/queue/options`, undefined, cookie("bruno"))).json;
    expect(options.departments).toEqual(["Gabinete", "Secretaria de Saúde"]);
    expect(options.services).toContainEqual({ id: 202, path: "Computador > Não liga", leaf: true });
  });

  it("shows a ticket with its requester and the call it came from; takes it and moves it with a note, live on other desks", async () => {
    const protocol = await phoneTicket(server, "1733000000.3");
    const carla = await desk(server.base, "carla");
    await carla.waitFor("hello");
    const page = await server.call("GET", `${P}/console/tickets/${protocol}`, undefined, cookie("bruno"));
    expect(page.json).toMatchObject({
      ticket: { protocol, service: { path: "Computador > Não liga" }, callId: "1733000000.3" },
      requester: { code: "1234", name: "Ana Souza", department: "Secretaria de Saúde", extensions: ["2001"] },
      call: { callId: "1733000000.3", callerNumber: "2001", identifiedBy: "caller-id", outcome: "ticket", durationMs: 58_000 },
      workHere: true,
    });
    const worked = await server.call("POST", `${P}/console/tickets/${protocol}/work`, { take: true, status: "in_progress", note: "Vou até a sala 12" }, cookie("bruno"));
    expect(worked.status).toBe(200);
    expect(worked.json.ticket).toMatchObject({ status: "in_progress", assignee: { username: "bruno", name: "Bruno Lima" } });
    expect(worked.json.history.at(-1)).toMatchObject({ from: "open", to: "in_progress", note: "Vou até a sala 12", assignee: { name: "Bruno Lima" } });
    const seen = await carla.waitFor("ticket_changed", (m) => m.ticket.protocol === protocol, 1000);
    expect(seen.ticket.assignee?.name).toBe("Bruno Lima");
    const refused = await server.call("POST", `${P}/console/tickets/${protocol}/work`, { status: "open" }, cookie("bruno"));
    expect(refused).toMatchObject({ status: 409, json: { error: "invalid_transition", field: "status" } });
    expect((await server.call("POST", `${P}/console/tickets/${protocol}/work`, { shout: true }, cookie("bruno"))).json.field).toBe("shout");
    expect((await server.call("GET", `${P}/console/tickets/999999999`, undefined, cookie("bruno"))).status).toBe(404);
    carla.close();
  });

  it("without AMI, every signed-in desk gets the incoming-call card with who, how, what and the last three tickets; its button opens a ticket linked to the call", async () => {
    // Ana has three tickets by now (and a fourth below): the card shows the newest three.
    const newest = await phoneTicket(server, "1733000000.4");
    const bruno = await desk(server.base, "bruno");
    const carla = await desk(server.base, "carla");
    await Promise.all([bruno.waitFor("hello"), carla.waitFor("hello")]);
    const transfer = await server.call("POST", `${P}/transfers`, { callId: "1733000099.7", callerNumber: "2001", userCode: "1234", identifiedBy: "caller-id", serviceId: 2 });
    expect(transfer.json.callerName).toBe("Ana Souza · 1234");
    const [a, b] = await Promise.all([bruno.waitFor("call_card"), carla.waitFor("call_card")]);
    expect(a.card).toEqual(b.card);
    expect(a.card).toMatchObject({
      callId: "1733000099.7",
      callerNumber: "2001",
      user: { code: "1234", name: "Ana Souza", department: "Secretaria de Saúde" },
      identifiedBy: "caller-id",
      service: { id: 2, path: "Computador" },
      state: "waiting",
    });
    expect(a.card.lastTickets).toHaveLength(3);
    expect(a.card.lastTickets[0]).toMatchObject({ protocol: newest, status: "open", service: "Computador > Não liga" });
    const opened = await server.call("POST", `${P}/console/tickets`, { userCode: "1234", serviceId: 202, description: "Pediu ajuda por telefone", callId: "1733000099.7" }, cookie("bruno"));
    expect(opened.status).toBe(201);
    expect(opened.json).toMatchObject({ source: "web", callId: "1733000099.7", requester: { code: "1234" } });
    // A desk opened later still sees the card of a caller waiting in the queue.
    const late = await desk(server.base, "carla");
    expect((await late.waitFor("hello")).cards.map((c) => c.callId)).toContain("1733000099.7");
    const anonymous = await server.call("POST", `${P}/transfers`, { callId: "1733000099.8", callerNumber: "+5545999990000", userCode: null, identifiedBy: null, serviceId: null });
    expect(anonymous.json.callerName).toBeNull();
    expect((await bruno.waitFor("call_card", (m) => m.card.callId === "1733000099.8")).card).toMatchObject({ user: null, identifiedBy: null, lastTickets: [] });
    for (const d of [bruno, carla, late]) d.close();
  });

  it("a seed 004 wallboard gets the phone tickets in tickets_update after identify, and new_ticket_alert with our sound", async () => {
    const tv = await connectWallboard(`${server.base.replace("http", "ws")}/ws/dashboard_control/`, cookie("carla"));
    tv.send({ type: "identify", clientId: "Kiosk-ABCDE" });
    const tickets = await tv.next("tickets_update");
    const data = tickets.data as Array<Record<string, unknown>>;
    expect(data.length).toBeGreaterThanOrEqual(3);
    expect(data[0]).toMatchObject({ priority: "critical", urgency: "Muito Alta", entity: "Gabinete", title: "Impressoras > Instalar" });
    expect(Object.keys(data[0]!).sort()).toEqual(["assignedTo", "createdAt", "description", "entity", "id", "priority", "status", "title", "updatedAt", "urgency"]);
    const dashboard = await tv.next("dashboard_update");
    expect(dashboard.technicians).toEqual([expect.objectContaining({ name: "Bruno Lima", assignedCount: 1 })]);
    expect((dashboard.recentActivity as unknown[]).length).toBeGreaterThan(0);
    const protocol = await phoneTicket(server, "1733000000.9", "5678", 202);
    const alert = await tv.next("new_ticket_alert");
    expect(alert.data).toEqual({ id: protocol, title: "Computador > Não liga", severity: "medium", soundUrl: `${server.base}/sounds/novo-chamado.wav` });
    expect(((await tv.next("tickets_update")).data as Array<{ id: string }>).map((t) => t.id)).toContain(protocol);
    await tv.close();
  });

  it("the wallboard's dashboard_update counts today's tickets by service and the transferred calls waiting (no AMI: the last 5 minutes' transfers)", async () => {
    const tv = await connectWallboard(`${server.base.replace("http", "ws")}/ws/dashboard_control/`, cookie("carla"));
    tv.send({ type: "identify", clientId: "Kiosk-ABCDE" });
    const before = (await tv.next("dashboard_update")) as unknown as Parameters<Parameters<typeof dashboardWhere>[1]>[0];
    // Every ticket of this test file was opened today, in the site's timezone.
    const all = await server.db.store.tickets.list({ limit: 500, offset: 0 });
    expect(before.ticketsToday.total).toBe(all.total);
    const computer = (m: typeof before) => m.ticketsToday.byService.find((s) => s.service === "Computador > Não liga")?.count ?? 0;
    expect(computer(before)).toBe(all.tickets.filter((t) => t.service.id === 202).length);
    expect(before.calls).toMatchObject({ inIvr: 0, waitingBasis: "recent-transfers", waitingWindowMinutes: 5 });
    const waitingBefore = before.calls.waitingForTechnician as number;
    // Of the two transfers above (both younger than 5 minutes) one had a ticket opened from its card: the other waits.
    expect(waitingBefore).toBe(1);

    await phoneTicket(server, "1733000000.11");
    const after = await dashboardWhere(tv, (m) => m.ticketsToday.total === before.ticketsToday.total + 1);
    expect(computer(after)).toBe(computer(before) + 1);
    expect(after.ticketsToday.byService[0]!.count).toBeGreaterThanOrEqual(after.ticketsToday.byService.at(-1)!.count);

    await server.call("POST", `${P}/transfers`, { callId: "1733000099.12", callerNumber: "2002", userCode: "5678", identifiedBy: "caller-id", serviceId: null });
    await dashboardWhere(tv, (m) => m.calls.waitingForTechnician === waitingBefore + 1);
    // Bruno takes it and opens a ticket from its card: no longer waiting.
    const opened = await server.call("POST", `${P}/console/tickets`, { userCode: "5678", serviceId: 301, callId: "1733000099.12" }, cookie("bruno"));
    expect(opened.status).toBe(201);
    await dashboardWhere(tv, (m) => m.calls.waitingForTechnician === waitingBefore);
    await tv.close();
  });

  it("lists the tickets being worked on once per push (tickets_update and the technicians share one list), and counts today's by service without reading a ticket", async () => {
    const tv = await connectWallboard(`${server.base.replace("http", "ws")}/ws/dashboard_control/`, cookie("carla"));
    server.wallboardLists.length = 0;
    server.wallboardServiceCounts.length = 0;
    tv.send({ type: "identify", clientId: "Kiosk-ABCDE" });
    await tv.next("dashboard_update");
    expect(server.wallboardLists.filter((f) => f.statuses !== undefined)).toHaveLength(1);
    // Today's tickets are one grouped count from midnight (a row per service), not a list of up to 2,000 tickets.
    expect(server.wallboardLists.filter((f) => f.createdSince !== undefined)).toEqual([]);
    expect(server.wallboardServiceCounts).toHaveLength(1);
    expect(server.wallboardServiceCounts[0]!.createdSince).toBeInstanceOf(Date);
    await tv.close();
  });

  it("without a grouped count (GLPI's backend), today's tickets by service come from one list from midnight, with the same numbers", async () => {
    const store = server.db.store;
    const lists: TicketFilter[] = [];
    const glpiLike = new Proxy(store.tickets, {
      get: (target, property) =>
        property === "countByService" ? undefined : property === "list" ? (f: TicketFilter) => (lists.push(f), target.list(f)) : (Reflect.get(target, property) as unknown),
    });
    const now = () => new Date();
    const grouped = (await storeWallboardSource(store, now).snapshot()).dashboard.ticketsToday;
    const listed = (await storeWallboardSource({ ...store, tickets: glpiLike }, now).snapshot()).dashboard.ticketsToday;
    expect(grouped.total).toBeGreaterThan(0);
    expect(grouped.byService.length).toBeGreaterThan(1);
    expect(listed).toEqual(grouped);
    const today = lists.filter((f) => f.createdSince !== undefined);
    expect(today).toHaveLength(1);
  });

  it("a ticket whose requester has no department carries no department to the wallboard (not the requester's name, which reads as one)", async () => {
    await server.db.store.users.create({ code: "9012", name: "Duda Prado" }, admin, new Date());
    const protocol = await phoneTicket(server, "1733000000.21", "9012");
    const tv = await connectWallboard(`${server.base.replace("http", "ws")}/ws/dashboard_control/`, cookie("carla"));
    tv.send({ type: "identify", clientId: "Kiosk-ABCDE" });
    const data = (await tv.next("tickets_update")).data as Array<Record<string, unknown>>;
    expect(data.find((t) => t.id === protocol)).toMatchObject({ entity: "" });
    expect(data.find((t) => t.entity === "Gabinete")).toBeDefined();
    await tv.close();
  });
});

describe("the technicians' console: assigning to someone else, and attachments", () => {
  let server: Server;
  beforeAll(async () => {
    server = await serve("assign", null);
    await people(server);
  });
  afterAll(async () => server?.close());

  it("gives a ticket to another active account, lists who can take one, and serves a voice description to play", async () => {
    const protocol = await phoneTicket(server, "1733000000.5");
    const at = new Date();
    await server.db.store.accounts.create({ username: "carla", name: "Carla Dias", role: "technician", extension: "102", password: "senha-da-carla-123" }, admin, at);
    await server.db.store.accounts.create({ username: "saiu", name: "Ex Técnico", role: "technician", password: "senha-do-ex-12345" }, admin, at);
    await server.db.store.accounts.update("saiu", { active: false }, admin, at);
    const who = await server.call("GET", `${P}/console/technicians`, undefined, cookie("bruno"));
    expect(who.json.technicians).toEqual([{ username: "carla", name: "Carla Dias", extension: "102" }]);
    const given = await server.call("POST", `${P}/console/tickets/${protocol}/work`, { assignTo: "carla", note: "Ela conhece essa impressora" }, cookie("bruno"));
    expect(given.status).toBe(200);
    expect(given.json.ticket.assignee).toEqual({ username: "carla", name: "Carla Dias" });
    expect(given.json.history.at(-1)).toMatchObject({ note: "Ela conhece essa impressora", assignee: { name: "Carla Dias" } });
    const gone = await server.call("POST", `${P}/console/tickets/${protocol}/work`, { assignTo: "saiu" }, cookie("bruno"));
    expect(gone).toMatchObject({ status: 400, json: { field: "assignTo" } });
    const both = await server.call("POST", `${P}/console/tickets/${protocol}/work`, { take: true, assignTo: "carla" }, cookie("bruno"));
    expect(both.status).toBe(400);

    const wav = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4]);
    const attached = await server.db.store.tickets.attach(protocol, { name: "descricao-por-voz.wav", contentType: "audio/wav", data: wav }, admin, at);
    const page = await server.call("GET", `${P}/console/tickets/${protocol}`, undefined, cookie("bruno"));
    expect(page.json.attachments).toEqual([expect.objectContaining({ id: attached.id, contentType: "audio/wav" })]);
    const file = await server.app.inject({ method: "GET", url: `${P}/console/tickets/${protocol}/attachments/${attached.id}`, headers: cookie("bruno") });
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toBe("audio/wav");
    expect(new Uint8Array(file.rawPayload)).toEqual(wav);
    expect((await server.app.inject({ method: "GET", url: `${P}/console/tickets/${protocol}/attachments/${attached.id}` })).statusCode).toBe(401);
    expect((await server.app.inject({ method: "GET", url: `${P}/console/tickets/${protocol}/attachments/999999`, headers: cookie("bruno") })).statusCode).toBe(404);
  });
});

describe("the screen-pop with AMI: only the desk whose phone rings", () => {
  let server: Server;
  let ami: AmiStandIn;
  let queue: QueueEventSource;
  beforeAll(async () => {
    ami = await startAmiStandIn({ username: "ura-console", secret: "segredo-do-ami-0123" });
    queue = amiQueueEvents({ host: "127.0.0.1", port: ami.port, username: "ura-console", secret: "segredo-do-ami-0123", reconnectMs: 100 });
    queue.start();
    await ami.waitForLogins(1);
    server = await serve("ami", queue);
    await people(server);
  });
  afterAll(async () => {
    await server?.close();
    await queue?.close();
    await ami?.close();
  });

  it("AgentCalled shows the card only at the ringing desk, AgentConnect marks it answered, abandon takes it away", async () => {
    const bruno = await desk(server.base, "bruno");
    const carla = await desk(server.base, "carla");
    expect((await bruno.waitFor("hello")).ami).toBe(true);
    await carla.waitFor("hello");
    await server.call("POST", `${P}/transfers`, { callId: "1733050000.12", callerNumber: "2001", userCode: "1234", identifiedBy: "code+otp", serviceId: null });
    // Recorded, but nobody's phone rings yet: no card anywhere.
    await new Promise((r) => setTimeout(r, 200));
    expect([...bruno.received, ...carla.received].filter((m) => m.type === "call_card")).toEqual([]);

    ami.emit(agentCalled({ uniqueId: "1733050000.12", callerNumber: "2001" }, { interface: "PJSIP/102", name: "Carla" }));
    expect((await carla.waitFor("call_card")).card).toMatchObject({ callId: "1733050000.12", state: "ringing", user: { name: "Ana Souza" }, identifiedBy: "code+otp" });
    const tv = await connectWallboard(`${server.base.replace("http", "ws")}/ws/dashboard_control/`, cookie("carla"));
    tv.send({ type: "identify", clientId: "Kiosk-ABCDE" });
    // With AMI the wallboard counts it waiting until someone answers, whatever its age.
    await dashboardWhere(tv, (m) => m.calls.waitingForTechnician === 1 && m.calls.waitingBasis === "ami" && m.calls.waitingWindowMinutes === null);
    ami.emit(agentConnect({ uniqueId: "1733050000.12", callerNumber: "2001" }, { interface: "PJSIP/102", name: "Carla" }));
    await carla.waitFor("call_card", (m) => m.card.state === "answered");
    await dashboardWhere(tv, (m) => m.calls.waitingForTechnician === 0);
    expect(bruno.received.filter((m) => m.type === "call_card")).toEqual([]);

    await server.call("POST", `${P}/transfers`, { callId: "1733050000.20", callerNumber: "2001", userCode: "1234", identifiedBy: "caller-id", serviceId: null });
    ami.emit(agentCalled({ uniqueId: "1733050000.20" }, { interface: "PJSIP/101" }));
    await bruno.waitFor("call_card", (m) => m.card.callId === "1733050000.20" && m.card.state === "ringing");
    await dashboardWhere(tv, (m) => m.calls.waitingForTechnician === 1);
    ami.emit(queueCallerAbandon({ uniqueId: "1733050000.20" }));
    await bruno.waitFor("call_card_gone", (m) => m.callId === "1733050000.20");
    await dashboardWhere(tv, (m) => m.calls.waitingForTechnician === 0);
    await tv.close();
    expect(carla.received.some((m) => m.type === "call_card" && m.card.callId === "1733050000.20")).toBe(false);
    bruno.close();
    carla.close();
  });
});
