import { connect, type AddressInfo } from "node:net";
import { once } from "node:events";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { DeliveryQueue } from "../../src/whatsapp/delivery-queue.js";
import { buildServer } from "../../src/whatsapp/server.js";
import { FakeVenomClient, type FakeVenomOptions } from "../support/fake-venom.js";
import { SteppedTimers } from "../support/stepped-timers.js";
import { eventually } from "../support/eventually.js";
import { captureLogs } from "../support/logs.js";

const TOKEN = "s3cret-token-for-tests";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const PHONE = "(45) 9 9999-9999";
const WA_ID = "5545999999999@c.us";
const CODE_TEXT = "Prefeitura: seu código de acesso à URA é 482913. Vale por 5 minutos.";

interface Setup extends FakeVenomOptions {
  maxSize?: number;
  perNumberPerMinute?: number;
  allowedClients?: string[];
  acceptWhileDownMs?: number;
  maxAgeMs?: number;
  callTimeoutMs?: number;
  linkedMarkerFile?: string;
}

let open: Array<{ app: FastifyInstance; queue: DeliveryQueue }> = [];
afterEach(async () => {
  for (const { app, queue } of open) {
    queue.close();
    await app.close();
  }
  open = [];
});

async function service(setup: Setup = {}) {
  const clock = new SteppedTimers();
  const venom = new FakeVenomClient({ now: clock.now, ...setup });
  const logs = captureLogs();
  const queue = new DeliveryQueue({
    client: venom,
    logger: logs.logger,
    maxSize: setup.maxSize ?? 100,
    perNumberPerMinute: setup.perNumberPerMinute ?? 100,
    timers: clock,
    retry: { initialMs: 100, maxMs: 1000 },
    maxAgeMs: setup.maxAgeMs,
    callTimeoutMs: setup.callTimeoutMs ?? 200,
  });
  const app = await buildServer({
    client: venom,
    queue,
    token: TOKEN,
    allowedClients: setup.allowedClients ?? ["127.0.0.1", "::1"],
    logger: logs.logger,
    acceptWhileDownMs: setup.acceptWhileDownMs,
    timers: clock,
    linkedMarkerFile: setup.linkedMarkerFile,
  });
  open.push({ app, queue });
  const send = (payload: Record<string, unknown>, headers: Record<string, string> = AUTH) =>
    app.inject({ method: "POST", url: "/api/send-message", headers, payload });
  return { venom, queue, app, clock, logs, send };
}

describe("POST /api/send-message: who may send", () => {
  it.each([
    ["no Authorization header", {}],
    ["a wrong token", { authorization: "Bearer not-the-token" }],
    ["the right token in another scheme", { authorization: `Basic ${TOKEN}` }],
    ["a token with a suffix", { authorization: `Bearer ${TOKEN}x` }],
  ])("refuses %s with 401 JSON and queues nothing", async (_name, headers) => {
    const { send, venom, queue } = await service();
    const response = await send({ phone: PHONE, message: CODE_TEXT }, headers);
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toMatch(/application\/json/);
    expect(response.json()).toMatchObject({ error: "unauthorized", message: expect.stringMatching(/WHATSAPP_TOKEN/) });
    expect(queue.size).toBe(0);
    expect(venom.delivered).toEqual([]);
  });

  it("refuses a client address outside WHATSAPP_ALLOWED_CLIENTS with 403, even with the token", async () => {
    const { send, app } = await service({ allowedClients: ["10.20.0.0/16"] });
    const response = await send({ phone: PHONE, message: CODE_TEXT });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: "forbidden", message: expect.stringMatching(/127\.0\.0\.1.*WHATSAPP_ALLOWED_CLIENTS/) });
    expect((await app.inject({ url: "/api/auth/status" })).statusCode).toBe(403);
    // Liveness stays answerable for monitoring.
    expect((await app.inject({ url: "/health" })).statusCode).toBe(200);
  });
});

