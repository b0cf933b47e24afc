import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleViewers, type WallboardSource } from "../../src/api/console/index.js";
import type { WallboardEvent } from "../../src/api/console/index.js";
import { createEventBus } from "../../src/shared/event-bus.js";
import { launchBrowser, screenshot, signIn, startConsoleServer, type ConsoleServer, type TestBrowser } from "../support/browser.js";
import { connectWallboard } from "../support/wallboard-client.js";

const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
// A sign-in checks an scrypt hash (a fraction of a second, more on a loaded machine).
const SLOW = { timeout: 20_000 };

const source: WallboardSource = {
  async snapshot() {
    return {
      tickets: { data: [], counters: { critical: 0, high: 0, medium: 0, low: 0, total: 0 } },
      dashboard: {
        kpis: { openTickets: 0, avgResponseTime: "0h 0m", resolutionRate: 0, customerSatisfaction: 0, surveyCount: 0 },
        technicians: [],
        analysts: [],
        recentActivity: [],
        ticketsToday: { date: "2025-06-02", total: 0, byService: [] },
      },
    };
  },
};

/** The text under a field (the element its aria-describedby names), whether it is marked invalid, and whether the line above the page says anything. */
async function fieldProblem(page: Page, field: Locator) {
  const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(" ");
  return {
    invalid: await field.getAttribute("aria-invalid"),
    text: (await page.locator(`[id="${ids.at(-1)}"]`).textContent())?.trim() ?? "",
    abovePage: await page.locator("p.problem:not(.field-problem)").count(),
  };
}

