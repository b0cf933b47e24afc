import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, startConsoleServer, type ConsoleServer, type TestBrowser } from "../support/browser.js";

// The first build (vue-tsc + vite) may take a while on a loaded machine.
const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
// A sign-in checks an scrypt hash (a fraction of a second, more on a loaded machine).
const SIGN_IN = { timeout: 20_000 };

describe("signing in to the console, in a real browser", () => {
  let server: ConsoleServer;
  let browser: TestBrowser;
  beforeAll(async () => {
    server = await startConsoleServer(import.meta.filename, { overrides: { CONSOLE_SIGNIN_MAX_FAILURES: "3" } });
    const { store } = server.api.db;
    await store.accounts.create({ username: "ana.souza", name: "Ana Souza", role: "admin", password: "senha-forte-da-ana" }, cli, server.api.now.value);
    await store.accounts.create({ username: "bruno", name: "Bruno Lima", role: "technician", password: "senha-do-bruno-123" }, cli, server.api.now.value);
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("sends a signed-out desk to the sign-in page, and back to the page it asked for once signed in", { timeout: 120_000 }, async () => {
    const page = await browser.open(`${server.url}/#/painel`);
    await expect.poll(() => page.getByRole("heading", { name: "Entrar no console" }).isVisible(), SIGN_IN).toBe(true);
    expect(page.url()).toContain("#/entrar?volta=%2Fpainel");
    await page.getByLabel("Usuário").fill("ana.souza");
    await page.getByLabel("Senha").fill("senha-forte-da-ana");
    await page.getByRole("button", { name: "Entrar" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Painel da central de suporte" }).isVisible(), SIGN_IN).toBe(true);
    expect(await page.getByRole("banner").textContent()).toContain("Ana Souza");
    // The cookie is out of the page's reach (httpOnly) and only sent to this site (SameSite=Strict).
    expect(await page.evaluate("document.cookie")).toBe("");
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: "ura_sessao", httpOnly: true, sameSite: "Strict" });

    // A reload keeps the session; signing out ends it.
    await page.reload();
    await expect.poll(() => page.getByRole("button", { name: "Sair" }).isVisible(), SIGN_IN).toBe(true);
    // Signed in, the console's bare address (a bookmark) and the sign-in page lead to the account's
    // home (an admin's: the queue), not to a sign-in form under a header that says who is signed in.
    for (const address of [`${server.url}/`, `${server.url}/#/entrar`]) {
      await page.goto(address);
      await expect.poll(() => page.getByRole("heading", { name: "Fila de chamados" }).isVisible(), SIGN_IN).toBe(true);
      expect(await page.getByRole("heading", { name: "Entrar no console" }).count()).toBe(0);
    }
    await page.getByRole("button", { name: "Sair" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Entrar no console" }).isVisible(), SIGN_IN).toBe(true);
    await page.goto(`${server.url}/#/painel`);
    await expect.poll(() => page.url(), SIGN_IN).toContain("#/entrar?volta=");
    await page.context().close();
  });

  it("refuses a wrong password, then makes the name wait after too many", { timeout: 120_000 }, async () => {
    const page = await browser.open(`${server.url}/#/entrar`);
    await page.getByLabel("Usuário").fill("bruno");
    await page.getByLabel("Senha").fill("nao-e-a-senha");
    await page.getByRole("button", { name: "Entrar" }).click();
    await expect.poll(() => page.getByRole("alert").textContent(), SIGN_IN).toBe("Usuário ou senha incorretos.");
    expect(await page.getByLabel("Senha").inputValue()).toBe("");
    expect(await page.context().cookies()).toEqual([]);
    await screenshot(page, "entrar-recusado");

    for (const attempt of ["outra-errada-1", "outra-errada-2", "senha-do-bruno-123"]) {
      await page.getByLabel("Senha").fill(attempt);
      const answered = page.waitForResponse((r) => r.url().endsWith("/api/v1/session"));
      await page.getByRole("button", { name: "Entrar" }).click();
      await answered;
    }
    // The right password, too late: the name waits for the window to pass.
    await expect.poll(() => page.getByRole("alert").textContent(), SIGN_IN).toMatch(/^Muitas tentativas\. Aguarde \d+ segundos e tente de novo\.$/);
    expect(await page.context().cookies()).toEqual([]);
    await page.context().close();
  });

  it("refuses a state-changing request without the session's CSRF token, even from a page on the same site", { timeout: 120_000 }, async () => {
    const page = await browser.open(`${server.url}/#/entrar`);
    await page.getByLabel("Usuário").fill("ana.souza");
    await page.getByLabel("Senha").fill("senha-forte-da-ana");
    await page.getByRole("button", { name: "Entrar" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Sair" }).isVisible(), SIGN_IN).toBe(true);

    // Another port of the same host is the same *site*, so SameSite lets the cookie go: the CSRF
    // token is what stops its form from importing users with Ana's session.
    const evil: Server = createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(
        `<form method="post" action="${server.url}/api/v1/admin/users/import" enctype="text/plain">` +
          `<input name="code,name,phone\n9901,Intruso,(45) 99999-0001\n#" value="x"></form><script>document.forms[0].submit()</script>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, "127.0.0.1", r));
    const evilPort = (evil.address() as { port: number }).port;
    const attack = await page.context().newPage();
    const answer = attack.waitForResponse((r) => r.url().endsWith("/api/v1/admin/users/import"));
    await attack.goto(`http://127.0.0.1:${evilPort}/`);
    expect((await answer).status()).toBe(403);
    expect(await server.api.db.store.users.byCode("9901")).toBeNull();
    evil.close();

    // The console's own requests carry the token and go through.
    const status = await page.evaluate(async () => {
      const session = (await (await fetch("/api/v1/session")).json()) as { csrfToken: string };
      const without = await fetch("/api/v1/admin/users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code: "9902", name: "Sem Token" }) });
      const withToken = await fetch("/api/v1/admin/users", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: JSON.stringify({ code: "9903", name: "Com Token" }),
      });
      return [without.status, withToken.status];
    });
    expect(status).toEqual([403, 201]);
    const [entry] = await server.api.db.store.audit.list({ limit: 1, entity: "user", entityId: "9903" });
    expect(entry?.client).toBe("console:ana.souza");
    await page.context().close();
  });
});