describe("POST /api/send-message: what is accepted", () => {
  it("queues a valid message (202 with its id) and WhatsApp receives it once", async () => {
    const { send, venom } = await service();
    const response = await send({ phone: PHONE, message: CODE_TEXT });
    expect(response.statusCode).toBe(202);
    const { id } = response.json<{ id: string }>();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => venom.delivered.length === 1, 2000, "delivery");
    expect(venom.delivered).toEqual([{ to: WA_ID, text: CODE_TEXT }]);
  });

  it.each([
    [{ message: CODE_TEXT }, "phone"],
    [{ phone: PHONE }, "message"],
    [{ phone: 5545999999999, message: CODE_TEXT }, "phone"],
    [{ phone: PHONE, message: "" }, "message"],
    [{ phone: PHONE, message: "x".repeat(4097) }, "message"],
    [{ phone: PHONE, message: CODE_TEXT, id: "has spaces" }, "id"],
    // A misspelt optional field is said, not dropped: `ID` would silently lose the idempotency key.
    [{ phone: PHONE, message: CODE_TEXT, ID: "ivr-1" }, "ID"],
  ])("answers 400 naming the field for %j", async (payload, fieldName) => {
    const { send } = await service();
    const response = await send(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_request", field: fieldName, message: expect.stringContaining(fieldName) });
  });

  it("answers 413 JSON to a body over 16 kB, and 415 to one that is not JSON", async () => {
    const { send, app, queue } = await service();
    const big = await send({ phone: PHONE, message: CODE_TEXT, padding: "x".repeat(17 * 1024) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: "too_large" });
    const text = await app.inject({ method: "POST", url: "/api/send-message", headers: { ...AUTH, "content-type": "application/xml" }, payload: "<message/>" });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: "unsupported_media_type" });
    expect(queue.size).toBe(0);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const { app } = await service();
    const response = await app.inject({
      method: "POST",
      url: "/api/send-message",
      headers: { ...AUTH, "content-type": "application/json" },
      payload: "{phone:",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_request" });
  });

  it.each([
    ["(20) 99999-9999", /area code/],
    ["99999-9999", /area code/],
    ["+1 650 555 1234", /not a Brazilian number/],
    ["(45) 3220-1234", /landline/],
  ])("answers 400 invalid_number for %s", async (phone, why) => {
    const { send } = await service();
    const response = await send({ phone, message: CODE_TEXT });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_number", field: "phone", message: expect.stringMatching(why) });
  });

  it("answers 422 at once for a number without WhatsApp", async () => {
    const { send, queue } = await service({ accounts: ["5545988887777@c.us"] });
    const response = await send({ phone: "(45) 99999-0000", message: CODE_TEXT });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ error: "not_on_whatsapp", field: "phone" });
    expect(queue.size).toBe(0);
  });

  it("delivers to the eight-digit id of an account older than the ninth digit, and remembers it", async () => {
    const { send, venom } = await service({ accounts: ["554599990000@c.us"] });
    expect((await send({ phone: "(45) 9 9999-0000", message: "primeira" })).statusCode).toBe(202);
    expect((await send({ phone: "045 99999 0000", message: "segunda" })).statusCode).toBe(202);
    await eventually(() => venom.delivered.length === 2, 2000, "two deliveries");
    expect(venom.delivered.map((d) => d.to)).toEqual(["554599990000@c.us", "554599990000@c.us"]);
    // Both forms were asked about once; the second message used the cache.
    expect(venom.lookups).toEqual(["5545999990000@c.us", "554599990000@c.us"]);
  });
});

