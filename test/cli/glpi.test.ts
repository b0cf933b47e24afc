import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GlpiStandin } from "../support/glpi-standin.js";
import { freePort, runUra, type RunningUra } from "../support/processes.js";
import { waitFor } from "../support/wait.js";
import pino from "pino";
import { startAll } from "../../src/app/start.js";
import { testSettings } from "../../src/config/index.js";
import { systemActor } from "../../src/domain/index.js";

const APP = "app-token-0123456789";
const USER = "user-token-0123456789";
const TOKEN = "cli-glpi-ivr-token-0123456789";

const running: RunningUra[] = [];
let glpi: GlpiStandin | undefined;
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  await glpi?.stop();
  glpi = undefined;
});

describe("ura with TICKET_BACKEND=glpi, as an admin runs it", () => {
  it("ura users sync-glpi links the users, ura api opens tickets in GLPI with them as requesters, and stopping it ends the GLPI session", async () => {
    glpi = await new GlpiStandin({
      firstTicketId: 700,
      users: [
        { id: 7, login: "ura-ivr", userToken: USER },
        { id: 42, login: "maria.souza", firstname: "Maria", realname: "Souza", registration_number: "1234", phone: "1001" },
        { id: 43, login: "sem.codigo", firstname: "Sem", realname: "Código" },
      ],
    }).start();
    const apiPort = await freePort();
    const env = {
      DATA_DIR: mkdtempSync(join(tmpdir(), "ura-glpi-")),
      API_PORT: String(apiPort),
      API_TOKENS: `ivr:ivr:${TOKEN}`,
      TICKET_BACKEND: "glpi",
      GLPI_URL: glpi.url,
      GLPI_APP_TOKEN: APP,
      GLPI_USER_TOKEN: USER,
    };

    const dry = runUra(["users", "sync-glpi", "--dry-run"], env);
    running.push(dry);
    expect(await dry.exited).toBe(0);
    expect(dry.output()).toContain("1 would be created");
    const sync = runUra(["users", "sync-glpi"], env);
    running.push(sync);
    expect(await sync.exited).toBe(0);
    expect(sync.output()).toContain("GLPI users: 1 usable, 2 left out — 1 created");
    expect(sync.output()).toContain("left out sem.codigo (GLPI id 43): no registration_number");
    // Run again with nothing changed in GLPI: the dry run says unchanged, not updated.
    const again = runUra(["users", "sync-glpi", "--dry-run"], env);
    running.push(again);
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain("0 would be created, 0 updated, 1 unchanged, 0 deactivated");

    const api = runUra(["api"], env);
    running.push(api);
    await api.waitFor(/ticket API listening/);
    // The Phone request type was looked up when the backend started, before any ticket.
    await waitFor(() => glpi!.count("GET", "/RequestType") === 1, "the Phone request type look-up at start");
    expect(api.output()).toMatch(/"tickets":"glpi"/);
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ userCode: "1234", serviceId: 202, source: "api", callId: "cli-glpi.1" }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { ticket: { protocol: string } };
    expect(body.ticket.protocol).toBe("700");
    expect(glpi.tickets.get(700)).toMatchObject({ requesters: [42], requesttypes_id: 3 });

    // Each sync ended its own session; stopping the API ends the API's.
    const killed = glpi.count("GET", "/killSession");
    expect(await api.stop()).toBe(0);
    expect(glpi.count("GET", "/killSession")).toBe(killed + 1);
    expect(glpi.sessions.size).toBe(0);
  }, 120_000); // four processes start one after the other

  it("a GLPI that refuses the token: the sync says so and exits 1, naming where to look", async () => {
    glpi = await new GlpiStandin().start();
    const sync = runUra(["users", "sync-glpi"], { DATA_DIR: mkdtempSync(join(tmpdir(), "ura-glpi-")), GLPI_URL: glpi.url, GLPI_APP_TOKEN: APP, GLPI_USER_TOKEN: "wrong-token-0123456789" });
    running.push(sync);
    expect(await sync.exited).toBe(1);
    expect(sync.output()).toContain("ERROR_GLPI_LOGIN_USER_TOKEN");
    expect(sync.output()).toContain("ura doctor");
  }, 60_000);
});

describe("ura start with TICKET_BACKEND=glpi", () => {
  it("its store files tickets in GLPI, looked up the Phone request type at start, and its stop ends the GLPI session", async () => {
    glpi = await new GlpiStandin({ firstTicketId: 800, requestTypes: [{ id: 1, name: "Helpdesk" }, { id: 9, name: "Phone" }] }).start();
    const settings = testSettings({
      DATA_DIR: mkdtempSync(join(tmpdir(), "ura-glpi-start-")),
      AGI_PORT: String(await freePort()),
      API_PORT: String(await freePort()),
      API_TOKENS: `ivr:ivr:${TOKEN}`,
      OTP_SECRET: "o".repeat(40),
      TICKET_BACKEND: "glpi",
      GLPI_URL: glpi.url,
      GLPI_APP_TOKEN: APP,
      GLPI_USER_TOKEN: USER,
    });
    const app = await startAll(settings, pino({ level: "silent" }));
    let stopped = false;
    try {
      expect(app.store.tickets.kind).toBe("glpi");
      // Resolved when the backend started, before any ticket.
      await waitFor(() => glpi!.count("GET", "/RequestType") === 1, "the Phone request type look-up at start");
      await app.store.users.create({ code: "4321", name: "Rui" }, systemActor, new Date());
      const { ticket } = await app.store.tickets.open({ userCode: "4321", serviceId: 202, source: "phone", callId: "start.1" }, systemActor, new Date());
      expect(ticket.protocol).toBe("800");
      expect(glpi.tickets.get(800)!.requesttypes_id).toBe(9);
      await app.stop();
      stopped = true;
      expect(glpi.count("GET", "/killSession")).toBe(1);
    } finally {
      if (!stopped) await app.stop();
    }
  }, 60_000);
});
