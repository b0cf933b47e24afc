import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError, type CliContext } from "../../src/cli/command.js";
import { command } from "../../src/cli/commands/whatsapp.js";
import { testSettings, type Settings } from "../../src/config/index.js";
import { startWhatsappService, type WhatsappService } from "../../src/whatsapp/index.js";
import { FakeVenomClient } from "../support/fake-venom.js";
import { captureLogs } from "../support/logs.js";

function context(settings: Settings) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  err.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const ctx: CliContext = { settings, stdout: out, stderr: err, stdin: new PassThrough(), logger: captureLogs().logger };
  return { ctx, stdout: () => stdout, stderr: () => stderr };
}

describe("ura whatsapp", () => {
  let dir: string;
  let service: WhatsappService | undefined;
  let venom: FakeVenomClient;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-cli-wa-"));
    venom = new FakeVenomClient({ state: "starting" });
    service = await startWhatsappService(testSettings({ DATA_DIR: dir, WHATSAPP_TOKEN: "t" }), {
      logger: captureLogs().logger,
      client: venom,
      terminal: new PassThrough(),
      port: 0,
    });
  });
  afterEach(async () => {
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const settings = (extra: Record<string, string> = {}) =>
    testSettings({ DATA_DIR: dir, WHATSAPP_URL: service!.url, WHATSAPP_TOKEN: "t", ...extra });

  it("status: says what state the session is in, exit 1 until connected, 0 once it is", async () => {
    venom.showQr();
    const waiting = context(settings());
    expect(await command.run(["status"], waiting.ctx)).toBe(1);
    expect(waiting.stdout()).toMatch(/state: +qr/);
    expect(waiting.stdout()).toMatch(/linked: +no/);
    expect(waiting.stdout()).toMatch(/ura whatsapp qr/);

    venom.link();
    const linked = context(settings());
    expect(await command.run(["status"], linked.ctx)).toBe(0);
    expect(linked.stdout()).toMatch(/connected: yes/);
  });

  it("qr: draws the QR in the terminal, or says why there is none", async () => {
    const none = context(settings());
    expect(await command.run(["qr"], none.ctx)).toBe(1);
    expect(none.stderr()).toMatch(/no QR code yet/);

    venom.showQr("2@abc,def");
    const shown = context(settings());
    expect(await command.run(["qr"], shown.ctx)).toBe(0);
    expect(shown.stdout()).toMatch(/Linked devices/);
    expect(shown.stdout()).toMatch(/[▀▄█]/);
  });

  it("status: a service that is not running is said plainly", async () => {
    await service!.close();
    const down = context(settings());
    expect(await command.run(["status"], down.ctx)).toBe(1);
    expect(down.stderr()).toMatch(/does not answer \(ECONNREFUSED\); is `ura whatsapp` running\?/);
    service = undefined;
  });

  it("send: goes through the configured driver and reports the outcome", async () => {
    venom.link();
    const ok = context(settings({ SENDER_DRIVER: "venom" }));
    expect(await command.run(["send", "(45)", "9", "9999-9999", "teste"], ok.ctx)).toBe(1); // the phone is one argument
    const sent = context(settings({ SENDER_DRIVER: "venom" }));
    expect(await command.run(["send", "(45) 9 9999-9999", "teste", "da", "URA"], sent.ctx)).toBe(0);
    expect(sent.stdout()).toMatch(/accepted by the venom sender: [0-9a-f-]{36}/);
    venom.logout();
    const refused = context(settings({ SENDER_DRIVER: "venom" }));
    expect(await command.run(["send", "+5545999999999", "x"], refused.ctx)).toBe(1);
    expect(refused.stderr()).toMatch(/unavailable: .*not linked/);
  });

  it("refuses an unknown sub-command or a send without text", async () => {
    await expect(command.run(["restart"], context(settings()).ctx)).rejects.toBeInstanceOf(UsageError);
    await expect(command.run(["send", "+5545999999999"], context(settings()).ctx)).rejects.toBeInstanceOf(UsageError);
  });
});