describe("the admin pages, in a real browser", () => {
  let server: ConsoleServer;
  let browser: TestBrowser;
  beforeAll(async () => {
    const bus = createEventBus<WallboardEvent>();
    // The server's store is made inside startConsoleServer: the viewer check reads it through this holder.
    const holder: { server?: ConsoleServer } = {};
    server = await startConsoleServer(import.meta.filename, {
      wallboard: { source, events: bus, authenticate: (request) => consoleViewers(holder.server!.api.db.store, () => new Date())(request) },
    });
    holder.server = server;
    await server.api.db.store.accounts.create({ username: "ana.souza", name: "Ana Souza", role: "admin", password: "senha-forte-da-ana" }, cli, server.api.now.value);
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("an admin adds a technician, who signs in and cannot open the admin pages; deactivated, the technician is out", { timeout: 180_000 }, async () => {
    const page = await browser.open(`${server.url}/#/admin/contas`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Contas do console" }).isVisible(), SLOW).toBe(true);
    const form = page.getByRole("form", { name: "Nova conta" });
    await form.getByLabel("Usuário").fill("bruno.lima");
    await form.getByLabel("Nome").fill("Bruno Lima");
    await form.getByLabel("Ramal").fill("2001");
    await form.getByLabel("Senha").fill("curta");
    await form.getByRole("button", { name: "Criar conta" }).click();
    // Said under the field the API's 400 names, not in the line above the page.
    await expect.poll(() => fieldProblem(page, form.getByLabel("Senha")), SLOW).toEqual({ invalid: "true", text: "Senha: use pelo menos 10 caracteres.", abovePage: 0 });
    await form.getByLabel("Senha").fill("senha-do-bruno-123");
    await form.getByRole("button", { name: "Criar conta" }).click();
    await expect.poll(() => page.getByRole("row", { name: /bruno\.lima/ }).textContent(), SLOW).toContain("Técnico");
    expect(await fieldProblem(page, form.getByLabel("Senha"))).toEqual({ invalid: null, text: "", abovePage: 0 });
    // Changing a row: a bad extension is said under that row's field.
    await page.getByRole("button", { name: "Editar bruno.lima" }).click();
    const row = page.getByRole("row", { name: /bruno\.lima/ });
    await row.getByLabel("Ramal").fill("2x");
    await row.getByRole("button", { name: "Salvar" }).click();
    await expect.poll(() => fieldProblem(page, row.getByLabel("Ramal")), SLOW).toEqual({ invalid: "true", text: "Ramal: de 2 a 20 dígitos.", abovePage: 0 });
    expect((await server.api.db.store.accounts.byUsername("bruno.lima"))?.extension).toBe("2001");
    await row.getByRole("button", { name: "Cancelar" }).click();
    await screenshot(page, "admin-contas");
    const [created] = await server.api.db.store.audit.list({ limit: 1, entity: "account" });
    expect(created).toMatchObject({ client: "console:ana.souza", action: "account.create", entityId: "bruno.lima" });

    const tech = await browser.open(`${server.url}/#/admin/contas`);
    await signIn(tech, "bruno.lima", "senha-do-bruno-123");
    await expect.poll(() => tech.getByRole("heading", { name: "Sem acesso a esta página" }).isVisible(), SLOW).toBe(true);
    expect(await tech.getByRole("navigation").getByRole("link", { name: "Contas" }).count()).toBe(0);

    await page.getByRole("button", { name: "Desativar bruno.lima" }).click();
    await expect.poll(() => page.getByRole("row", { name: /bruno\.lima/ }).textContent(), SLOW).toContain("Inativa");
    await tech.goto(`${server.url}/#/painel`);
    await tech.reload();
    await expect.poll(() => tech.getByRole("heading", { name: "Entrar no console" }).isVisible(), SLOW).toBe(true);
    await page.context().close();
    await tech.context().close();
  });

  it("an admin makes a kiosk token: the TV's address opens the wallboard read-only, and a revoked token opens nothing", { timeout: 180_000 }, async () => {
    const page = await browser.open(`${server.url}/#/admin/quiosques`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await page.getByLabel("Nome da TV").fill("TV da sala de TI");
    await page.getByRole("button", { name: "Criar token" }).click();
    await expect.poll(() => page.getByLabel("Endereço para abrir na TV").inputValue(), SLOW).toMatch(/#\/painel\?token=quiosque-/);
    const address = await page.getByLabel("Endereço para abrir na TV").inputValue();
    const token = decodeURIComponent(address.split("token=")[1]!);
    await screenshot(page, "admin-quiosques");

    const tv = await browser.open(address);
    await expect.poll(() => tv.getByRole("status").textContent(), SLOW).toMatch(/^Ao vivo/);
    // TV mode: no header, no navigation, no sign-out; nothing to change.
    expect(await tv.getByRole("banner").count()).toBe(0);
    expect(await tv.getByRole("button").count()).toBe(0);
    expect(await tv.context().cookies()).toEqual([]);
    // The socket is read-only for the kiosk: it may not switch the other screens.
    const client = await connectWallboard(`${server.url.replace("http", "ws")}/ws/dashboard_control/?token=${encodeURIComponent(token)}`);
    client.send({ type: "remote_switch", target: "dashboard" });
    expect(await client.next("error")).toMatchObject({ message: expect.stringContaining("somente leitura") });
    client.close();
    // Nor open any API route with it.
    expect((await fetch(`${server.url}/api/v1/admin/users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

    await page.getByRole("button", { name: "Revogar TV da sala de TI" }).click();
    await expect.poll(() => page.getByRole("row", { name: /TV da sala de TI/ }).textContent(), SLOW).toContain("Revogado em");
    const again = await browser.open(address);
    await expect.poll(() => again.getByRole("status").textContent(), SLOW).toMatch(/Sem conexão/);
    await page.context().close();
    await tv.context().close();
    await again.context().close();
  });

  it("an admin imports users from a spreadsheet and sees which lines were refused and why; then finds, edits and deactivates one", { timeout: 180_000 }, async () => {
    const page = await browser.open(`${server.url}/#/admin/usuarios`);
    await signIn(page, "ana.souza", "senha-forte-da-ana");
    await expect.poll(() => page.getByRole("heading", { name: "Usuários (quem liga)" }).isVisible(), SLOW).toBe(true);
    const csv = [
      "codigo;nome;celular;ramais;departamento",
      "4001;Carla Dias;(45) 99999-4001;2101;Saúde",
      "4002;Davi Rocha;(45) 99999-4002;;Educação",
      "40x3;Erro no Código;(45) 99999-4003;;Saúde",
      "4004;Fábio Lima;123;;Obras",
      "4001;Carla Repetida;(45) 99999-4009;;Saúde",
    ].join("\n");
    await page.getByLabel("Arquivo CSV").setInputFiles({ name: "usuarios.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
    await page.getByRole("button", { name: "Importar" }).click();
    const report = page.getByRole("region", { name: "Resultado da importação" });
    await expect.poll(() => report.getByRole("status").textContent(), SLOW).toBe("5 linhas: 2 criados, 0 atualizados, 0 sem mudança, 3 recusados.");
    const refused = report.getByRole("table", { name: "Linhas recusadas" });
    expect(await refused.getByRole("row").allTextContents()).toEqual([
      "LinhaCódigoMotivo",
      "440x3Código: de 1 a 12 dígitos.",
      "54004Celular: informe DDD e número, por exemplo (45) 99999-0000.",
      "64001Código repetido (já aparece na linha 2).",
    ]);
    await screenshot(page, "admin-usuarios-importacao");
    expect((await server.api.db.store.users.byCode("4001"))?.name).toBe("Carla Dias");
    expect(await server.api.db.store.users.byCode("4004")).toBeNull();

    // Issue 14 items 9 and 10: a Windows-1252 file keeps its accents; a quote that never closes refuses the file, naming the line.
    const excel = Buffer.from("codigo;nome;departamento\r\n4010;José Conceição;Educação\r\n", "latin1");
    await page.getByLabel("Arquivo CSV").setInputFiles({ name: "excel.csv", mimeType: "text/csv", buffer: excel });
    await page.getByRole("button", { name: "Importar" }).click();
    await expect.poll(() => report.getByRole("status").textContent(), SLOW).toBe("1 linhas: 1 criados, 0 atualizados, 0 sem mudança, 0 recusados.");
    expect((await server.api.db.store.users.byCode("4010"))?.name).toBe("José Conceição");
    const stray = ["codigo;nome", "4011;Gil Souza", '4012;"Hugo Lima', "4013;Iara Dias"].join("\n");
    await page.getByLabel("Arquivo CSV").setInputFiles({ name: "aspas.csv", mimeType: "text/csv", buffer: Buffer.from(stray, "utf8") });
    await page.getByRole("button", { name: "Importar" }).click();
    await expect.poll(() => page.getByRole("alert").textContent(), SLOW).toMatch(/^Nada foi importado: a linha 3 tem aspas/);
    expect(await server.api.db.store.users.byCode("4011")).toBeNull();

    // A refusal naming a field is said under it: a mobile number without its area code.
    const form = page.getByRole("form", { name: "Novo usuário" });
    await form.getByLabel("Código").fill("4020");
    await form.getByLabel("Nome").fill("Joana Prado");
    await form.getByLabel("Celular").fill("123");
    await form.getByRole("button", { name: "Adicionar usuário" }).click();
    await expect.poll(() => fieldProblem(page, form.getByLabel("Celular")), SLOW).toEqual({ invalid: "true", text: "Celular: informe DDD e número, por exemplo (45) 99999-0000.", abovePage: 0 });
    expect(await server.api.db.store.users.byCode("4020")).toBeNull();

    await page.getByLabel("Buscar por nome ou código").fill("Davi");
    await page.getByRole("button", { name: "Buscar" }).click();
    await expect.poll(() => page.getByRole("row", { name: /4002/ }).isVisible(), SLOW).toBe(true);
    await page.getByRole("button", { name: "Editar 4002" }).click();
    const row = page.getByRole("row", { name: /4002/ });
    await row.getByLabel("Ramais").fill("21a");
    await row.getByRole("button", { name: "Salvar" }).click();
    await expect.poll(() => fieldProblem(page, row.getByLabel("Ramais")), SLOW).toEqual({ invalid: "true", text: "Ramais: só dígitos, separados por espaço.", abovePage: 0 });
    await row.getByLabel("Ramais").fill("2102 2103");
    await page.getByRole("button", { name: "Salvar" }).click();
    await expect.poll(() => page.getByRole("row", { name: /4002/ }).textContent(), SLOW).toContain("2102 2103");
    await page.getByRole("button", { name: "Desativar 4002" }).click();
    await expect.poll(() => page.getByRole("row", { name: /4002/ }).textContent(), SLOW).toContain("Inativo");
    expect(await server.api.db.store.users.byCode("4002")).toMatchObject({ active: false, extensions: ["2102", "2103"] });
    const [entry] = await server.api.db.store.audit.list({ limit: 1, entity: "user", entityId: "4002" });
    expect(entry?.client).toBe("console:ana.souza");
    await page.context().close();
  });
});