describe("POST /api/send-message when WhatsApp is not there", () => {
  it("answers 503 at once while the number is not linked (QR pending), and queues nothing", async () => {
    const { send, venom, queue } = await service({ state: "qr" });
    venom.showQr();
    const started = Date.now();
    const response = await send({ phone: PHONE, message: CODE_TEXT });
    expect(Date.now() - started).toBeLessThan(500);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: "whatsapp_unavailable", state: "qr", message: expect.stringMatching(/not linked/) });
    expect(queue.size).toBe(0);
  });

  it("answers 503 after WhatsApp logged the session out", async () => {
    const { send, venom } = await service();
    venom.logout();
    const response = await send({ phone: PHONE, message: CODE_TEXT });
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toMatch(/logged out from the phone/);
  });

  it("answers 503 when the session cannot start, saying why", async () => {
    const { send, venom } = await service({ state: "starting" });
    venom.fail("failed", "cannot open https://web.whatsapp.com: web.whatsapp.com cannot be resolved (ENOTFOUND)");
    const response = await send({ phone: PHONE, message: CODE_TEXT });
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toMatch(/ENOTFOUND/);
  });

  it("queues during a drop, retries with backoff, and delivers each message exactly once when the session is back", async () => {
    const { send, venom, queue, clock } = await service();
    venom.drop();
    const ids: string[] = [];
    for (const n of ["1111", "2222", "3333"]) {
      const response = await send({ phone: `(45) 9 8888-${n}`, message: `código ${n}00` });
      expect(response.statusCode).toBe(202);
      ids.push(response.json<{ id: string }>().id);
    }
    expect(queue.size).toBe(3);
    await clock.advance(5000); // several backoff rounds while down
    expect(venom.delivered).toEqual([]);
    expect(venom.sendAttempts).toBe(0);

    venom.recover();
    await eventually(() => venom.delivered.length === 3, 2000, "three deliveries");
    await clock.advance(60_000); // nothing more may follow
    expect(venom.delivered.map((d) => d.text)).toEqual(["código 111100", "código 222200", "código 333300"]);
    expect(queue.size).toBe(0);
  });

  it("keeps a message whose send failed and delivers it once when WhatsApp takes it", async () => {
    const { send, venom, queue, clock } = await service();
    venom.failNextSends(new Error("Evaluation failed: page crashed"), new Error("still failing"));
    expect((await send({ phone: PHONE, message: CODE_TEXT })).statusCode).toBe(202);
    await clock.until(() => venom.delivered.length === 1, "delivery after two failures");
    expect(venom.sendAttempts).toBe(3);
    await clock.advance(60_000);
    expect(venom.delivered).toHaveLength(1);
    expect(queue.stats()).toMatchObject({ queued: 0, delivered: 1, failedAttempts: 2 });
  });

  it("retries a send that never answered, after the call time limit", async () => {
    const { send, venom, clock } = await service({ callTimeoutMs: 5000 });
    venom.failNextSends("hang");
    expect((await send({ phone: PHONE, message: CODE_TEXT })).statusCode).toBe(202);
    await clock.advance(4999);
    expect(venom.delivered).toEqual([]);
    await clock.until(() => venom.delivered.length === 1, "delivery after a hung call");
    expect(venom.sendAttempts).toBe(2);
  });

  it("recovers when the drop happens mid-queue", async () => {
    const { send, venom, clock } = await service();
    venom.failNextSends(new Error("connection lost"));
    expect((await send({ phone: PHONE, message: "um" })).statusCode).toBe(202);
    venom.drop("network");
    expect((await send({ phone: "(45) 9 8888-1111", message: "dois" })).statusCode).toBe(202);
    await clock.advance(5000);
    expect(venom.delivered).toEqual([]);
    venom.recover();
    await eventually(() => venom.delivered.length === 2, 2000, "both deliveries");
    await clock.advance(60_000);
    expect(venom.delivered.map((d) => d.text).sort()).toEqual(["dois", "um"]);
  });

  it("answers 503 once the session has been down longer than a code can wait", async () => {
    const { send, venom, clock } = await service({ acceptWhileDownMs: 60_000 });
    venom.drop();
    expect((await send({ phone: PHONE, message: "a" })).statusCode).toBe(202);
    await clock.advance(61_000);
    const response = await send({ phone: "(45) 9 8888-1111", message: "b" });
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toMatch(/disconnected for 61 s/);
  });

  it("drops a message that waited longer than a code lives, and says so in the log", async () => {
    const { send, venom, clock, logs, queue } = await service({ maxAgeMs: 600_000 });
    venom.drop();
    expect((await send({ phone: PHONE, message: CODE_TEXT })).statusCode).toBe(202);
    await clock.advance(601_000);
    venom.recover();
    await eventually(() => queue.size === 0, 2000, "the queue to empty");
    expect(venom.delivered).toEqual([]);
    expect(logs.text()).toMatch(/too old to be useful/);
  });
});

