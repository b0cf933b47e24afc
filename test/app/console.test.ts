import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAll, type RunningApp } from "../../src/app/start.js";
import { testSettings } from "../../src/config/index.js";
import { freePort, runUra } from "../support/processes.js";
import { connectWallboard, HandshakeRefused } from "../support/wallboard-client.js";

/**
 * `ura start` (in-process) and `ura api` (a child process) mount the technicians' routes, their
 * live socket and seed 004's wallboard behind the real console sessions and kiosk tokens: a
 * signed-in technician gets the queue, a request without the cookie gets 401 JSON, a wall TV's
 * kiosk token opens the wallboard and hears about new tickets.
 */
const cli = { client: "cli:root", address: null };
const IVR_TOKEN = "ivr-secret-for-the-console-wiring-0123";

/** Signs in as the console page does; the session cookie and the CSRF token it answers with. */
async function signIn(base: string, username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  expect(res.status).toBe(200);
  const cookie = /ura_sessao=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];
  expect(cookie).toBeDefined();
  return { cookie: cookie!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

describe("ura start: the technicians' console behind the real sessions and kiosk tokens", () => {
  let dir: string;
  let app: RunningApp;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ura-console-wiring-"));
    const apiPort = await freePort();
    const settings = testSettings({ DATA_DIR: dir, TTS_ENGINE: "none", AGI_PORT: String(await freePort()), API_PORT: String(apiPort), API_TOKENS: `ivr:ivr:${IVR_TOKEN}` });
    app = await startAll(settings, pino({ level: "silent" }));
    base = `http://127.0.0.1:${apiPort}`;
    const now = new Date();
    await app.store.accounts.create({ username: "bruno", name: "Bruno Lima", role: "technician", extension: "101", password: "senha-do-bruno-123" }, cli, now);
    await app.store.users.create({ code: "1234", name: "Ana Souza", department: "Secretaria de Saúde", extensions: ["2001"] }, cli, now);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a signed-in technician gets the queue and the live socket; without the cookie both answer 401 JSON", { timeout: 60_000 }, async () => {
    const anonymous = await fetch(`${base}/api/v1/console/queue`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await anonymous.json()).toMatchObject({ error: "not_signed_in" });
    await expect(connectWallboard(`${base.replace("http", "ws")}/ws/console/`)).rejects.toMatchObject({ status: 401 });

    const { cookie, csrf } = await signIn(base, "bruno", "senha-do-bruno-123");
    const queue = await fetch(`${base}/api/v1/console/queue`, { headers: { cookie } });
    expect(queue.status).toBe(200);
    expect(await queue.json()).toMatchObject({ tickets: [], total: 0, workHere: true });

    const desk = await connectWallboard(`${base.replace("http", "ws")}/ws/console/`, { cookie });
    expect(await desk.next("hello")).toMatchObject({ account: { username: "bruno", name: "Bruno Lima", extension: "101" }, ami: false });
    // Work rides on the cookie, so it needs the session's CSRF header (403 without).
    const opened = await fetch(`${base}/api/v1/console/tickets`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ userCode: "1234", serviceId: 202 }) });
    expect(opened.status).toBe(403);
    const withCsrf = await fetch(`${base}/api/v1/console/tickets`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ userCode: "1234", serviceId: 202, description: "Aberto pelo console" }),
    });
    expect(withCsrf.status).toBe(201);
    const ticket = (await withCsrf.json()) as { protocol: string };
    expect(await desk.next("ticket_opened")).toMatchObject({ ticket: { protocol: ticket.protocol, source: "web" } });
    await desk.close();
    // The audit log names the account.
    const [audit] = await app.store.audit.list({ limit: 1, entity: "ticket" });
    expect(audit?.client).toBe("console:bruno");
  });

  it("a kiosk token opens the wallboard read-only: tickets_update after identify, new_ticket_alert on a phone ticket; no token: 401", { timeout: 60_000 }, async () => {
    const { token } = await app.store.kiosks.create({ name: "TV da sala de TI" }, cli, new Date());
    const ws = `${base.replace("http", "ws")}/ws/dashboard_control/`;
    await expect(connectWallboard(ws)).rejects.toBeInstanceOf(HandshakeRefused);
    await expect(connectWallboard(`${ws}?token=not-a-kiosk-token`)).rejects.toMatchObject({ status: 401 });

    const tv = await connectWallboard(`${ws}?token=${encodeURIComponent(token)}`);
    tv.send({ type: "identify", clientId: "Kiosk-ABCDE" });
    const first = await tv.next("tickets_update");
    expect(first.counters).toMatchObject({ total: expect.any(Number) });
    expect(Object.keys(first).sort()).toEqual(["counters", "data", "timestamp", "type"]);
    // The IVR opens a ticket over the API (its own token), as a phone call does.
    const res = await fetch(`${base}/api/v1/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${IVR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ userCode: "1234", serviceId: 301, source: "phone", callId: "1733000000.77" }),
    });
    expect(res.status).toBe(201);
    const { ticket } = (await res.json()) as { ticket: { protocol: string } };
    const alert = await tv.next("new_ticket_alert");
    expect(alert.data).toMatchObject({ id: ticket.protocol, soundUrl: `${base}/sounds/novo-chamado.wav` });
    expect(((await tv.next("tickets_update")).data as Array<{ id: string }>).map((t) => t.id)).toContain(ticket.protocol);
    // Read-only: a kiosk may not switch the other screens.
    tv.send({ type: "remote_switch", target: "dashboard" });
    expect(await tv.next("error")).toMatchObject({ type: "error" });
    await tv.close();

    // A technician's session opens it too, and may switch the screens.
    await app.store.accounts.create({ username: "carla", name: "Carla Dias", role: "technician", password: "senha-da-carla-123" }, cli, new Date());
    const { cookie } = await signIn(base, "carla", "senha-da-carla-123");
    const desk = await connectWallboard(ws, { cookie });
    desk.send({ type: "identify", clientId: "Desk-1" });
    expect((await desk.next("tickets_update")).data).toEqual(expect.arrayContaining([expect.objectContaining({ id: ticket.protocol })]));
    await desk.close();
  });
});

describe("ura api", () => {
  it("serves the technicians' queue to a signed-in account and 401 JSON without one", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-console-api-"));
    const apiPort = await freePort();
    const env = { DATA_DIR: dir, API_PORT: String(apiPort), API_TOKENS: `ivr:ivr:${IVR_TOKEN}` };
    const api = runUra(["api"], env);
    try {
      await api.waitFor(/ticket API listening/, 60_000);
      const add = runUra(["accounts", "add", "dora", "--name", "Dora Melo"], env);
      add.child.stdin!.end("senha-da-dora-1234\n");
      expect(await add.exited, add.output()).toBe(0);
      const base = `http://127.0.0.1:${apiPort}`;
      const anonymous = await fetch(`${base}/api/v1/console/queue`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: "not_signed_in" });
      const { cookie } = await signIn(base, "dora", "senha-da-dora-1234");
      const queue = await fetch(`${base}/api/v1/console/queue`, { headers: { cookie } });
      expect(queue.status).toBe(200);
      expect(await queue.json()).toMatchObject({ total: 0, workHere: true });
    } finally {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
