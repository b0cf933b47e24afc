import type { FastifyBaseLogger } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { API_PREFIX } from "../../src/api/contract.js";
import type { ApiContext } from "../../src/api/context.js";
import { IdentifyLimits } from "../../src/api/identify-limits.js";
import { testSettings } from "../../src/config/index.js";
import { openTestApi, type TestApi } from "./helper.js";

/**
 * Issue 14 item 4: the identification routes answer with a person's name, so they are limited per
 * token and per client address (a burst of guessed codes got 10,000 answers in 10 s and 65 names),
 * and audited in aggregate (one row per client and minute, not one per lookup).
 */

const P = API_PREFIX;
let api: TestApi | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

async function open(): Promise<TestApi> {
  const a = await openTestApi("sqlite", import.meta.filename, { IDENTIFY_MAX_PER_MINUTE: "12", IDENTIFY_MAX_MISSES_PER_MINUTE: "5" });
  for (const [code, ext] of [["1001", "2001"], ["1002", "2002"]] as const) {
    expect((await a.call("POST", `${P}/admin/users`, { body: { code, name: `Pessoa ${code}`, extensions: [ext] } })).statusCode).toBe(201);
  }
  return a;
}

const byCode = (a: TestApi, code: string, opts: { token?: string; address?: string } = {}) =>
  a.call("POST", `${P}/identify/code`, { token: opts.token ?? "ivr", address: opts.address, body: { code } });

describe("identification limits", () => {
  it("stops a client guessing codes after IDENTIFY_MAX_MISSES_PER_MINUTE misses, and says until when", async () => {
    api = await open();
    const start = api.now.value.getTime();
    for (let i = 0; i < 5; i++) expect((await byCode(api, String(9000 + i))).statusCode).toBe(404);
    const refused = await byCode(api, "1001");
    expect(refused.statusCode).toBe(429);
    const until = new Date(start + 60_000).toISOString();
    expect(refused.json()).toEqual({ error: "rate_limited", message: expect.stringContaining("identification"), until, retryAfterSeconds: 60 });
    expect(refused.headers["retry-after"]).toBe("60");
    // Walking extensions is refused too: the same client, the other route.
    expect((await api.call("POST", `${P}/identify/caller`, { token: "ivr", body: { number: "2001" } })).statusCode).toBe(429);
    // The limit ends with the minute.
    api.now.value = new Date(Date.parse(until));
    expect((await byCode(api, "1001")).statusCode).toBe(200);
  });

  it("counts per token and per client address: another token from another address is not limited", async () => {
    api = await open();
    for (let i = 0; i < 5; i++) await byCode(api, String(9100 + i), { address: "10.1.0.5" });
    // The same token from elsewhere: limited (the token counts).
    expect((await byCode(api, "1001", { address: "10.1.0.6" })).statusCode).toBe(429);
    // Another token from the same address: limited (the address counts).
    expect((await byCode(api, "1001", { token: "web", address: "10.1.0.5" })).statusCode).toBe(429);
    // Another token from another address: served.
    expect((await byCode(api, "1001", { token: "web", address: "10.1.0.7" })).statusCode).toBe(200);
  });

  it("limits all lookups too, found or not (IDENTIFY_MAX_PER_MINUTE)", async () => {
    api = await open();
    for (let i = 0; i < 12; i++) expect((await byCode(api, i % 2 ? "1001" : "1002")).statusCode).toBe(200);
    expect((await byCode(api, "1001")).statusCode).toBe(429);
  });

  it("audits lookups in aggregate: one row per client and minute, with how many were found, missed and refused", async () => {
    api = await open();
    await byCode(api, "1001", { address: "10.1.0.9" });
    for (let i = 0; i < 6; i++) await byCode(api, String(9200 + i), { address: "10.1.0.9" });
    await api.call("POST", `${P}/identify/caller`, { token: "web", body: { number: "2002" } });
    // The next minute's first lookup writes the last minute's rows.
    api.now.value = new Date(api.now.value.getTime() + 61_000);
    await byCode(api, "1001", { address: "10.1.0.9" });
    await api.call("POST", `${P}/identify/caller`, { token: "web", body: { number: "2002" } });
    const rows = (await api.call("GET", `${P}/admin/audit?action=identify.lookups`)).json().entries as { client: string; address: string; details: Record<string, unknown> }[];
    expect(rows.map((r) => ({ client: r.client, address: r.address, details: r.details })).sort((a, b) => a.client.localeCompare(b.client))).toEqual([
      { client: "ivr", address: "10.1.0.9", details: { from: expect.any(String), lookups: 7, found: 1, notFound: 5, refused: 1 } },
      { client: "portal", address: "127.0.0.1", details: { from: expect.any(String), lookups: 1, found: 1, notFound: 0, refused: 0 } },
    ]);
  });
});

describe("identification limits' memory", () => {
  it("logs one warning per limited client and minute, and forgets each client with its minute's audit row", async () => {
    let now = new Date("2026-03-02T12:00:00Z");
    const audited: unknown[] = [];
    const warnings: unknown[] = [];
    const ctx = { settings: testSettings({ IDENTIFY_MAX_MISSES_PER_MINUTE: "2" }), clock: () => now, store: { audit: { write: async (...row: unknown[]) => audited.push(row) } } };
    const log = { warn: (fields: unknown) => warnings.push(fields) };
    const limits = new IdentifyLimits(ctx as unknown as ApiContext, log as unknown as FastifyBaseLogger);
    try {
      // 1,000 clients (a token each, from its own address) each guess until refused, twice.
      for (let i = 0; i < 1000; i++) {
        const actor = { client: `ivr-${i}`, address: `10.9.${i >> 8}.${i & 255}` };
        for (let miss = 0; miss < 2; miss++) {
          limits.admit(actor);
          limits.result(actor, false);
        }
        expect(() => limits.admit(actor)).toThrow(/too many identification lookups/);
        expect(() => limits.admit(actor)).toThrow(/too many identification lookups/);
      }
      expect(warnings).toHaveLength(1000);
      expect(limits.clientsTracked).toBe(1000);
      now = new Date(now.getTime() + 61_000);
      await limits.flush(false);
      expect(audited).toHaveLength(1000);
      expect(limits.clientsTracked).toBe(0);
    } finally {
      await limits.close();
    }
  });
});
