import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_PREFIX,
  catalogueResponse,
  hoursResponse,
  identifyByCallerResponse,
  identifyByCodeResponse,
  openTicketResponse,
  otpRequestResponse,
  otpVerifyResponse,
  ticketStatusResponse,
} from "../../src/api/contract.js";
import { SenderRejectedError, SenderUnavailableError } from "../../src/domain/index.js";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

const P = API_PREFIX;
const at = (local: string) => new Date(`${local}-03:00`);

describe.each(DRIVERS)("the IVR's routes (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename, { OTP_MAX_PER_HOUR: "4", OTP_MAX_FAILURES: "5" });
    const users = [
      { code: "1001", name: "Ana Souza", phone: "(45) 99911-1111", extensions: ["2001"], department: "Saúde" },
      { code: "1002", name: "Bruno Lima", phone: "(45) 99922-2222", extensions: ["2100"] },
      { code: "1003", name: "Carla Dias", phone: "(45) 99933-3333", extensions: ["2100"] },
      { code: "1004", name: "Davi Sem Celular" },
    ];
    for (const u of users) expect((await api.call("POST", `${P}/admin/users`, { body: u })).statusCode).toBe(201);
  });
  afterAll(async () => api?.close());

  it("identifies by user code, and refuses unknown or inactive codes alike", async () => {
    const res = await api.call("POST", `${P}/identify/code`, { token: "ivr", body: { code: "1001" } });
    expect(res.statusCode).toBe(200);
    expect(identifyByCodeResponse.parse(res.json())).toEqual({
      user: { code: "1001", name: "Ana Souza", department: "Saúde", phoneMasked: "+55*******1111" },
    });
    await api.call("POST", `${P}/admin/users`, { body: { code: "1009", name: "Inativo", active: false } });
    for (const code of ["9999", "1009"]) {
      const r = await api.call("POST", `${P}/identify/code`, { token: "ivr", body: { code } });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toEqual({ error: "unknown_user", message: "no active user with that code" });
    }
  });

  it("identifies by caller number: unique, shared, none", async () => {
    const ask = async (number: string) => identifyByCallerResponse.parse((await api.call("POST", `${P}/identify/caller`, { token: "ivr", body: { number } })).json());
    expect(await ask("2001")).toMatchObject({ match: "unique", user: { code: "1001" } });
    expect(await ask("2100")).toEqual({ match: "shared" });
    expect(await ask("5555")).toEqual({ match: "none" });
  });

  it("sends a one-time code and accepts it once", async () => {
    api.nextCode.value = "482913";
    const sent = await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1001", callId: "1717.1", callerNumber: "2001" } });
    expect(sent.statusCode).toBe(202);
    expect(otpRequestResponse.parse(sent.json())).toEqual({ expiresAt: new Date(api.now.value.getTime() + 300_000).toISOString(), phoneMasked: "+55*******1111" });
    expect(api.sender.sent.at(-1)).toEqual({ phone: "+5545999111111", text: "Seu código de acesso ao suporte de TI é 482913. Ele vale por 5 minutos.", id: expect.stringMatching(/^otp-/) });
    const verify = (code: string) => api.call("POST", `${P}/otp/verify`, { token: "ivr", body: { userCode: "1001", code } });
    expect(otpVerifyResponse.parse((await verify("000000")).json())).toEqual({ ok: false, reason: "wrong", attemptsLeft: 2 });
    expect((await verify("482913")).json()).toEqual({ ok: true });
    expect((await verify("482913")).json()).toEqual({ ok: false, reason: "none", attemptsLeft: 0 });
  });

  it("rejects an expired code and holds the hourly cap with 429", async () => {
    api.nextCode.value = "555111";
    await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1002" } });
    const t0 = api.now.value;
    api.now.value = new Date(t0.getTime() + 301_000);
    expect((await api.call("POST", `${P}/otp/verify`, { token: "ivr", body: { userCode: "1002", code: "555111" } })).json()).toEqual({
      ok: false,
      reason: "expired",
      attemptsLeft: 0,
    });
    for (let i = 0; i < 3; i++) expect((await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1002" } })).statusCode).toBe(202);
    const limited = await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1002" } });
    expect(limited.statusCode).toBe(429);
    // scope: the user's cap (no calling number here), what the IVR tells the caller.
    expect(limited.json()).toMatchObject({ error: "rate_limited", scope: "user" });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    api.now.value = t0;
  });

  it("maps sender failures and missing phones to clear errors", async () => {
    api.sender.fail = new SenderUnavailableError("session not linked");
    const down = await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1003" } });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ error: "sender_unavailable" });
    api.sender.fail = new SenderRejectedError("not_on_whatsapp", "no account");
    const refused = await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1003" } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: "sender_rejected" });
    api.sender.fail = null;
    expect((await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1004" } })).json()).toMatchObject({ error: "no_phone" });
    expect((await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "4040" } })).statusCode).toBe(404);
  });

  it("cools a calling number down after too many wrong codes: 423 with when it ends, which it does by itself", async () => {
    const failures = api.db.settings.OTP_MAX_FAILURES;
    const cooldownMs = api.db.settings.OTP_COOLDOWN_MINUTES * 60_000;
    await api.call("POST", `${P}/admin/users`, { body: { code: "1010", name: "Tenta Muito", phone: "(45) 99900-1010", extensions: ["2010"] } });
    const request = (callerNumber: string) => api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1010", callerNumber } });
    const intruder = "(45) 3222-9999";
    let last: Record<string, unknown> = {};
    const firstFailure = api.now.value.getTime();
    for (let i = 0; i < failures; i++) {
      if (i % 3 === 0) expect((await request(intruder)).statusCode).toBe(202);
      api.now.value = new Date(api.now.value.getTime() + 1000);
      last = (await api.call("POST", `${P}/otp/verify`, { token: "ivr", body: { userCode: "1010", code: "000000" } })).json();
    }
    const until = new Date(firstFailure + 1000 + cooldownMs).toISOString();
    // scope: what cooled down is the calling number (what the IVR says to the caller).
    expect(last).toEqual({ ok: false, reason: "locked", attemptsLeft: 0, until, scope: "caller" });
    const refused = await request(intruder);
    expect(refused.statusCode).toBe(423);
    expect(refused.json()).toMatchObject({ error: "locked", until, retryAfterSeconds: expect.any(Number), scope: "caller" });
    expect(Number(refused.headers["retry-after"])).toBe(refused.json().retryAfterSeconds);
    expect((await api.call("GET", `${P}/admin/users/1010`)).json().user).toMatchObject({ otpLocked: true });
    // The user's own extension is not cooled down.
    expect((await request("2010")).statusCode).toBe(202);
    // The cool-down ends by itself.
    api.now.value = new Date(Date.parse(until) + 1);
    expect((await api.call("GET", `${P}/admin/users/1010`)).json().user).toMatchObject({ otpLocked: false });
    expect((await request(intruder)).statusCode).toBe(202);
  });

  it("an admin can end a cool-down early", async () => {
    await api.call("POST", `${P}/admin/users`, { body: { code: "1011", name: "Tenta Demais", phone: "(45) 99900-1011" } });
    const intruder = "(45) 3222-9998";
    for (let i = 0; i < api.db.settings.OTP_MAX_FAILURES; i++) {
      if (i % 3 === 0) {
        api.now.value = new Date(api.now.value.getTime() + 60_000);
        await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1011", callerNumber: intruder } });
      }
      await api.call("POST", `${P}/otp/verify`, { token: "ivr", body: { userCode: "1011", code: "000000" } });
    }
    expect((await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1011", callerNumber: intruder } })).statusCode).toBe(423);
    expect((await api.call("POST", `${P}/admin/users/1011/otp-reset`)).json().user).toMatchObject({ otpLocked: false, otpFailures: 0 });
    expect((await api.call("POST", `${P}/otp/request`, { token: "ivr", body: { userCode: "1011", callerNumber: intruder } })).statusCode).toBe(202);
  });

  it("serves the catalogue the IVR reads its menus from", async () => {
    const body = catalogueResponse.parse((await api.call("GET", `${P}/catalogue`, { token: "ivr" })).json());
    expect(body.services.map((s) => s.key)).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(body.services[5]).toMatchObject({ label: "Ramal", children: [{ id: 601, key: "1", label: "Problema com ramal", children: [] }] });
  });

  it("opens a ticket once per call, and shows its status only to its requester", async () => {
    api.now.value = at("2025-06-02T10:15:00");
    const open = () => api.call("POST", `${P}/tickets`, { token: "ivr", body: { userCode: "1001", serviceId: 202, source: "phone", callId: "1717333200.42" } });
    const first = await open();
    expect(first.statusCode).toBe(201);
    const { ticket, created } = openTicketResponse.parse(first.json());
    expect(created).toBe(true);
    expect(ticket).toMatchObject({ status: "open", source: "phone", requester: { code: "1001", name: "Ana Souza" }, service: { path: "Computador > Não liga" } });
    expect(ticket.updatedAtLocal).toBe("2025-06-02T10:15:00-03:00");
    const again = await open();
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ticket, created: false });

    const mine = await api.call("GET", `${P}/tickets/${ticket.protocol}?userCode=1001`, { token: "ivr" });
    expect(mine.statusCode).toBe(200);
    expect(ticketStatusResponse.parse(mine.json()).ticket.protocol).toBe(ticket.protocol);
    const someoneElse = await api.call("GET", `${P}/tickets/${ticket.protocol}?userCode=1002`, { token: "ivr" });
    const unknown = await api.call("GET", `${P}/tickets/209900199999?userCode=1002`, { token: "ivr" });
    expect(someoneElse.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(someoneElse.body).toBe(unknown.body);
    expect(someoneElse.headers["content-type"]).toBe(unknown.headers["content-type"]);
  });

  it("refuses a menu (not a leaf), an unknown service and an unknown user", async () => {
    const post = (body: object) => api.call("POST", `${P}/tickets`, { token: "web", body });
    expect((await post({ userCode: "1001", serviceId: 2 })).json()).toMatchObject({ error: "validation", field: "serviceId" });
    expect((await post({ userCode: "1001", serviceId: 9999 })).json()).toMatchObject({ error: "unknown_service" });
    expect((await post({ userCode: "4040", serviceId: 202 })).json()).toMatchObject({ error: "unknown_user" });
  });

  it("200 concurrent opens for 50 call ids make exactly 50 tickets with 50 distinct protocols", async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        api.call("POST", `${P}/tickets`, { token: "ivr", body: { userCode: "1002", serviceId: 303, source: "phone", callId: `burst.${i % 50}` } }),
      ),
    );
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 201)).toBe(true);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(50);
    const byCall = new Map<number, Set<string>>();
    results.forEach((r, i) => byCall.set(i % 50, (byCall.get(i % 50) ?? new Set()).add(r.json().ticket.protocol)));
    expect([...byCall.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set(results.map((r) => r.json().ticket.protocol)).size).toBe(50);
    const listed = await api.call("GET", `${P}/admin/tickets?userCode=1002&limit=500`);
    expect(listed.json().total).toBe(50);
  });

  it("says whether the help desk is open, at 17:59 on a holiday too", async () => {
    api.now.value = at("2025-06-02T16:59:00");
    expect(hoursResponse.parse((await api.call("GET", `${P}/hours`, { token: "ivr" })).json())).toMatchObject({ open: true, reason: "open" });
    await api.call("PUT", `${P}/admin/holidays/2025-06-19`, { body: { name: "Corpus Christi" } });
    api.now.value = at("2025-06-19T17:59:00");
    expect((await api.call("GET", `${P}/hours`, { token: "ivr" })).json()).toEqual({
      open: false,
      reason: "holiday",
      holidayName: "Corpus Christi",
      nextOpenAt: "2025-06-20T11:00:00.000Z",
      nextOpenAtLocal: "2025-06-20T08:00:00-03:00",
    });
  });

  it("records a call's outcome, upserting by call id", async () => {
    const body = {
      callId: "1717333200.42",
      callerNumber: "+55 45 99911-1111",
      userCode: "1001",
      outcome: "abandoned",
      step: "service-menu",
      ticketProtocol: null,
      startedAt: "2025-06-02T13:14:00.000Z",
      durationMs: 61_000,
    };
    const first = await api.call("POST", `${P}/calls`, { token: "ivr", body });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ callId: body.callId, created: true });
    const second = await api.call("POST", `${P}/calls`, { token: "ivr", body: { ...body, outcome: "ticket", step: null, ticketProtocol: "202500100001" } });
    expect(second.statusCode).toBe(200);
    expect(await api.db.store.calls.get(body.callId)).toMatchObject({ outcome: "ticket", durationMs: 61_000, userCode: "1001" });
  });

  it("records a transfer to the technicians, tells the console, and answers the desk phones' caller name", async () => {
    const seen: unknown[] = [];
    const stop = api.db.store.events.subscribe((e) => seen.push(e));
    try {
      const body = { callId: "1717333200.77", callerNumber: "2001", userCode: "1001", identifiedBy: "caller-id", serviceId: 2 };
      const res = await api.call("POST", `${P}/transfers`, { token: "ivr", body });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ callId: body.callId, callerName: "Ana Souza · 1001" });
      expect(seen).toEqual([
        {
          type: "call-transferred",
          transfer: {
            callId: body.callId,
            callerNumber: "2001",
            user: { code: "1001", name: "Ana Souza", department: "Saúde" },
            identifiedBy: "caller-id",
            service: { id: 2, path: "Computador" },
            at: api.now.value.toISOString(),
          },
        },
      ]);
      const anonymous = await api.call("POST", `${P}/transfers`, { token: "ivr", body: { ...body, callId: "1717333200.78", userCode: null, identifiedBy: null, serviceId: null } });
      expect(anonymous.json()).toEqual({ callId: "1717333200.78", callerName: null });
      const bad = await api.call("POST", `${P}/transfers`, { token: "ivr", body: { ...body, identifiedBy: "palpite" } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe("identifiedBy");
      expect((await api.call("POST", `${P}/transfers`, { token: "web", body })).statusCode).toBe(403);
    } finally {
      stop();
    }
  });

  it("answers /ping, /health and /docs", async () => {
    expect((await api.call("GET", "/ping", { token: null })).json()).toEqual({ pong: true });
    expect((await api.call("GET", "/health", { token: null })).json()).toEqual({ status: "ok", database: driver });
    expect((await api.call("GET", "/docs", { token: null })).statusCode).toBe(200);
    const doc = (await api.call("GET", "/docs/json", { token: null })).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths[`${P}/tickets`].post.requestBody).toBeDefined();
  });

  it("keeps phone numbers masked and codes out of the logs", () => {
    const text = api.logs.join("");
    expect(text).toContain("one-time code sent");
    expect(text).toContain("+55*******1111");
    for (const clear of ["99911-1111", "5545999111111", "482913", "555111"]) expect(text).not.toContain(clear);
  });
});

describe.each(DRIVERS)("health when the database is gone (%s)", (driver) => {
  it("answers 503", async () => {
    const api = await openTestApi(driver, `${import.meta.filename}-health`);
    try {
      await api.db.store.close();
      const res = await api.call("GET", "/health", { token: null });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: "unavailable", error: "database_unreachable" });
    } finally {
      await api.app.close();
      await api.db.cleanup().catch(() => undefined);
    }
  });
});
