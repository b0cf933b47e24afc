import type { FastifyRequest } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePlugin, type WallboardEvent, type WallboardSource, type WallboardTicket } from "../../../src/api/console/index.js";
import { createEventBus } from "../../../src/shared/event-bus.js";
import { openTestApi, type TestApi } from "../helper.js";
import { connectWallboard, HandshakeRefused, type WallboardClient } from "../../support/wallboard-client.js";

const KIOSK = "kiosk-token-for-the-tv-0123";
const TECH = "session-of-a-technician-0123";

const ticket = (id: string, priority: WallboardTicket["priority"], title = "Computador → Não liga"): WallboardTicket => ({
  id,
  title,
  description: "Não liga desde ontem",
  assignedTo: "",
  priority,
  status: "open",
  createdAt: "2025-06-02T12:58:00.000Z",
  updatedAt: "2025-06-02T12:58:00.000Z",
  entity: "Secretaria de Saúde",
  urgency: "Média",
});

/** A stand-in for the ticket backend (phase B plugs the real one in). */
function fakeSource() {
  const state = { tickets: [ticket("1250600001", "medium")], fail: false };
  const source: WallboardSource = {
    async snapshot() {
      if (state.fail) throw new Error("database down");
      const count = (p: WallboardTicket["priority"]) => state.tickets.filter((t) => t.priority === p).length;
      return {
        tickets: { data: state.tickets, counters: { critical: count("critical"), high: count("high"), medium: count("medium"), low: count("low"), total: state.tickets.length } },
        dashboard: {
          kpis: { openTickets: state.tickets.length, avgResponseTime: "0h 12m", resolutionRate: 92, customerSatisfaction: 88, surveyCount: 47 },
          technicians: [{ id: "tech-1", name: "Bruno Lima", role: "technician", specialization: "Hardware", available: true, assignedCount: 1 }],
          analysts: [],
          recentActivity: [{ id: "a-1", timestamp: "2025-06-02T12:58:00.000Z", description: "Chamado 1250600001 aberto por telefone", type: "ticket", severity: "medium" }],
          ticketsToday: { date: "2025-06-02", total: 1, byService: [{ serviceId: 202, service: "Computador > Não liga", count: 1 }] },
        },
      };
    },
  };
  return { state, source };
}

// Phase B checks the session cookie or a kiosk token; here a fixed pair stands in for both.
function authenticate(request: FastifyRequest) {
  const token = (request.query as { token?: string }).token;
  if (token === KIOSK) return { name: "tv-sala-ti", canControl: false };
  if (request.headers.cookie === `ura_session=${TECH}`) return { name: "bruno", canControl: true };
  return null;
}

