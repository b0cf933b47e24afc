import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LivenessBoard } from "../../src/domain/index.js";
import { TOKENS } from "../api/helper.js";
import { launchBrowser, screenshot, signIn, startConsoleServer, type ConsoleServer, type TestBrowser } from "../support/browser.js";

const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
/** The page looks every 5 s; on a loaded machine give it several rounds. */
const LIVE = { timeout: 30_000, interval: 250 };
/** Silent this long = OFFLINE here (30 s in production), so the test waits seconds, not half a minute. */
const SILENCE_MS = 3_000;

/**
 * Issue 15's "the console has a status page that updates live": two parts post heartbeats over
 * HTTP to the real API as `ura ivr` and `ura whatsapp` do; one stops, and the open page shows it
 * OFFLINE without a reload, then ONLINE again when it comes back.
 */
describe("the status page, in a real browser", () => {
  let server: ConsoleServer;
  let browser: TestBrowser;
  const reporting = new Set(["ivr@pbx1", "whatsapp"]);
  let beats: ReturnType<typeof setInterval> | undefined;

  const beat = async (name: string) => {
    const kind = name.startsWith("ivr") ? "ivr" : "whatsapp";
    const state = kind === "ivr" ? "2 calls, 0 waiting" : "connected";
    const res = await fetch(`${server.url}/api/v1/heartbeats`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.ivr}`, "content-type": "application/json" },
      body: JSON.stringify({ name, kind, version: "1.4.0", host: name === "whatsapp" ? "zap1" : "pbx1", state }),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    server = await startConsoleServer(import.meta.filename, { liveness: new LivenessBoard({ silenceMs: SILENCE_MS }) });
    await server.api.db.store.accounts.create({ username: "ana.souza", name: "Ana Souza", role: "admin", password: "senha-forte-da-ana" }, cli, server.api.now.value);
    // Every part beats every second here (every 10 s in production); the API's clock follows the real one.
    const round = () => {
      server.api.now.value = new Date();
      for (const name of reporting) void beat(name);
    };
    round();
    beats = setInterval(round, 1_000);
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    clearInterval(beats);
    await browser?.close();
    await server?.close();
  });

  it("shows every part with its version, host and state; a part that stops reporting turns OFFLINE on the open page, and ONLINE when it is back", { timeout: 180_000 }, async () => {
    const page = await browser.open(`${server.url}/#/admin/estado`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Estado do sistema" }).isVisible(), LIVE).toBe(true);
    const row = (name: string) => page.getByRole("row", { name: new RegExp(name) });
    await expect.poll(() => page.getByRole("status").textContent(), LIVE).toBe("Todas as 2 partes estão ONLINE.");
    expect(await page.getByRole("table").getByRole("row").first().textContent()).toBe("ParteTipoSituaçãoÚltimo avisoVersãoServidorEstado informado");
    expect(await row("ivr@pbx1").textContent()).toMatch(/^ivr@pbx1Nó da URAONLINE desde \d\d:\d\d:\d\dhá \d+ s1\.4\.0pbx12 calls, 0 waiting$/);
    expect(await row("whatsapp").textContent()).toContain("Serviço do WhatsApp");
    // A mark in the page's memory: gone if anything reloads it.
    await page.evaluate(() => ((globalThis as unknown as { sameDocument: boolean }).sameDocument = true));

    reporting.delete("whatsapp");
    await expect.poll(() => row("whatsapp").textContent(), LIVE).toContain("OFFLINE");
    expect(await page.getByRole("status").textContent()).toBe("1 de 2 partes OFFLINE: whatsapp.");
    expect(await row("ivr@pbx1").textContent()).toContain("ONLINE");
    expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await screenshot(page, "admin-estado");

    reporting.add("whatsapp");
    await expect.poll(() => row("whatsapp").textContent(), LIVE).toContain("ONLINE");
    await expect.poll(() => page.getByRole("status").textContent(), LIVE).toBe("Todas as 2 partes estão ONLINE.");
    expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await page.context().close();
  });
});
