import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, signIn, startConsoleServer, type ConsoleServer, type TestBrowser } from "../support/browser.js";

const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
const SLOW = { timeout: 20_000 };

/**
 * The identification rules and the guidance texts, edited on their admin pages in a real browser
 * against the real API (SQLite): what the admin saves is what the IVR's own routes then answer,
 * and a value the API refuses is shown under the field it names.
 */
describe("the identification and guidance pages, in a real browser", () => {
  let server: ConsoleServer;
  let browser: TestBrowser;
  beforeAll(async () => {
    server = await startConsoleServer(import.meta.filename);
    const now = server.api.now.value;
    await server.api.db.store.accounts.create({ username: "ana.souza", name: "Ana Souza", role: "admin", password: "senha-forte-da-ana" }, cli, now);
    await server.api.db.store.users.create({ code: "1234", name: "Maria Lima", department: "Secretaria de Saúde", extensions: ["2001"] }, cli, now);
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** What the IVR asks of a caller on their own extension 2001 (POST /identify/caller, the IVR's token). */
  const modeAtExtension2001 = async () => {
    const res = await server.api.call("POST", "/api/v1/identify/caller", { token: "ivr", body: { number: "2001", internal: true } });
    expect(res.statusCode).toBe(200);
    return (res.json() as { identification: string }).identification;
  };
  /** The text under a field, from the element its aria-describedby names last. */
  const fieldProblem = async (page: Page, label: string) => {
    const field = page.getByLabel(label, { exact: true });
    const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(" ");
    return { invalid: await field.getAttribute("aria-invalid"), text: (await page.locator(`[id="${ids.at(-1)}"]`).textContent())?.trim() ?? "" };
  };

  it("an admin sets a rule for an extension: it is listed, and the IVR then asks that caller for code and WhatsApp code; a bad extension is refused under the field", { timeout: 180_000 }, async () => {
    expect(await modeAtExtension2001()).toBe("extension");
    const page = await browser.open(`${server.url}/#/admin/identificacao`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Identificação de quem liga" }).isVisible(), SLOW).toBe(true);
    expect(await page.getByText("Nenhuma regra").isVisible()).toBe(true);

    const form = page.getByRole("form", { name: "Nova regra ou mudança" });
    // Not an extension's digits: the API's 400 names `subject`, shown under that field, and nothing is saved.
    await form.getByLabel("Vale para").selectOption({ label: "Ramal" });
    await form.getByLabel("Setor ou ramal", { exact: true }).fill("sala 3");
    await form.getByLabel("Como identificar").selectOption({ label: "Código do usuário e código no WhatsApp" });
    await form.getByRole("button", { name: "Salvar regra" }).click();
    await expect.poll(() => fieldProblem(page, "Setor ou ramal"), SLOW).toEqual({ invalid: "true", text: expect.stringContaining("só os dígitos do ramal") });
    expect(await server.api.db.store.identification.list()).toEqual([]);

    await form.getByLabel("Setor ou ramal", { exact: true }).fill("2001");
    await form.getByRole("button", { name: "Salvar regra" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Ramal 2001/ }).textContent(), SLOW).toContain("Código do usuário e código no WhatsApp");
    expect(await fieldProblem(page, "Setor ou ramal")).toEqual({ invalid: null, text: "" });
    expect(await modeAtExtension2001()).toBe("code-otp");

    // A department's rule, picked from the departments users carry; the extension's rule still wins for 2001.
    await form.getByLabel("Vale para").selectOption({ label: "Setor" });
    await form.getByLabel("Setor ou ramal", { exact: true }).fill("Secretaria de Saúde");
    await form.getByLabel("Como identificar").selectOption({ label: "Pelo ramal e código no WhatsApp" });
    await form.getByRole("button", { name: "Salvar regra" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Secretaria de Saúde/ }).textContent(), SLOW).toContain("Pelo ramal e código no WhatsApp");
    expect(await modeAtExtension2001()).toBe("code-otp");
    await screenshot(page, "admin-identificacao");

    // Change the extension's rule in its row, then remove it: the department's rule holds again.
    await page.getByRole("button", { name: "Mudar a regra de Ramal 2001" }).click();
    await page.getByRole("combobox", { name: "Mudar a regra de Ramal 2001" }).selectOption({ label: "Pelo ramal, sem código" });
    await page.getByRole("row", { name: /Ramal 2001/ }).getByRole("button", { name: "Salvar regra" }).click();
    await expect.poll(() => modeAtExtension2001(), SLOW).toBe("extension");
    await page.getByRole("button", { name: "Remover a regra de Ramal 2001" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Ramal 2001/ }).count(), SLOW).toBe(0);
    expect(await modeAtExtension2001()).toBe("extension-otp");

    const audit = await server.api.db.store.audit.list({ limit: 10, entity: "identification_rule" });
    expect(audit.every((e) => e.client === "console:ana.souza")).toBe(true);
    expect(audit.map((e) => `${e.action}:${e.entityId}`).sort()).toEqual(["create:department:Secretaria de Saúde", "create:extension:2001", "delete:extension:2001", "update:extension:2001"]);
    await page.context().close();
  });

  it("a rule for a department no user is in is saved all the same, with a warning under the field, and the list marks it; a known department gets no warning", { timeout: 180_000 }, async () => {
    const page = await browser.open(`${server.url}/#/admin/identificacao`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    const form = page.getByRole("form", { name: "Nova regra ou mudança" });
    const subject = form.getByLabel("Setor ou ramal", { exact: true });
    const warning = page.locator("#rule-subject-nobody");
    const saveRule = async (department: string) => {
      await form.getByLabel("Vale para").selectOption({ label: "Setor" });
      await subject.fill(department);
      await form.getByLabel("Como identificar").selectOption({ label: "Código do usuário e código no WhatsApp" });
      await form.getByRole("button", { name: "Salvar regra" }).click();
    };

    await saveRule("sala 3");
    await expect.poll(() => page.getByRole("row", { name: /sala 3/ }).count(), SLOW).toBe(1);
    expect(await warning.isVisible()).toBe(true);
    expect(await warning.textContent()).toBe("Nenhum usuário está no setor “sala 3” ainda: a regra só vale quando houver.");
    // Beside the field: read out with it, after the hint and before any refusal.
    expect((await subject.getAttribute("aria-describedby"))?.split(" ")).toContain("rule-subject-nobody");
    expect(await page.getByRole("row", { name: /sala 3/ }).textContent()).toContain("nenhum usuário ainda");
    expect(await server.api.db.store.identification.list()).toEqual(expect.arrayContaining([expect.objectContaining({ subject: "sala 3", mode: "code-otp", usersInScope: 0 })]));
    await screenshot(page, "admin-identificacao-sem-usuario");

    // Typing again clears the warning; a department users carry is saved without one, and its row is not marked.
    await subject.fill("Secretaria");
    expect(await warning.isVisible()).toBe(false);
    await saveRule("Secretaria de Saúde");
    await expect.poll(() => page.getByText("Regra salva: Setor Secretaria de Saúde.").isVisible(), SLOW).toBe(true);
    expect(await warning.isVisible()).toBe(false);
    expect(await page.getByRole("row", { name: /Secretaria de Saúde/ }).textContent()).not.toContain("nenhum usuário ainda");
    expect(await page.getByRole("row", { name: /sala 3/ }).textContent()).toContain("nenhum usuário ainda");
    await page.context().close();
  });

  it("an admin adds a guidance text that the information menu then offers; a key already in use is refused under the key", { timeout: 180_000 }, async () => {
    const page = await browser.open(`${server.url}/#/admin/orientacoes`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Orientações do menu de informações" }).isVisible(), SLOW).toBe(true);
    const form = page.getByRole("form", { name: "Nova orientação" });
    const add = async (key: string, title: string, body: string) => {
      await form.getByLabel("Tecla").selectOption(key);
      await form.getByLabel("Título").fill(title);
      await form.getByLabel("Texto").fill(body);
      await form.getByRole("button", { name: "Adicionar orientação" }).click();
    };
    await add("1", "Trocar a senha do e-mail", "Acesse o portal do servidor, entre com sua matrícula e escolha trocar senha.");
    await expect.poll(() => page.getByRole("row", { name: /Trocar a senha do e-mail/ }).textContent(), SLOW).toContain("Trocar a senha do e-mail, 1.");

    const information = await server.api.call("GET", "/api/v1/information", { token: "ivr" });
    expect((information.json() as { guidance: Array<{ key: string; title: string }> }).guidance).toEqual([expect.objectContaining({ key: "1", title: "Trocar a senha do e-mail" })]);

    // The empty form proposes the first free key.
    expect(await form.getByLabel("Tecla").inputValue()).toBe("2");
    await add("1", "Impressora sem papel", "Coloque papel na bandeja de baixo.");
    await expect.poll(() => fieldProblem(page, "Tecla"), SLOW).toEqual({ invalid: "true", text: "Essa tecla já é usada neste menu." });
    expect(await server.api.db.store.guidance.list(true)).toHaveLength(1);
    await form.getByLabel("Tecla").selectOption("2");
    await form.getByRole("button", { name: "Adicionar orientação" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Impressora sem papel/ }).textContent(), SLOW).toContain("Impressora sem papel, 2.");
    await screenshot(page, "admin-orientacoes");

    await page.getByRole("button", { name: "Remover a orientação “Impressora sem papel”" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Impressora sem papel/ }).count(), SLOW).toBe(0);
    await page.context().close();
  });
});
