import { PassThrough } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/command.js";
import { command as doctor } from "../../src/cli/commands/doctor.js";
import { testSettings } from "../../src/config/index.js";
import { checkGlpi } from "../../src/glpi/index.js";
import { GlpiStandin, type StandinOptions } from "../support/glpi-standin.js";
import { freePort } from "../support/processes.js";

const APP = "app-token-0123456789";
const USER = "user-token-0123456789";

const running: GlpiStandin[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

async function standin(options: StandinOptions = {}): Promise<GlpiStandin> {
  const s = await new GlpiStandin({ categories: [{ id: 1, name: "Computador" }], ...options }).start();
  running.push(s);
  return s;
}

const settingsFor = (url: string, over: Record<string, string> = {}) =>
  testSettings({ TICKET_BACKEND: "glpi", GLPI_URL: url, GLPI_APP_TOKEN: APP, GLPI_USER_TOKEN: USER, ...over });

describe("ura doctor's GLPI check", () => {
  it("a working set-up: logged in, the Phone request type, categories and users readable; the session is closed again", async () => {
    const s = await standin();
    const check = await checkGlpi(settingsFor(s.url));
    expect(check.level).toBe("ok");
    expect(check.detail).toMatch(/logged in as ura-ivr, request type 3 \(the request type named "Phone"\), 1 ITIL categories, users readable/);
    expect(s.sessions.size).toBe(0);
  });

  it.each([
    ["API disabled", { apiEnabled: false }, {}, /REST API is disabled: in GLPI, Setup > General > API, set "Enable Rest API" to Yes/],
    ["IP not allowed", { allowedIps: ["10.1.2.3"] }, {}, /no active API client for this host's address \(127\.0\.0\.1\): in GLPI, Setup > General > API, add an API client/],
    ["a wrong app token", {}, { GLPI_APP_TOKEN: "wrong-app-token" }, /GLPI_APP_TOKEN is not the app token of GLPI's API client/],
    ["a missing app token", {}, { GLPI_APP_TOKEN: "" }, /requires an app token: set GLPI_APP_TOKEN/],
    ["a wrong user token", {}, { GLPI_USER_TOKEN: "wrong-user-token" }, /GLPI_USER_TOKEN is not accepted/],
  ] as const)("%s: FAIL with what to change", async (_name, server, settings, message) => {
    const s = await standin(server as StandinOptions);
    const check = await checkGlpi(settingsFor(s.url, settings));
    expect(check.level).toBe("fail");
    expect(check.detail).toMatch(message);
  });

  it("unreachable: FAIL naming the network, not GLPI's configuration", async () => {
    const url = `http://127.0.0.1:${await freePort()}/glpi/apirest.php`;
    const check = await checkGlpi(settingsFor(url));
    expect(check).toEqual({ level: "fail", detail: expect.stringMatching(/GLPI is unreachable from this host \(ECONNREFUSED\): check GLPI_URL and the network/) });
  });

  it("an entity the service account does not have fails; missing read rights only warn", async () => {
    const s = await standin({ users: [{ id: 7, login: "ura-ivr", userToken: USER, rights: { userRead: false, categoryRead: false } }] });
    const entity = await checkGlpi(settingsFor(s.url, { GLPI_ENTITY_ID: "5" }));
    expect(entity).toMatchObject({ level: "fail", detail: expect.stringMatching(/GLPI_ENTITY_ID=5 is not one of the service account's entities \(0 Root entity\)/) });
    const rights = await checkGlpi(settingsFor(s.url));
    expect(rights.level).toBe("warn");
    expect(rights.detail).toMatch(/cannot read ITIL categories.*cannot read users/);
  });

  it("a renamed Phone request type falls back to 3 and says so; GLPI_REQUEST_TYPE_ID wins", async () => {
    const s = await standin({ requestTypes: [{ id: 1, name: "Helpdesk" }, { id: 9, name: "Telefone" }] });
    expect((await checkGlpi(settingsFor(s.url))).detail).toMatch(/request type 3 \(no "Phone" request type in GLPI: the default 3\)/);
    expect((await checkGlpi(settingsFor(s.url, { GLPI_REQUEST_TYPE_ID: "9" }))).detail).toMatch(/request type 9 \(GLPI_REQUEST_TYPE_ID\)/);
  });

  it("ura doctor prints the GLPI line and exits 1 when GLPI refuses the session", async () => {
    const s = await standin();
    const out: string[] = [];
    const stdout = new PassThrough();
    stdout.on("data", (c) => out.push(String(c)));
    const settings = settingsFor(s.url, { GLPI_USER_TOKEN: "wrong-user-token", TTS_ENGINE: "none", API_URL: `http://127.0.0.1:${await freePort()}`, AGI_PORT: String(await freePort()) });
    const ctx: CliContext = { settings, stdout, stderr: new PassThrough(), stdin: new PassThrough(), logger: pino({ level: "silent" }) };
    const code = await doctor.run([], ctx);
    const line = out.join("").split("\n").find((l) => l.slice(6).startsWith("glpi"));
    expect(line).toMatch(/^FAIL\s+glpi\s+.*GLPI_USER_TOKEN is not accepted/);
    expect(code).toBe(1);
  });
});