describe("nothing is sent twice", () => {
  it("a request repeated with the same id is queued and delivered once", async () => {
    const { send, venom, clock } = await service();
    venom.drop();
    const payload = { phone: PHONE, message: CODE_TEXT, id: "otp-7f3a-1" };
    const first = await send(payload);
    const again = await send(payload);
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ id: "otp-7f3a-1", duplicate: true });
    venom.recover();
    await eventually(() => venom.delivered.length === 1, 2000, "delivery");
    const late = await send(payload); // after delivery too
    expect(late.json()).toMatchObject({ id: "otp-7f3a-1", duplicate: true });
    await clock.advance(60_000);
    expect(venom.delivered).toHaveLength(1);
  });

  it("many messages through drops and failures: each delivered exactly once", async () => {
    const { send, venom, clock } = await service({ perNumberPerMinute: 100 });
    const texts: string[] = [];
    for (let i = 0; i < 30; i++) {
      if (i === 5) venom.drop();
      if (i === 12) venom.recover();
      if (i === 15) venom.failNextSends(new Error("flaky"), new Error("flaky"));
      if (i === 20) venom.drop();
      const text = `mensagem ${i}`;
      texts.push(text);
      expect((await send({ phone: PHONE, message: text })).statusCode).toBe(202);
    }
    venom.recover();
    await clock.until(() => venom.delivered.length === 30, "30 deliveries");
    await clock.advance(60_000);
    expect(venom.delivered.map((d) => d.text).sort()).toEqual([...texts].sort());
  });
});

describe("limits", () => {
  it("a full queue refuses with 429 queue_full, a clear message and Retry-After", async () => {
    const { send, venom, queue } = await service({ maxSize: 2 });
    venom.drop();
    expect((await send({ phone: "(45) 9 8888-0001", message: "a" })).statusCode).toBe(202);
    expect((await send({ phone: "(45) 9 8888-0002", message: "b" })).statusCode).toBe(202);
    const refused = await send({ phone: "(45) 9 8888-0003", message: "c" });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      error: "queue_full",
      message: "the outbound queue is full (2 messages waiting for WhatsApp); try again later",
    });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(queue.size).toBe(2);
    venom.recover();
    await eventually(() => queue.size === 0, 2000, "the queue to drain");
    expect((await send({ phone: "(45) 9 8888-0003", message: "c" })).statusCode).toBe(202);
  });

  it("limits messages per number per minute, and lets the next minute through", async () => {
    const { send, clock } = await service({ perNumberPerMinute: 2 });
    expect((await send({ phone: PHONE, message: "1" })).statusCode).toBe(202);
    expect((await send({ phone: "+55 45 99999-9999", message: "2" })).statusCode).toBe(202); // same number, other shape
    const third = await send({ phone: PHONE, message: "3" });
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ error: "rate_limited" });
    expect(Number(third.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect((await send({ phone: "(45) 9 8888-1111", message: "other number" })).statusCode).toBe(202);
    await clock.advance(60_001);
    expect((await send({ phone: PHONE, message: "4" })).statusCode).toBe(202);
  });
});

