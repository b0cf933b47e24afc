import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testSettings, type Settings } from "../../src/config/index.js";
import { SenderRejectedError, SenderUnavailableError, type MessageSender } from "../../src/domain/index.js";
import { createSender } from "../../src/whatsapp/index.js";
import { startWhatsappService, type WhatsappService } from "../../src/whatsapp/service.js";
import { FakeVenomClient, type FakeVenomOptions } from "../support/fake-venom.js";
import { SteppedTimers } from "../support/stepped-timers.js";
import { eventually } from "../support/eventually.js";
import { captureLogs } from "../support/logs.js";

const PHONE = "+5545999999999";

describe("venom driver (HTTP client) against the real ura whatsapp service with a fake session", () => {
  let dir: string;
  let running: WhatsappService | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-whatsapp-"));
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(overrides: Record<string, string> = {}, fake: FakeVenomOptions = {}) {
    const venom = new FakeVenomClient(fake);
    const clock = new SteppedTimers();
    const logs = captureLogs();
    const terminal = new PassThrough();
    let drawn = "";
    terminal.on("data", (chunk: Buffer) => (drawn += chunk.toString("utf8")));
    const serviceSettings = testSettings({ DATA_DIR: dir, WHATSAPP_PORT: "8090", ...overrides });
    running = await startWhatsappService(serviceSettings, {
      logger: logs.logger,
      client: venom,
      terminal,
      port: 0,
      queue: { retry: { initialMs: 100, maxMs: 1000 }, timers: clock },
    });
    const clientSettings: Settings = testSettings({
      DATA_DIR: dir,
      SENDER_DRIVER: "venom",
      WHATSAPP_URL: running.url,
      SENDER_TIMEOUT_MS: "1000",
      ...(overrides.WHATSAPP_TOKEN ? { WHATSAPP_TOKEN: overrides.WHATSAPP_TOKEN } : {}),
    });
    const sender: MessageSender = createSender(clientSettings);
    return { venom, logs, sender, clock, drawn: () => drawn, service: running };
  }

  it("hands a message over and WhatsApp receives it; the id is the caller's when given", async () => {
    const { venom, sender, clock } = await start({ WHATSAPP_TOKEN: "shared-secret" });
    const result = await sender.send({ phone: "(45) 9 9999-9999", text: "Seu código é 123456", id: "otp-1" });
    expect(result).toEqual({ id: "otp-1" });
    await eventually(() => venom.delivered.length === 1, 2000, "delivery");
    expect(venom.delivered).toEqual([{ to: "5545999999999@c.us", text: "Seu código é 123456" }]);
    // The same id again (the API retrying after a timeout) is not sent twice.
    expect(await sender.send({ phone: PHONE, text: "Seu código é 123456", id: "otp-1" })).toEqual({ id: "otp-1" });
    await clock.advance(60_000); // nothing more may follow
    expect(venom.delivered).toHaveLength(1);
  });

  it("with WHATSAPP_TOKEN empty, the service makes a private token file and a client on the same DATA_DIR uses it", async () => {
    const { venom, sender } = await start();
    const file = join(dir, "whatsapp-token.local");
    expect((await readFile(file, "utf8")).trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await sender.send({ phone: PHONE, text: "oi" });
    await eventually(() => venom.delivered.length === 1, 2000, "delivery");
  });

  it("a wrong token is SenderUnavailableError that names WHATSAPP_TOKEN", async () => {
    const { service } = await start({ WHATSAPP_TOKEN: "right" });
    const wrong = createSender(testSettings({ SENDER_DRIVER: "venom", WHATSAPP_URL: service.url, WHATSAPP_TOKEN: "wrong" }));
    const failure = await wrong.send({ phone: PHONE, text: "x" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SenderUnavailableError);
    expect((failure as Error).message).toMatch(/401.*WHATSAPP_TOKEN/);
  });

  it("an unlinked session is SenderUnavailableError at once (the IVR falls back)", async () => {
    const { sender, venom } = await start({ WHATSAPP_TOKEN: "t" }, { state: "qr" });
    venom.showQr();
    const started = Date.now();
    const failure = await sender.send({ phone: PHONE, text: "x" }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(500);
    expect(failure).toBeInstanceOf(SenderUnavailableError);
    expect((failure as Error).message).toMatch(/503.*not linked/);
  });

  it("maps the service's refusals to SenderRejectedError reasons", async () => {
    const { sender, venom } = await start(
      { WHATSAPP_TOKEN: "t", WHATSAPP_PER_NUMBER_PER_MINUTE: "1", WHATSAPP_QUEUE_MAX: "2" },
      { accounts: ["5545999999999@c.us", "5545988881111@c.us", "5545988882222@c.us", "5545988883333@c.us"] },
    );
    const reason = (p: Promise<unknown>) => p.then(() => "accepted", (e: unknown) => (e as SenderRejectedError).reason);

    expect(await reason(sender.send({ phone: "+5545999990000", text: "x" }))).toBe("not_on_whatsapp");
    expect(await reason(sender.send({ phone: "+554532201234", text: "x" }))).toBe("invalid_number"); // landline
    venom.drop();
    expect(await reason(sender.send({ phone: PHONE, text: "1" }))).toBe("accepted");
    expect(await reason(sender.send({ phone: PHONE, text: "2" }))).toBe("rate_limited");
    expect(await reason(sender.send({ phone: "+5545988881111", text: "3" }))).toBe("accepted");
    expect(await reason(sender.send({ phone: "+5545988882222", text: "4" }))).toBe("queue_full");
  });

  it("a slow service is SenderUnavailableError after SENDER_TIMEOUT_MS", async () => {
    const { service, venom } = await start({ WHATSAPP_TOKEN: "t" });
    venom.slowLookups(1200);
    const impatient = createSender(
      testSettings({ SENDER_DRIVER: "venom", WHATSAPP_URL: service.url, WHATSAPP_TOKEN: "t", SENDER_TIMEOUT_MS: "200" }),
    );
    await expect(impatient.send({ phone: PHONE, text: "x" })).rejects.toThrow(/did not answer within 200 ms/);
  });

  it("a stopped service is SenderUnavailableError", async () => {
    const { sender, service } = await start({ WHATSAPP_TOKEN: "t" });
    await service.close();
    running = undefined;
    await expect(sender.send({ phone: PHONE, text: "x" })).rejects.toThrow(/unreachable/);
  });

  it("draws each new QR in the terminal and logs link and unlink events", async () => {
    const { venom, logs, drawn, service } = await start({ WHATSAPP_TOKEN: "t" }, { state: "starting" });
    venom.showQr("2@first,code", 1);
    await eventually(() => drawn().includes("Linked devices"), 2000, "the QR in the terminal");
    expect(drawn()).toMatch(/[▀▄█]/);
    expect(drawn()).toContain("/api/auth/qr");
    venom.link();
    venom.drop("phone offline");
    venom.recover();
    venom.logout();
    const messages = logs.lines().map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        "WhatsApp session qr",
        "WhatsApp linked",
        "WhatsApp connected: messages go out",
        "WhatsApp disconnected: messages wait in the queue",
        "WhatsApp unlinked: scan a new QR code to link the number again",
      ]),
    );
    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(503); // logged out: nothing goes out until someone scans again
    expect(await health.json()).toMatchObject({ status: "degraded", whatsapp: "logged_out", linked: false });
  });
});
