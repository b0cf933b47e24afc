import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

const PASSWORD = "senha-forte-da-ana";

/** The session cookie a sign-in set, as a Cookie header. */
function cookieOf(setCookie: string | string[] | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0]! : setCookie!;
  return line.split(";")[0]!;
}

describe.each(DRIVERS)("console sessions (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename, { CONSOLE_SIGNIN_MAX_FAILURES: "3", CONSOLE_SIGNIN_WINDOW_MINUTES: "15" });
    const actor = { client: "cli:root", address: null };
    await api.db.store.accounts.create({ username: "ana.souza", name: "Ana Souza", role: "admin", password: PASSWORD }, actor, api.now.value);
    await api.db.store.accounts.create({ username: "bruno", name: "Bruno Lima", role: "technician", extension: "2001", password: "senha-do-bruno-123" }, actor, api.now.value);
  });
  afterAll(async () => api?.close());

  const signIn = (username: string, password: string, address = "127.0.0.1") =>
    api.call("POST", "/api/v1/session", { token: null, body: { username, password }, address });

  it("signs in with an httpOnly, SameSite=Strict cookie, and keeps only a digest of it", async () => {
    const res = await signIn("Ana.Souza", PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ account: { username: "ana.souza", name: "Ana Souza", role: "admin" }, csrfToken: expect.any(String) });
    const cookie = String(res.headers["set-cookie"]);
    expect(cookie).toMatch(/^ura_sessao=[\w-]{40,};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    const token = cookieOf(res.headers["set-cookie"]).split("=")[1]!;
    const rows = JSON.stringify(await api.db.store.db.all("SELECT * FROM console_sessions"));
    expect(rows).not.toContain(token);
    const me = await api.call("GET", "/api/v1/session", { token: null, headers: { cookie: cookieOf(res.headers["set-cookie"]) } });
    expect(me.statusCode).toBe(200);
    expect(me.json().csrfToken).toBe(res.json().csrfToken);
  });

  it("GET /session answers from the one look-up of the cookie's session", async () => {
    const signedIn = await signIn("bruno", "senha-do-bruno-123");
    const resolve = vi.spyOn(api.db.store.sessions, "resolve");
    try {
      const me = await api.call("GET", "/api/v1/session", { token: null, headers: { cookie: cookieOf(signedIn.headers["set-cookie"]) } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual({ account: expect.objectContaining({ username: "bruno", name: "Bruno Lima" }), csrfToken: signedIn.json().csrfToken, expiresAt: signedIn.json().expiresAt });
      expect(resolve).toHaveBeenCalledTimes(1);
    } finally {
      resolve.mockRestore();
    }
  });

  it("refuses a wrong password and an unknown name alike (401), and says nothing of which", async () => {
    const wrong = await signIn("bruno", "not-his-password", "10.1.0.7");
    const unknown = await signIn("ninguem", "whatever-password", "10.1.0.7");
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.headers["set-cookie"]).toBeUndefined();
  });

  it("rate-limits refused sign-ins per user name: 429 with Retry-After, even with the right password, until the window passes", async () => {
    await api.db.store.accounts.create({ username: "carla", name: "Carla Dias", role: "technician", password: "senha-da-carla-123" }, { client: "cli:root", address: null }, api.now.value);
    for (let i = 0; i < 3; i++) expect((await signIn("carla", `wrong-${i}-password`, "10.1.0.8")).statusCode).toBe(401);
    const limited = await signIn("carla", "senha-da-carla-123", "10.1.0.9");
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: "rate_limited" });
    // Another user is not held back by Carla's failures.
    expect((await signIn("ana.souza", PASSWORD, "10.1.0.9")).statusCode).toBe(200);
    api.now.value = new Date(api.now.value.getTime() + 16 * 60_000);
    expect((await signIn("carla", "senha-da-carla-123", "10.1.0.9")).statusCode).toBe(200);
  });

  it("refuses a state-changing request that carries the cookie but not the CSRF token (403), and accepts it with the token", async () => {
    const res = await signIn("ana.souza", PASSWORD);
    const cookie = cookieOf(res.headers["set-cookie"]);
    const body = { code: "7001", name: "Carla Dias", phone: null, department: "Saúde", extensions: [] };
    const refused = await api.call("POST", "/api/v1/admin/users", { token: null, body, headers: { cookie } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: "csrf" });
    const wrong = await api.call("POST", "/api/v1/admin/users", { token: null, body, headers: { cookie, "x-csrf-token": "x".repeat(43) } });
    expect(wrong.statusCode).toBe(403);
    const foreign = await api.call("POST", "/api/v1/admin/users", { token: null, body, headers: { cookie, "x-csrf-token": res.json().csrfToken, origin: "http://evil.example" } });
    expect(foreign.statusCode).toBe(403);
    expect(await api.db.store.users.byCode("7001")).toBeNull();

    const ok = await api.call("POST", "/api/v1/admin/users", { token: null, body, headers: { cookie, "x-csrf-token": res.json().csrfToken } });
    expect(ok.statusCode).toBe(201);
    // The audit log names the account that made the change.
    const [entry] = await api.db.store.audit.list({ limit: 1, entity: "user", entityId: "7001" });
    expect(entry).toMatchObject({ client: "console:ana.souza", action: "user.create" });
  });

  it("gives a technician's session no admin route (403), and no session at all nothing (401)", async () => {
    const res = await signIn("bruno", "senha-do-bruno-123");
    const cookie = cookieOf(res.headers["set-cookie"]);
    expect((await api.call("GET", "/api/v1/admin/users", { token: null, headers: { cookie } })).statusCode).toBe(403);
    expect((await api.call("GET", "/api/v1/admin/users", { token: null, headers: { cookie: "ura_sessao=forged-token-0123456789abcdef0123" } })).statusCode).toBe(401);
    // The machines' bearer tokens work as before.
    expect((await api.call("GET", "/api/v1/admin/users", { token: "admin" })).statusCode).toBe(200);
  });

  it("ends the session at sign-out, on deactivation, and after the idle time", async () => {
    const first = cookieOf((await signIn("bruno", "senha-do-bruno-123")).headers["set-cookie"]);
    const me = () => api.call("GET", "/api/v1/session", { token: null, headers: { cookie: first } });
    expect((await me()).statusCode).toBe(200);
    const csrf = (await me()).json().csrfToken as string;
    const out = await api.call("DELETE", "/api/v1/session", { token: null, headers: { cookie: first, "x-csrf-token": csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers["set-cookie"])).toContain("Max-Age=0");
    expect((await me()).statusCode).toBe(401);

    const second = cookieOf((await signIn("bruno", "senha-do-bruno-123")).headers["set-cookie"]);
    await api.call("PATCH", "/api/v1/admin/accounts/bruno", { token: "admin", body: { active: false } });
    expect((await api.call("GET", "/api/v1/session", { token: null, headers: { cookie: second } })).statusCode).toBe(401);
    expect((await signIn("bruno", "senha-do-bruno-123")).statusCode).toBe(401);
    await api.call("PATCH", "/api/v1/admin/accounts/bruno", { token: "admin", body: { active: true } });

    const third = cookieOf((await signIn("bruno", "senha-do-bruno-123")).headers["set-cookie"]);
    api.now.value = new Date(api.now.value.getTime() + (api.db.settings.CONSOLE_SESSION_IDLE_MINUTES + 1) * 60_000);
    expect((await api.call("GET", "/api/v1/session", { token: null, headers: { cookie: third } })).statusCode).toBe(401);
  });

  it("keeps one active admin: the last one cannot be demoted or deactivated", async () => {
    const res = await api.call("PATCH", "/api/v1/admin/accounts/ana.souza", { token: "admin", body: { role: "technician" } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: "last_admin", field: "role" });
  });

  it("makes kiosk tokens that are shown once, open no API route, and can be revoked", async () => {
    const made = await api.call("POST", "/api/v1/admin/kiosk-tokens", { token: "admin", body: { name: "TV da sala de TI" } });
    expect(made.statusCode).toBe(201);
    const { token, kiosk } = made.json() as { token: string; kiosk: { id: number } };
    expect(await api.db.store.kiosks.resolve(token, api.now.value)).toMatchObject({ name: "TV da sala de TI" });
    expect(JSON.stringify((await api.call("GET", "/api/v1/admin/kiosk-tokens", { token: "admin" })).json())).not.toContain(token);
    expect((await api.call("GET", "/api/v1/admin/users", { token })).statusCode).toBe(401);
    expect((await api.call("DELETE", `/api/v1/admin/kiosk-tokens/${kiosk.id}`, { token: "admin" })).json()).toMatchObject({ kiosk: { revokedAt: expect.any(String) } });
    expect(await api.db.store.kiosks.resolve(token, api.now.value)).toBeNull();
  });

  it("never writes a password, a session token or a kiosk token to the logs", () => {
    const text = api.logs.join("");
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain("senha-do-bruno-123");
    expect(text).not.toMatch(/ura_sessao=[\w-]{20}/);
    expect(text).not.toMatch(/quiosque-[\w-]{20}/);
  });
});