describe("GET /api/auth/status and /api/auth/qr", () => {
  it("shows the QR as PNG (and as text) while waiting for the scan, then 404 once linked", async () => {
    const { app, venom } = await service({ state: "qr" });
    expect((await app.inject({ url: "/api/auth/qr" })).statusCode).toBe(404); // no QR yet
    venom.showQr("2@AbCdEf==,xyz,123", 1);

    const status = await app.inject({ url: "/api/auth/status" });
    expect(status.json()).toMatchObject({ linked: false, connected: false, state: "qr", qrAvailable: true });

    const png = await app.inject({ url: "/api/auth/qr" });
    expect(png.statusCode).toBe(200);
    expect(png.headers["content-type"]).toBe("image/png");
    expect(png.headers["cache-control"]).toBe("no-store");
    expect(png.rawPayload.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const text = await app.inject({ url: "/api/auth/qr?format=text" });
    expect(text.headers["content-type"]).toMatch(/text\/plain/);
    expect(text.body).toMatch(/[▀▄█]/);

    venom.link();
    const linked = await app.inject({ url: "/api/auth/status" });
    expect(linked.json()).toMatchObject({ linked: true, connected: true, state: "connected", qrAvailable: false });
    const gone = await app.inject({ url: "/api/auth/qr" });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ error: "no_qr", message: "the number is already linked" });
  });

  it("reports a drop as linked but not connected, with the queue", async () => {
    const { app, venom, send } = await service();
    venom.drop("phone offline");
    await send({ phone: PHONE, message: "x" });
    const status = (await app.inject({ url: "/api/auth/status" })).json();
    expect(status).toMatchObject({ linked: true, connected: false, state: "disconnected", detail: "phone offline", queue: { queued: 1, max: 100 } });
    const health = (await app.inject({ url: "/health" })).json();
    expect(health).toEqual({ status: "ok", whatsapp: "disconnected", linked: true, connected: false, queued: 1 });
  });
});