describe("wallboard WebSocket (seed 004's protocol)", () => {
  let api: TestApi;
  let base: string;
  const bus = createEventBus<WallboardEvent>();
  const { state, source } = fakeSource();
  const open: WallboardClient[] = [];

  beforeAll(async () => {
    api = await openTestApi("sqlite", import.meta.filename, {}, [
      consolePlugin({ webRoot: null, wallboard: { source, events: bus, authenticate, pushIntervalMs: 60_000, snapshotMaxAgeMs: 0 } }),
    ]);
    await api.app.listen({ host: "127.0.0.1", port: 0 });
    const address = api.app.server.address();
    base = `ws://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/ws/dashboard_control/`;
  });
  afterAll(async () => {
    for (const c of open) await c.close();
    await api?.close();
  });

  async function kiosk(): Promise<WallboardClient> {
    const c = await connectWallboard(`${base}?token=${KIOSK}`);
    open.push(c);
    return c;
  }

  it("answers identify with tickets_update, projects_update and dashboard_update, in the seed's shapes", async () => {
    const tv = await kiosk();
    tv.send({ type: "identify", clientId: "Kiosk-ABCDE" });
    const tickets = await tv.next("tickets_update");
    expect(Object.keys(tickets).sort()).toEqual(["counters", "data", "timestamp", "type"]);
    expect(tickets.data).toEqual([ticket("1250600001", "medium")]);
    expect(Object.keys((tickets.data as object[])[0]!).sort()).toEqual(
      ["assignedTo", "createdAt", "description", "entity", "id", "priority", "status", "title", "updatedAt", "urgency"].sort(),
    );
    expect(tickets.counters).toEqual({ critical: 0, high: 0, medium: 1, low: 0, total: 1 });
    expect(new Date(tickets.timestamp as string).toISOString()).toBe(tickets.timestamp);
    expect(await tv.next("projects_update")).toMatchObject({ data: [] });
    const dashboard = await tv.next("dashboard_update");
    // Seed 004's fields with the seed's types, and besides them only our two extras (which its panel does not read).
    expect(Object.keys(dashboard).sort()).toEqual(["analysts", "calls", "kpis", "recentActivity", "technicians", "ticketsToday", "timestamp", "type"]);
    expect(dashboard).toMatchObject({ technicians: expect.any(Array), analysts: expect.any(Array), recentActivity: expect.any(Array), timestamp: expect.any(String) });
    expect(Object.keys(dashboard.kpis as object).sort()).toEqual(["avgResponseTime", "customerSatisfaction", "openTickets", "resolutionRate", "surveyCount"]);
    expect(dashboard.kpis).toMatchObject({ openTickets: expect.any(Number), avgResponseTime: expect.any(String), resolutionRate: expect.any(Number), customerSatisfaction: expect.any(Number), surveyCount: expect.any(Number) });
    // No IVR or screen-pop behind this server: nothing in the IVR, nothing waiting.
    expect(dashboard.calls).toEqual({ inIvr: 0, waitingForTechnician: 0, waitingBasis: "recent-transfers", waitingWindowMinutes: null });
    expect(dashboard.ticketsToday).toEqual({ date: "2025-06-02", total: 1, byService: [{ serviceId: 202, service: "Computador > Não liga", count: 1 }] });
    expect(tv.received.map((m) => m.type)).toEqual(["tickets_update", "projects_update", "dashboard_update"]);
  });

  it("sends new_ticket_alert with a sound on our own server when a ticket is opened, then the fresh list", async () => {
    const tv = await kiosk();
    state.tickets = [...state.tickets, ticket("1250600002", "high", "Impressoras → Sem conectividade")];
    bus.publish({ type: "ticket-opened", ticket: { id: "1250600002", title: "Impressoras → Sem conectividade", severity: "high" } });
    const alert = await tv.next("new_ticket_alert");
    expect(alert.data).toEqual({ id: "1250600002", title: "Impressoras → Sem conectividade", severity: "high", soundUrl: `${base.replace("ws:", "http:").replace("/ws/dashboard_control/", "")}/sounds/novo-chamado.wav` });
    const update = await tv.next("tickets_update");
    expect((update.data as WallboardTicket[]).map((t) => t.id)).toEqual(["1250600001", "1250600002"]);
    expect(update.counters).toMatchObject({ high: 1, total: 2 });
  });

  it("sends critical_alert when a part of the system goes down", async () => {
    const tv = await kiosk();
    bus.publish({ type: "part-status", alert: { id: "critical-whatsapp", title: "Sessão do WhatsApp desconectada", severity: "critical" } });
    expect((await tv.next("critical_alert")).data).toMatchObject({ id: "critical-whatsapp", severity: "critical", soundUrl: expect.stringMatching(/\/sounds\/alerta-critico\.wav$/) });
  });

  it("answers request_data with the view asked for", async () => {
    const tv = await kiosk();
    tv.send({ type: "request_data", view: "dashboard" });
    await tv.next("dashboard_update");
    tv.send({ type: "request_data", view: "tickets" });
    await tv.next("tickets_update");
    expect(tv.received.map((m) => m.type)).toEqual(["dashboard_update", "tickets_update"]);
  });

  it("answers malformed messages with {type: error, message} and keeps the connection", async () => {
    const tv = await kiosk();
    tv.sendRaw("{not json");
    expect(await tv.next("error")).toEqual({ type: "error", message: "Erro ao decodificar JSON" });
    tv.sendRaw(JSON.stringify({ view: "tickets" }));
    expect((await tv.next("error")).message).toMatch(/sem o campo "type"/);
    tv.send({ type: "subscribe_everything" });
    expect((await tv.next("error")).message).toMatch(/desconhecido: subscribe_everything/);
    tv.send({ type: "request_data", view: "salaries" });
    expect((await tv.next("error")).message).toMatch(/request_data: view/);
    tv.sendRaw(Buffer.from([1, 2, 3]), true);
    expect((await tv.next("error")).message).toMatch(/binárias/);
    tv.send({ type: "identify" });
    await tv.next("tickets_update");
  });

  it("refuses the handshake without a session or kiosk token (401), and from an address off the allow-list (403)", async () => {
    const refused = await connectWallboard(base).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HandshakeRefused);
    expect((refused as HandshakeRefused).status).toBe(401);
    expect(JSON.parse((refused as HandshakeRefused).body)).toMatchObject({ error: "unauthorized" });
    const wrong = await connectWallboard(`${base}?token=guess`).catch((e: unknown) => e);
    expect((wrong as HandshakeRefused).status).toBe(401);
    // Same hook as every API route: the allow-list answers first.
    const res = await api.call("GET", "/ws/dashboard_control/?token=" + KIOSK, { token: null, address: "192.0.2.7" });
    expect(res.statusCode).toBe(403);
  });

  it("relays remote_switch from a technician's console to the TVs, and refuses it from a read-only kiosk", async () => {
    const tv = await kiosk();
    const desk = await connectWallboard(base, { cookie: `ura_session=${TECH}` });
    open.push(desk);
    desk.send({ type: "remote_switch", target: "dashboard" });
    expect(await tv.next("remote_switch")).toMatchObject({ type: "remote_switch", target: "dashboard" });
    tv.send({ type: "remote_switch", target: "tickets" });
    expect((await tv.next("error")).message).toMatch(/somente leitura/);
  });

  it("tells the screen the data is unavailable when the backend fails, and recovers", async () => {
    const tv = await kiosk();
    state.fail = true;
    tv.send({ type: "request_data", view: "tickets" });
    expect((await tv.next("error")).message).toMatch(/indisponíveis/);
    state.fail = false;
    tv.send({ type: "request_data", view: "tickets" });
    await tv.next("tickets_update");
  });

  it("never writes the kiosk token to the log", () => {
    expect(api.logs.join("")).not.toContain(KIOSK);
  });
});

