import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, signIn, startConsoleServer, type ConsoleServer, type TestBrowser } from "../support/browser.js";

const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
const SLOW = { timeout: 20_000 };

describe("the announcements page, in a real browser", () => {
  let server: ConsoleServer;
  let browser: TestBrowser;
  beforeAll(async () => {
    server = await startConsoleServer(import.meta.filename);
    await server.api.db.store.accounts.create({ username: "ana.souza", name: "Ana Souza", role: "admin", password: "senha-forte-da-ana" }, cli, server.api.now.value);
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("an admin publishes an announcement that callers hear now, and ends it; both are audited under the account", { timeout: 180_000 }, async () => {
    const page = await browser.open(`${server.url}/#/admin/avisos`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Avisos antes do menu" }).isVisible(), SLOW).toBe(true);
    const form = page.getByRole("form", { name: "Novo aviso" });
    await form.getByLabel("Texto do aviso").fill("A rede da Secretaria de Saúde está fora do ar, a equipe já está trabalhando.");
    await form.getByRole("button", { name: "Publicar aviso" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Secretaria de Saúde/ }).textContent(), SLOW).toContain("Tocando");
    const { playing } = await server.api.db.store.announcements.forCallers(server.api.now.value);
    expect(playing.map((a) => a.text)).toEqual(["A rede da Secretaria de Saúde está fora do ar, a equipe já está trabalhando."]);
    await screenshot(page, "admin-avisos");

    await page.getByRole("button", { name: /^Encerrar o aviso/ }).click();
    await expect.poll(() => page.getByRole("row", { name: /Secretaria de Saúde/ }).textContent(), SLOW).toContain("Encerrado");
    expect((await server.api.db.store.announcements.forCallers(server.api.now.value)).playing).toEqual([]);
    const entries = await server.api.db.store.audit.list({ limit: 10, entity: "announcement" });
    expect(entries.map((e) => `${e.action}:${e.client}`).sort()).toEqual(["announcement.create:console:ana.souza", "announcement.end:console:ana.souza"]);
    await page.context().close();
  });

  /** The text under a field, from the element its aria-describedby names, and whether the field is marked invalid. */
  const fieldProblem = async (page: Page, label: string) => {
    const field = page.getByLabel(label, { exact: true });
    const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(" ");
    return { invalid: await field.getAttribute("aria-invalid"), text: (await page.locator(`[id="${ids.at(-1)}"]`).textContent())?.trim() ?? "" };
  };

  it("an end before the start is refused under “Fim”, not above the page, and nothing is published", { timeout: 180_000 }, async () => {
    const page = await browser.open(`${server.url}/#/admin/avisos`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Avisos antes do menu" }).isVisible(), SLOW).toBe(true);
    const before = await server.api.db.store.announcements.list(server.api.now.value);
    const form = page.getByRole("form", { name: "Novo aviso" });
    await form.getByLabel("Texto do aviso").fill("Manutenção programada da central telefônica.");
    await form.getByLabel("Início", { exact: true }).fill("2030-01-02T10:00");
    await form.getByLabel("Fim", { exact: true }).fill("2030-01-02T09:00");
    await form.getByRole("button", { name: "Publicar aviso" }).click();
    await expect.poll(() => fieldProblem(page, "Fim"), SLOW).toEqual({ invalid: "true", text: "Fim: depois do início (ou vazio, para tocar até você encerrar)." });
    // The line above the page stays for refusals no field shows.
    expect(await page.locator("p.problem:not(.field-problem)").count()).toBe(0);
    expect(await fieldProblem(page, "Início")).toEqual({ invalid: null, text: "" });
    expect(await server.api.db.store.announcements.list(server.api.now.value)).toEqual(before);

    // Corrected, it goes through and the refusal is gone.
    await form.getByLabel("Fim", { exact: true }).fill("2030-01-02T11:00");
    await form.getByRole("button", { name: "Publicar aviso" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Manutenção programada/ }).textContent(), SLOW).toContain("Agendado");
    expect(await fieldProblem(page, "Fim")).toEqual({ invalid: null, text: "" });
    await page.context().close();
  });
});
