import { afterEach, describe, expect, it } from "vitest";
import { API_PREFIX } from "../../src/api/contract.js";
import { ConfigError, loadSettings } from "../../src/config/index.js";
import { DeliveryQueue } from "../../src/whatsapp/delivery-queue.js";
import { buildServer } from "../../src/whatsapp/server.js";
import { FakeVenomClient } from "../support/fake-venom.js";
import { captureLogs } from "../support/logs.js";
import { openTestApi, type TestApi } from "./helper.js";

/**
 * Issue 14 item 1: behind a reverse proxy the allow-list checks the address the last trusted proxy
 * saw. A client that writes an allowed address into X-Forwarded-For itself (nginx's
 * $proxy_add_x_forwarded_for appends the real one after it) is judged by its real address, and so
 * is a client that reaches the service directly with the header. The audit log records that address.
 */

const PROXY = "192.0.2.10"; // the reverse proxy (not itself an allowed client)
const OUTSIDER = "203.0.113.9"; // a client the allow-list does not admit
const INSIDER = "10.1.0.7"; // an allowed client (the test API admits 10.1.0.0/16)

let api: TestApi | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

const viaProxy = (a: TestApi, forwardedFor: string, from = PROXY) =>
  a.call("GET", `${API_PREFIX}/hours`, { token: "ivr", address: from, headers: { "x-forwarded-for": forwardedFor } });

describe("API_TRUST_PROXY with the proxies' addresses", () => {
  it("checks the address the proxy saw, not one the client wrote into X-Forwarded-For", async () => {
    api = await openTestApi("sqlite", import.meta.filename, { API_TRUST_PROXY: `${PROXY},192.0.2.11` });
    expect((await viaProxy(api, INSIDER)).statusCode).toBe(200);
    // The client sent "X-Forwarded-For: 10.1.0.7"; nginx appended the address it really came from.
    const forged = await viaProxy(api, `${INSIDER}, ${OUTSIDER}`);
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ message: `client address ${OUTSIDER} is not in API_ALLOWED_CLIENTS` });
    // Two trusted proxies in a row: the first untrusted address from the right is the client.
    expect((await viaProxy(api, `127.0.0.1, ${OUTSIDER}, 192.0.2.11`)).statusCode).toBe(403);
    expect((await viaProxy(api, `127.0.0.1, ${INSIDER}, 192.0.2.11`)).statusCode).toBe(200);
  });

  it("ignores X-Forwarded-For from anyone who is not a trusted proxy", async () => {
    api = await openTestApi("sqlite", import.meta.filename, { API_TRUST_PROXY: PROXY });
    const direct = await viaProxy(api, "127.0.0.1", OUTSIDER);
    expect(direct.statusCode).toBe(403);
    expect(direct.json()).toMatchObject({ message: `client address ${OUTSIDER} is not in API_ALLOWED_CLIENTS` });
  });

  it("writes the real client address to the audit log, not a forged one", async () => {
    api = await openTestApi("sqlite", import.meta.filename, { API_TRUST_PROXY: PROXY });
    const res = await api.call("POST", `${API_PREFIX}/admin/users`, {
      address: PROXY,
      headers: { "x-forwarded-for": `127.0.0.1, ${INSIDER}` },
      body: { code: "4401", name: "Auditada Pelo Proxy" },
    });
    expect(res.statusCode).toBe(201);
    const audit = await api.call("GET", `${API_PREFIX}/admin/audit?entityId=4401`);
    expect(audit.json()).toMatchObject({ entries: [{ action: expect.stringMatching(/^user\./), address: INSIDER }] });
  });
});

describe("API_TRUST_PROXY as a hop count", () => {
  it("believes only the last entry one proxy appended", async () => {
    api = await openTestApi("sqlite", import.meta.filename, { API_TRUST_PROXY: "1" });
    expect((await viaProxy(api, INSIDER)).statusCode).toBe(200);
    expect((await viaProxy(api, `${INSIDER}, ${OUTSIDER}`)).statusCode).toBe(403);
  });

  it("with no proxy (the default), X-Forwarded-For means nothing", async () => {
    api = await openTestApi("sqlite", import.meta.filename);
    expect((await viaProxy(api, INSIDER, OUTSIDER)).statusCode).toBe(403);
    expect((await viaProxy(api, OUTSIDER, INSIDER)).statusCode).toBe(200);
  });
});

describe("the setting", () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadSettings({ env, envFile: false });
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
  };

  it.each(["true", "yes", "TRUE"])("refuses the old %s (it trusted every hop), saying what to write instead", (value) => {
    for (const name of ["API_TRUST_PROXY", "WHATSAPP_TRUST_PROXY"]) {
      const p = problems({ [name]: value });
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(new RegExp(`^${name}: .*proxies' addresses.*how many proxies`));
    }
  });

  it("refuses a bad address and a catch-all, and reads false, a count and a list", () => {
    expect(problems({ API_TRUST_PROXY: "10.0.0.0/40" })[0]).toMatch(/^API_TRUST_PROXY: .*invalid prefix length/);
    expect(problems({ API_TRUST_PROXY: "proxy.local" })[0]).toMatch(/^API_TRUST_PROXY: .*not an IP address/);
    expect(problems({ API_TRUST_PROXY: "0.0.0.0/0" })[0]).toMatch(/^API_TRUST_PROXY: .*old true/);
    const read = (v: string) => loadSettings({ env: { API_TRUST_PROXY: v }, envFile: false }).API_TRUST_PROXY;
    expect(read("false")).toBe(false);
    expect(read("0")).toBe(false);
    expect(read("2")).toBe(2);
    expect(read(" 10.0.0.5 , fd00::/8")).toEqual(["10.0.0.5", "fd00::/8"]);
  });
});

describe("WHATSAPP_TRUST_PROXY (the ura whatsapp service)", () => {
  it("checks WHATSAPP_ALLOWED_CLIENTS against the address the proxy saw", async () => {
    const venom = new FakeVenomClient({});
    const logs = captureLogs();
    const queue = new DeliveryQueue({ client: venom, logger: logs.logger, maxSize: 10, perNumberPerMinute: 10 });
    const app = await buildServer({ client: venom, queue, token: "s3cret-token-for-tests", allowedClients: ["10.20.0.0/16"], trustProxy: [PROXY], logger: logs.logger });
    try {
      const status = (from: string, forwardedFor: string) =>
        app.inject({ url: "/api/auth/status", remoteAddress: from, headers: { "x-forwarded-for": forwardedFor } }).then((r) => r.statusCode);
      expect(await status(PROXY, "10.20.3.4")).toBe(200);
      expect(await status(PROXY, `10.20.3.4, ${OUTSIDER}`)).toBe(403);
      expect(await status(OUTSIDER, "10.20.3.4")).toBe(403);
    } finally {
      queue.close();
      await app.close();
    }
  });
});