describe("wallboard periodic push", () => {
  it("pushes tickets, projects and dashboard again without being asked", async () => {
    const { source } = fakeSource();
    const api = await openTestApi("sqlite", import.meta.filename + "-push", {}, [
      consolePlugin({ webRoot: null, wallboard: { source, events: createEventBus(), authenticate: () => ({ name: "tv", canControl: false }), pushIntervalMs: 100 } }),
    ]);
    try {
      await api.app.listen({ host: "127.0.0.1", port: 0 });
      const address = api.app.server.address();
      const tv = await connectWallboard(`ws://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/ws/dashboard_control/`);
      await tv.next("tickets_update");
      await tv.next("projects_update");
      await tv.next("dashboard_update");
      await tv.close();
    } finally {
      await api.close();
    }
  });
});

describe("wallboard calls (the TV view's extra numbers)", () => {
  it("a change of calls pushes dashboard_update with the new counts at once, from the kept snapshot (no store read per call)", async () => {
    const { source } = fakeSource();
    let reads = 0;
    const counting: WallboardSource = { snapshot: () => (reads++, source.snapshot()) };
    const now = { inIvr: 0, waitingForTechnician: 0 };
    const bus = createEventBus<WallboardEvent>();
    const api = await openTestApi("sqlite", import.meta.filename + "-calls", {}, [
      consolePlugin({
        webRoot: null,
        wallboard: {
          source: counting,
          events: bus,
          authenticate: () => ({ name: "tv", canControl: false }),
          calls: () => ({ ...now, waitingBasis: "ami", waitingWindowMinutes: null }),
          pushIntervalMs: 60_000,
          snapshotMaxAgeMs: 0,
        },
      }),
    ]);
    try {
      await api.app.listen({ host: "127.0.0.1", port: 0 });
      const address = api.app.server.address();
      const tv = await connectWallboard(`ws://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/ws/dashboard_control/`);
      tv.send({ type: "identify", clientId: "Kiosk-TV" });
      expect((await tv.next("dashboard_update")).calls).toMatchObject({ inIvr: 0, waitingForTechnician: 0 });
      // identify answers its three messages from one read.
      expect(reads).toBe(1);
      now.inIvr = 3;
      now.waitingForTechnician = 1;
      bus.publish({ type: "calls-changed" });
      expect((await tv.next("dashboard_update")).calls).toEqual({ inIvr: 3, waitingForTechnician: 1, waitingBasis: "ami", waitingWindowMinutes: null });
      expect(reads).toBe(1);
      // A ticket change reads the store again.
      bus.publish({ type: "tickets-changed" });
      await tv.next("tickets_update");
      expect(reads).toBe(2);
      await tv.close();
    } finally {
      await api.close();
    }
  });
});
