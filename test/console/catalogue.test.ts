import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAll, type RunningApp } from "../../src/app/start.js";
import { command as callCommand } from "../../src/cli/commands/call.js";
import { testSettings, type Settings } from "../../src/config/index.js";
import { ensureConsoleBuilt, launchBrowser, screenshot, signIn, type TestBrowser } from "../support/browser.js";
import { freePort } from "../support/processes.js";

const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
/** espeak-ng synthesises a sentence in well under a second; a loaded machine gets a long while. */
const SLOW = { timeout: 60_000, interval: 250 };

/** `ura call --caller-id 2001 --keys …` in this process, against the running IVR: what it printed. */
async function call(settings: Settings, keys: string): Promise<string> {
  let out = "";
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  const ctx = { settings, stdout, stderr: stdout, stdin: new PassThrough(), logger: pino({ level: "silent" }) };
  await callCommand.run(["--caller-id", "2001", "--keys", keys], ctx);
  return out;
}

/**
 * Issue 12's "a catalogue edit heard in the next simulated call", end to end: `ura start` with the
 * real espeak-ng, the admin page in Chromium, and `ura call` reading what the caller hears (a
 * synthesised file's sentence comes from the TTS cache's own text beside the audio).
 */
describe("the catalogue editor, in a real browser, heard in the next call", () => {
  let dir: string;
  let app: RunningApp;
  let settings: Settings;
  let base: string;
  let browser: TestBrowser;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    dir = mkdtempSync(join(tmpdir(), "ura-catalogue-page-"));
    const apiPort = await freePort();
    settings = testSettings({ DATA_DIR: dir, TTS_ENGINE: "espeak", TTS_PREWARM_WAIT_MS: "120000", AGI_PORT: String(await freePort()), API_PORT: String(apiPort) });
    app = await startAll(settings, pino({ level: "silent" }));
    base = `http://127.0.0.1:${apiPort}`;
    await app.store.accounts.create({ username: "ana.souza", name: "Ana Souza", role: "admin", password: "senha-forte-da-ana" }, cli, new Date());
    await app.store.users.create({ code: "1234", name: "Maria Souza", department: "Saúde", extensions: ["2001"] }, cli, new Date());
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an admin rewrites an option's sentence and adds an option; once the page says callers hear it, the next call does", { timeout: 240_000 }, async () => {
    const page = await browser.open(`${base}/#/admin/menus`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Menus do telefone" }).isVisible(), SLOW).toBe(true);
    await expect.poll(() => page.getByRole("status").textContent(), SLOW).toBe("Quem liga já ouve os menus como estão aqui.");

    // "Ouvir" plays the sentence from our own server, as a WAV the browser can play.
    const audio = page.waitForResponse((r) => r.url().endsWith("/api/v1/admin/catalogue/2/audio"));
    await page.getByRole("button", { name: "Ouvir Computador" }).click();
    const played = await audio;
    expect(played.status()).toBe(200);
    expect(played.headers()["content-type"]).toBe("audio/wav");
    expect((await played.body()).subarray(0, 4).toString("latin1")).toBe("RIFF");

    await page.getByRole("button", { name: "Editar Computador" }).click();
    const edit = page.getByRole("form", { name: "Editar Computador" });
    await edit.getByLabel("Nome", { exact: true }).fill("Computador ou notebook");
    await edit.getByLabel("Frase falada").fill("Para problemas no computador ou no notebook, tecle 2.");
    await edit.getByRole("button", { name: "Salvar" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Editar Computador ou notebook" }).isVisible(), SLOW).toBe(true);

    await page.getByRole("button", { name: "Adicionar opção ao menu principal" }).click();
    const add = page.getByRole("form", { name: "Adicionar opção ao menu principal" });
    expect(await add.getByLabel("Tecla", { exact: true }).inputValue()).toBe("7");
    // A key the menu already uses (Computador's 2): said under "Tecla", marked invalid, not above the page.
    const key = add.getByLabel("Tecla", { exact: true });
    await key.fill("2");
    await add.getByLabel("Nome", { exact: true }).fill("Telefonia");
    await add.getByRole("button", { name: "Adicionar" }).click();
    await expect.poll(() => key.getAttribute("aria-invalid"), SLOW).toBe("true");
    const describedBy = (await key.getAttribute("aria-describedby"))!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe("Essa tecla já é usada neste menu.");
    expect(await page.locator("p.problem:not(.field-problem)").count()).toBe(0);
    await key.fill("8");
    await add.getByRole("button", { name: "Adicionar" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Editar Telefonia" }).isVisible(), SLOW).toBe(true);
    // The page says when the new sentences are synthesised (callers hear the old menus until then).
    await expect.poll(() => page.getByRole("status").textContent(), SLOW).toBe("Quem liga já ouve os menus como estão aqui.");
    await screenshot(page, "admin-menus");

    // Main menu "1" (open a ticket; from her own extension nothing is asked), then hang up at the service menu.
    const heard = await call(settings, "1,h");
    const menu = heard.slice(heard.indexOf("service-menu"));
    expect(menu).toMatch(/tts [0-9a-f]{8}: Para problemas no computador ou no notebook, tecle 2\./);
    expect(menu).toMatch(/tts [0-9a-f]{8}: Telefonia, 8\./);
    expect(menu).not.toMatch(/: Computador, 2\./);

    // Every change is in the audit log under the account's name.
    const entries = await app.store.audit.list({ limit: 5, entity: "service" });
    expect(entries.map((e) => `${e.client} ${e.action}`)).toEqual(expect.arrayContaining(["console:ana.souza service.update", "console:ana.souza service.create"]));
    await page.context().close();
  });

  it("options trade places with up/down, and an option without tickets is removed", { timeout: 120_000 }, async () => {
    const page = await browser.open(`${base}/#/admin/menus`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    const impressoras = page.getByRole("list", { name: "Impressoras" });
    const firstTwo = async () => (await impressoras.getByRole("listitem").allTextContents()).slice(0, 2);
    await expect.poll(firstTwo, SLOW).toEqual([expect.stringMatching(/^1Instalar/), expect.stringMatching(/^2Configurar/)]);
    await page.getByRole("button", { name: "Subir Configurar" }).click();
    await expect.poll(firstTwo, SLOW).toEqual([expect.stringMatching(/^1Configurar/), expect.stringMatching(/^2Instalar/)]);

    page.on("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Remover Telefonia" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Editar Telefonia" }).count(), SLOW).toBe(0);
    const [removed] = await app.store.audit.list({ limit: 1, entity: "service" });
    expect(removed).toMatchObject({ client: "console:ana.souza", action: "service.delete" });
    await page.context().close();
  });
});
