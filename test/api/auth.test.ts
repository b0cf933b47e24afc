import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PREFIX, ivrRoutes } from "../../src/api/contract.js";
import { createTokenChecker, parseApiTokens, TokenConfigError } from "../../src/api/index.js";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, TOKENS, type TestApi } from "./helper.js";

const SAMPLE: Record<string, string> = { protocol: "202500100001", code: "1001", id: "1", date: "2025-06-19" };
type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Every route of the API, read from its own OpenAPI document, with sample path parameters. */
async function allRoutes(api: TestApi): Promise<{ method: Method; url: string; scopes: boolean; account: boolean }[]> {
  const doc = (await api.call("GET", "/docs/json", { token: null })).json() as {
    paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
  };
  const out: { method: Method; url: string; scopes: boolean; account: boolean }[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      out.push({
        method: method.toUpperCase() as Method,
        url: path.replace(/\{(\w+)\}/g, (_, p: string) => SAMPLE[p] ?? "1"),
        scopes: Boolean(op.security?.some((s) => "bearer" in s)),
        // The console's own routes: a signed-in account (session cookie), no bearer token.
        account: Boolean(op.security?.length) && !op.security?.some((s) => "bearer" in s),
      });
    }
  }
  return out;
}

describe("API tokens", () => {
  it("parses named tokens with scopes, and secrets containing colons", () => {
    expect(parseApiTokens("ivr:ivr:aaaaaaaaaaaaaaaa, ops:admin+web:b:bbbbbbbbbbbbbbb")).toEqual([
      { name: "ivr", scopes: ["ivr"], secret: "aaaaaaaaaaaaaaaa" },
      { name: "ops", scopes: ["admin", "web"], secret: "b:bbbbbbbbbbbbbbb" },
    ]);
  });
  it.each([
    ["ivr:ivr", "not name:scope"],
    ["ivr:root:aaaaaaaaaaaaaaaa", "unknown scope"],
    ["ivr:ivr:short", "shorter than 16"],
    ["a:ivr:aaaaaaaaaaaaaaaa,a:web:bbbbbbbbbbbbbbbb", "appears twice"],
    ["a:ivr:aaaaaaaaaaaaaaaa,b:web:aaaaaaaaaaaaaaaa", "share a secret"],
  ])("refuses %s (%s), naming API_TOKENS", (spec, why) => {
    expect(() => parseApiTokens(spec)).toThrow(TokenConfigError);
    expect(() => parseApiTokens(spec)).toThrow(new RegExp(`API_TOKENS: .*${why}`));
  });
  it("matches a bearer secret to its client, and nothing else", () => {
    const check = createTokenChecker(parseApiTokens("ivr:ivr:aaaaaaaaaaaaaaaa,ops:admin:bbbbbbbbbbbbbbbb"));
    expect(check("Bearer bbbbbbbbbbbbbbbb")?.name).toBe("ops");
    expect(check("bearer aaaaaaaaaaaaaaaa")?.name).toBe("ivr");
    expect(check("Bearer aaaaaaaaaaaaaaa")).toBeNull();
    expect(check("Bearer aaaaaaaaaaaaaaaaa")).toBeNull();
    expect(check("Basic aaaaaaaaaaaaaaaa")).toBeNull();
    expect(check(undefined)).toBeNull();
  });
});

describe.each(DRIVERS)("auth on every endpoint (%s)", (driver) => {
  let api: TestApi;
  let routes: Awaited<ReturnType<typeof allRoutes>>;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename);
    routes = await allRoutes(api);
  });
  afterAll(async () => api?.close());

  it("serves every IVR route of the contract, under /api/v1", () => {
    const have = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const spec of Object.values(ivrRoutes)) {
      const [method, path] = spec.split(" ");
      expect(have).toContain(`${method} ${API_PREFIX}${path!.replace(/:(\w+)/g, (_, p: string) => SAMPLE[p] ?? "1")}`);
    }
    // Every route under /api/v1 needs a token or a console session, except signing in itself.
    expect(routes.filter((r) => r.url.startsWith(API_PREFIX) && !r.scopes && !r.account).map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${API_PREFIX}/session`,
      `GET ${API_PREFIX}/session`,
      `DELETE ${API_PREFIX}/session`,
    ]);
  });

  it("answers 401 with a JSON body to a missing or wrong token", async () => {
    for (const r of routes.filter((x) => x.scopes)) {
      for (const token of [null, "wrong-secret-0123456789abcdef", `${TOKENS.admin}x`]) {
        const res = await api.call(r.method, r.url, { token, body: {} });
        expect(res.statusCode, `${r.method} ${r.url} token=${token}`).toBe(401);
        expect(res.json()).toMatchObject({ error: "unauthorized", message: expect.stringContaining("API_TOKENS") });
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
      }
    }
  });

  it("answers 403 to a token without the route's scope", async () => {
    for (const r of routes.filter((x) => x.scopes)) {
      // The parts' status (issue 15) is for every scope, so no token lacks it: checked below.
      if (r.method === "GET" && r.url === `${API_PREFIX}/status`) continue;
      const token = r.url.startsWith(`${API_PREFIX}/admin`) ? "ivr" : "admin";
      const res = await api.call(r.method, r.url, { token, body: {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      expect(res.json()).toMatchObject({ error: "forbidden" });
    }
    // The IVR-only route refuses the web token too.
    expect((await api.call("POST", `${API_PREFIX}/calls`, { token: "web", body: {} })).statusCode).toBe(403);
    for (const token of ["ivr", "web", "admin"]) expect((await api.call("GET", `${API_PREFIX}/status`, { token })).statusCode, token).toBe(200);
  });

  it("answers 403 to a client address outside the allow-list, even with a good token", async () => {
    for (const r of routes) {
      for (const address of ["10.2.0.1", "192.168.1.10", "2001:db8::1", "::ffff:10.2.0.1"]) {
        const token = r.url.startsWith(`${API_PREFIX}/admin`) ? "admin" : "ivr";
        const res = await api.call(r.method, r.url, { token, address, body: {} });
        expect(res.statusCode, `${r.method} ${r.url} from ${address}`).toBe(403);
        expect(res.json()).toMatchObject({ error: "forbidden", message: `client address ${address} is not in API_ALLOWED_CLIENTS` });
      }
    }
  });

  it("lets allowed addresses in: IPv4 ranges, IPv6 and IPv4-mapped IPv6", async () => {
    for (const address of ["127.0.0.1", "::1", "10.1.200.3", "::ffff:10.1.0.9", "::ffff:127.0.0.1"]) {
      expect((await api.call("GET", "/ping", { address })).statusCode, address).toBe(200);
      expect((await api.call("GET", `${API_PREFIX}/hours`, { token: "ivr", address })).statusCode, address).toBe(200);
    }
  });

  it("never writes a token to the logs", () => {
    const text = api.logs.join("");
    for (const secret of Object.values(TOKENS)) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/authorization/i);
  });
});
