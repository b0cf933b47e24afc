import { freePort as closedPort } from "../support/processes.js";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testSettings } from "../../src/config/index.js";
import { SenderRejectedError, SenderUnavailableError } from "../../src/domain/index.js";
import { createSender, lastOutboxMessage, outboxPath } from "../../src/whatsapp/index.js";

describe("createSender", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-sender-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("log: writes the message to DATA_DIR/outbox.jsonl, where ura call finds it", async () => {
    const settings = testSettings({ DATA_DIR: dir });
    const sender = createSender(settings);
    expect(sender.driver).toBe("log");
    const { id } = await sender.send({ phone: "+5545999999999", text: "código 123456" });
    const last = await lastOutboxMessage(outboxPath(settings), "+5545999999999");
    expect(last).toMatchObject({ id, text: "código 123456" });
    expect(await readFile(join(dir, "outbox.jsonl"), "utf8")).toContain(id);
  });

  it("venom: refuses an invalid number before any network call", async () => {
    const sender = createSender(testSettings({ SENDER_DRIVER: "venom", DATA_DIR: dir, WHATSAPP_TOKEN: "t" }));
    expect(sender.driver).toBe("venom");
    await expect(sender.send({ phone: "123", text: "x" })).rejects.toBeInstanceOf(SenderRejectedError);
  });

  it("venom: without WHATSAPP_TOKEN and without the service's token file, says what to do", async () => {
    const sender = createSender(testSettings({ SENDER_DRIVER: "venom", DATA_DIR: dir }));
    const failure = await sender.send({ phone: "+5545999999999", text: "x" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SenderUnavailableError);
    expect((failure as Error).message).toMatch(/WHATSAPP_TOKEN/);
  });

  it("loading the whatsapp module (as the ticket API does) does not load venom-bot", () => {
    const probe = `
      import { createRequire } from "node:module";
      const whatsapp = await import("./src/whatsapp/index.ts");
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("venom-bot"));
      console.log(JSON.stringify({ exports: typeof whatsapp.createSender, venom: loaded.length }));`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], { encoding: "utf8" });
    expect(run.stderr).not.toMatch(/Error/);
    expect(JSON.parse(run.stdout.trim().split("\n").pop()!)).toEqual({ exports: "function", venom: 0 });
  });

  it("venom: a service that is not running is unavailable, within the time limit", async () => {
    const port = await closedPort();
    const sender = createSender(
      testSettings({ SENDER_DRIVER: "venom", DATA_DIR: dir, WHATSAPP_TOKEN: "t", WHATSAPP_URL: `http://127.0.0.1:${port}`, SENDER_TIMEOUT_MS: "500" }),
    );
    await expect(sender.send({ phone: "+5545999999999", text: "x" })).rejects.toThrow(/unreachable \(ECONNREFUSED\)/);
  });
});

/** A loopback port nothing listens on. */

describe("whatsappServiceUrl", () => {
  it("keeps a reverse proxy's path prefix in WHATSAPP_URL, with or without a trailing slash", async () => {
    const { whatsappServiceUrl } = await import("../../src/whatsapp/index.js");
    expect(whatsappServiceUrl("https://proxy.lan/wa", "/api/auth/status").toString()).toBe("https://proxy.lan/wa/api/auth/status");
    expect(whatsappServiceUrl("https://proxy.lan/wa/", "api/send-message").toString()).toBe("https://proxy.lan/wa/api/send-message");
    expect(whatsappServiceUrl("http://127.0.0.1:8090", "/health").toString()).toBe("http://127.0.0.1:8090/health");
  });
});
