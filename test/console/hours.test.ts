import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, signIn, startConsoleServer, type ConsoleServer, type TestBrowser } from "../support/browser.js";

const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
const SLOW = { timeout: 20_000 };

/** The text under a field (the element its aria-describedby names), whether it is marked invalid, and whether the line above the page says anything. */
async function fieldProblem(page: Page, field: Locator) {
  const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(" ");
  return {
    invalid: await field.getAttribute("aria-invalid"),
    text: (await page.locator(`[id="${ids.at(-1)}"]`).textContent())?.trim() ?? "",
    abovePage: await page.locator("p.problem:not(.field-problem)").count(),
  };
}

describe("the business hours and holidays page, in a real browser", () => {
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

  it("an admin adds and removes a holiday, and changes Friday's hours; a closing time before the opening one is refused, naming it", { timeout: 180_000 }, async () => {
    const store = server.api.db.store;
    const page = await browser.open(`${server.url}/#/admin/horarios`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Horário de atendimento e feriados" }).isVisible(), SLOW).toBe(true);
    await expect.poll(() => page.getByLabel("Sexta-feira, intervalo 2: fecha às").inputValue(), SLOW).toBe("17:00");
    expect(await page.getByRole("row", { name: /Domingo/ }).textContent()).toContain("Fechado");

    // A holiday: the IVR is closed all day. A name of spaces only is refused under the name.
    const form = page.getByRole("form", { name: "Novo feriado" });
    await form.getByLabel("Data").fill("2025-12-08");
    await form.getByLabel("Nome do feriado").fill("   ");
    await form.getByRole("button", { name: "Adicionar feriado" }).click();
    await expect.poll(() => fieldProblem(page, form.getByLabel("Nome do feriado")), SLOW).toEqual({ invalid: "true", text: "Informe o nome.", abovePage: 0 });
    expect(await store.hours.holidays()).not.toEqual(expect.arrayContaining([expect.objectContaining({ date: "2025-12-08" })]));
    await form.getByLabel("Data").fill("2025-12-08");
    await form.getByLabel("Nome do feriado").fill("Dia da padroeira");
    await form.getByRole("button", { name: "Adicionar feriado" }).click();
    await expect.poll(() => page.getByRole("status").textContent(), SLOW).toBe("Feriado de 08/12/2025 salvo: Dia da padroeira.");
    expect(await page.getByRole("table", { name: "Feriados" }).getByRole("row", { name: /padroeira/ }).textContent()).toContain("08/12/2025");
    expect(await store.hours.holidays()).toEqual(expect.arrayContaining([{ date: "2025-12-08", name: "Dia da padroeira" }]));

    // Friday closes at 16:00 now; and Saturday morning opens.
    await page.getByLabel("Sexta-feira, intervalo 2: fecha às").fill("16:00");
    await page.getByRole("button", { name: "Adicionar intervalo em Sábado" }).click();
    await page.getByLabel("Sábado, intervalo 1: abre às").fill("08:00");
    await page.getByLabel("Sábado, intervalo 1: fecha às").fill("07:00");
    await page.getByRole("button", { name: "Salvar horário" }).click();
    await expect.poll(() => page.getByRole("alert").textContent(), SLOW).toBe("Horário: cada intervalo fecha depois de abrir, com horas de 00:00 a 24:00.");
    // Said in Saturday's row, under the interval the API named, which is marked; not above the page, and Friday's is not marked.
    expect(await fieldProblem(page, page.getByLabel("Sábado, intervalo 1: fecha às"))).toEqual({
      invalid: "true",
      text: "Horário: cada intervalo fecha depois de abrir, com horas de 00:00 a 24:00.",
      abovePage: 0,
    });
    expect(await page.getByLabel("Sábado, intervalo 1: abre às").getAttribute("aria-invalid")).toBe("true");
    expect((await fieldProblem(page, page.getByLabel("Sexta-feira, intervalo 2: fecha às"))).invalid).toBeNull();
    expect(await page.getByRole("row", { name: /Sábado/ }).getByRole("alert").textContent()).toContain("cada intervalo fecha depois de abrir");
    expect((await store.hours.schedule()).filter((i) => i.weekday === 6)).toEqual([]);
    await page.getByLabel("Sábado, intervalo 1: fecha às").fill("12:00");
    await page.getByRole("button", { name: "Salvar horário" }).click();
    await expect.poll(() => page.getByRole("status").textContent(), SLOW).toBe("Horário da semana salvo.");
    expect(await fieldProblem(page, page.getByLabel("Sábado, intervalo 1: fecha às"))).toEqual({ invalid: null, text: "", abovePage: 0 });
    const schedule = await store.hours.schedule();
    expect(schedule.filter((i) => i.weekday >= 5)).toEqual([
      { weekday: 5, opens: "08:00", closes: "12:00" },
      { weekday: 5, opens: "13:00", closes: "16:00" },
      { weekday: 6, opens: "08:00", closes: "12:00" },
    ]);
    await screenshot(page, "admin-horarios");

    await page.getByRole("button", { name: "Remover o feriado Dia da padroeira (08/12/2025)" }).click();
    await expect.poll(() => page.getByRole("status").textContent(), SLOW).toBe("Feriado de 08/12/2025 removido.");
    expect((await store.hours.holidays()).some((h) => h.date === "2025-12-08")).toBe(false);

    // Each change is in the audit log under the account's name.
    const entries = await store.audit.list({ limit: 10 });
    expect(entries.filter((e) => e.client === "console:ana.souza").map((e) => e.action)).toEqual(expect.arrayContaining(["schedule.set", "holiday.delete"]));
    await page.context().close();
  });
});