describe("GET /health: healthy only while the service can deliver or will by itself", () => {
  const health = async (app: FastifyInstance) => {
    const res = await app.inject({ url: "/health" });
    return { code: res.statusCode, body: res.json<Record<string, unknown>>() };
  };

  it.each([
    ["connected", (_v: FakeVenomClient) => undefined, "connected"],
    ["starting (a restart of a linked session)", (v: FakeVenomClient) => v.fail("starting", "starting Chromium"), "starting"],
    ["disconnected (a drop: the queue rides it out)", (v: FakeVenomClient) => v.drop("network"), "disconnected"],
  ])("answers 200 ok while %s", async (_name, act, state) => {
    const { app, venom } = await service();
    act(venom);
    expect(await health(app)).toEqual({ code: 200, body: { status: "ok", whatsapp: state, linked: true, connected: state === "connected", queued: 0 } });
  });

  it("keeps answering 200 while disconnected for long: send-message refuses, but only the network or the phone can fix it", async () => {
    const { app, venom, clock, send } = await service({ acceptWhileDownMs: 60_000 });
    venom.drop("phone offline");
    await clock.advance(3_600_000);
    expect((await send({ phone: PHONE, message: "x" })).statusCode).toBe(503);
    expect((await health(app)).code).toBe(200);
  });

  it("answers 200 on a fresh install waiting for its first QR scan (a health check must not restart it in a loop)", async () => {
    const { app, venom } = await service({ state: "starting" });
    venom.showQr();
    expect(await health(app)).toEqual({ code: 200, body: { status: "ok", whatsapp: "qr", linked: false, connected: false, queued: 0 } });
    venom.link();
    expect((await health(app)).body).toMatchObject({ status: "ok", whatsapp: "connected" });
  });

  it("answers 503 degraded, with state and detail, once WhatsApp logged the number out, and while the new QR waits", async () => {
    const { app, venom } = await service();
    venom.logout();
    const loggedOut = await health(app);
    expect(loggedOut.code).toBe(503);
    expect(loggedOut.body).toMatchObject({
      status: "degraded",
      whatsapp: "logged_out",
      linked: false,
      connected: false,
      detail: expect.stringMatching(/logged the number out \(logged out from the phone\): scan a new QR code/),
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    venom.fail("starting", "starting Chromium"); // a restart after the logout is no recovery
    expect((await health(app)).code).toBe(503);
    venom.showQr();
    const relink = await health(app);
    expect(relink.code).toBe(503);
    expect(relink.body).toMatchObject({ status: "degraded", whatsapp: "qr", detail: expect.stringMatching(/was linked and no longer is/) });
    venom.link(); // scanned: healthy again
    expect((await health(app)).code).toBe(200);
  });

  it("answers 503 degraded when the session fails, also through the retries, until it gets somewhere", async () => {
    const { app, venom } = await service({ state: "starting" });
    venom.fail("failed", "web.whatsapp.com cannot be resolved (ENOTFOUND)");
    const failed = await health(app);
    expect(failed.code).toBe(503);
    expect(failed.body).toMatchObject({ status: "degraded", whatsapp: "failed", detail: expect.stringMatching(/cannot start \(.*ENOTFOUND/) });
    venom.fail("starting", "starting Chromium");
    const retrying = await health(app);
    expect(retrying.code).toBe(503);
    expect(retrying.body.detail).toMatch(/restarting after being failed \(.*ENOTFOUND/);
    venom.showQr(); // reached WhatsApp: a first link is pending, nothing is broken
    expect((await health(app)).code).toBe(200);
  });

  it("remembers across a restart that the number was linked: a QR then is a lost link, not a first one", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "ura-wa-health-")), "session", "ura.linked");
    const first = await service({ state: "starting", linkedMarkerFile: marker });
    first.venom.showQr();
    expect((await health(first.app)).code).toBe(200);
    expect(existsSync(marker)).toBe(false);
    first.venom.link();
    await eventually(() => existsSync(marker), 2000, "the linked marker");

    // The service restarts (a reboot after a logout): WhatsApp Web shows a QR again.
    const second = await service({ state: "starting", linkedMarkerFile: marker });
    expect((await health(second.app)).code).toBe(200); // starting: may still load the stored session
    second.venom.showQr();
    expect(await health(second.app)).toMatchObject({ code: 503, body: { status: "degraded", whatsapp: "qr" } });

    // Without the marker (the session directory was removed to link another number): a first link.
    const fresh = await service({ state: "starting", linkedMarkerFile: join(tmpdir(), "no-such-dir-ura", "ura.linked") });
    fresh.venom.showQr();
    expect((await health(fresh.app)).code).toBe(200);
  });

  it("a marker file that cannot be written is logged, and /health still answers", async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), "ura-wa-health-")), "file");
    writeFileSync(blocker, "not a directory");
    const { app, logs } = await service({ linkedMarkerFile: join(blocker, "ura.linked") });
    await eventually(() => /could not record that the number is linked/.test(logs.text()), 2000, "the warning");
    expect((await health(app)).code).toBe(200);
  });

  it("answers 503 while the service is closing", async () => {
    const { app, venom } = await service();
    await venom.close();
    expect(await health(app)).toMatchObject({ code: 503, body: { status: "degraded", whatsapp: "closed" } });
  });
});

describe("logs", () => {
  it("never hold the message text in full: digit runs are masked, numbers show only their last digits", async () => {
    const { send, venom, logs, clock } = await service();
    venom.failNextSends(new Error("flaky"));
    await send({ phone: PHONE, message: CODE_TEXT });
    await clock.until(() => venom.delivered.length === 1, "delivery");
    const text = logs.text();
    expect(text).not.toContain("482913");
    expect(text).not.toContain("45999999999");
    expect(text).toContain("******");
    expect(text).toContain("+55*******9999");
    expect(logs.lines().some((l) => l.msg === "message delivered")).toBe(true);
  });
});

describe("stopping the service", () => {
  it("closes at once while a client holds a connection it never sent a request on (fetch's spare after an aborted send)", async () => {
    const { app } = await service();
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const accepted = once(app.server, "connection");
    const unused = connect(port, "127.0.0.1");
    await once(unused, "connect");
    await accepted;
    const closed = new Promise<boolean>((resolve) => unused.once("close", () => resolve(true)));
    await app.close();
    expect(await closed).toBe(true);
  });
});
