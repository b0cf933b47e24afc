import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAll, type RunningApp } from "../../src/app/start.js";
import { testSettings } from "../../src/config/index.js";
import { ensureConsoleBuilt, launchBrowser, screenshot, type TestBrowser } from "../support/browser.js";
import { freePort, runUra, type RunningUra } from "../support/processes.js";

/**
 * The wall TV's view in a real browser (Debian's Chromium) with a kiosk token, against `ura start`
 * itself (in-process API and IVR; the IVR node reports its calls in heartbeats, as `ura ivr` does
 * over HTTP) and calls placed with `ura call` as an operator would: calls in the IVR while a call
 * is in progress, a transferred call waiting for a technician, and today's tickets by service.
 */
const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
const SLOW = { timeout: 20_000 };
const TEST = { timeout: 240_000 };

describe("the wall TV's calls and today's tickets, against ura start (no AMI)", () => {
  let app: RunningApp;
  let browser: TestBrowser;
  let dir: string;
  let url: string;
  let env: Record<string, string>;
  let token: string;
  const calls: RunningUra[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    dir = mkdtempSync(join(tmpdir(), "ura-wallboard-ui-"));
    const apiPort = await freePort();
    env = { DATA_DIR: dir, AGI_PORT: String(await freePort()), API_PORT: String(apiPort), TTS_ENGINE: "none" };
    app = await startAll(testSettings(env), pino({ level: "silent" }));
    url = `http://127.0.0.1:${apiPort}`;
    const now = new Date();
    // Open around the clock, so "0" reaches the technicians' queue whenever the test runs.
    await app.store.hours.setSchedule(
      [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: "00:00", closes: "24:00" })),
      cli,
      now,
    );
    await app.store.users.create({ code: "1234", name: "Ana Souza", department: "Secretaria de Saúde", extensions: ["2001"] }, cli, now);
    ({ token } = await app.store.kiosks.create({ name: "TV da sala de TI" }, cli, now));
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    for (const call of calls) if (call.child.exitCode === null) await call.stop();
    await browser?.close();
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A call in progress: `ura call` reading keys from its standard input, as at a terminal. */
  const callInProgress = async (callerId: string): Promise<RunningUra> => {
    const call = runUra(["call", "--caller-id", callerId], env);
    calls.push(call);
    // The IVR waits for a key at the main menu: the call is inside the IVR.
    await call.waitFor(/teclas/, 30_000);
    return call;
  };
  const number = (page: Page, kind: "ivr" | "waiting") => page.getByRole("region", { name: "Ligações agora" }).locator(`[data-kind="${kind}"] dd`).textContent();
  const today = (page: Page) => page.getByRole("region", { name: "Chamados abertos hoje por serviço" });

  it("shows the calls in the IVR rising while a call is in progress, then the transferred call waiting for a technician", TEST, async () => {
    const page = await browser.open(`${url}/#/painel?token=${encodeURIComponent(token)}`);
    await expect.poll(() => page.getByRole("status").textContent(), SLOW).toMatch(/^Ao vivo/);
    await expect.poll(() => number(page, "ivr"), SLOW).toBe("0");
    expect(await number(page, "waiting")).toBe("0");
    expect(await today(page).textContent()).toContain("Nenhum chamado aberto hoje.");

    const call = await callInProgress("2001");
    await expect.poll(() => number(page, "ivr"), SLOW).toBe("1");

    // Ana (known by her extension) opens a ticket, picks Computador (1, 2) and asks for a technician (0).
    call.child.stdin!.end("1\n2\n0\n");
    expect(await call.exited, call.output()).toBe(0);
    expect(call.output()).toMatch(/URA_RESULT=transfer/);
    await expect.poll(() => number(page, "ivr"), SLOW).toBe("0");
    await expect.poll(() => number(page, "waiting"), SLOW).toBe("1");
    // Without AMI the count is an estimate, and the page says of what.
    expect(await page.getByRole("region", { name: "Ligações agora" }).textContent()).toContain("transferidas nos últimos 5 min");
    // The activity names the caller as the console does, never by the code that identifies them to the IVR.
    const activity = page.getByRole("region", { name: "Atividade recente" });
    await expect.poll(() => activity.textContent(), SLOW).toContain("Ligação de Ana Souza transferida para os técnicos");
    expect(await activity.textContent()).not.toContain("1234");
    await page.context().close();
  });

  it("shows today's tickets by service after calls open tickets", TEST, async () => {
    const page = await browser.open(`${url}/#/painel?token=${encodeURIComponent(token)}`);
    await expect.poll(() => page.getByRole("status").textContent(), SLOW).toMatch(/^Ao vivo/);
    // Two tickets for Computador → Não liga and one for Impressoras → Instalar, by phone (no voice description).
    for (const keys of ["1,2,2,1,2,5", "1,3,1,1,2,5", "1,2,2,1,2,5"]) {
      const call = runUra(["call", "--caller-id", "2001", "--keys", keys], env);
      expect(await call.exited, call.output()).toBe(0);
      expect(call.output()).toMatch(/URA_TICKET=\d+/);
    }
    // Most opened first, then the total.
    await expect.poll(() => today(page).getByRole("definition").allTextContents(), SLOW).toEqual(["2", "1", "3"]);
    expect(await today(page).getByRole("term").allTextContents()).toEqual(["Computador > Não liga", "Impressoras > Instalar", "Total hoje"]);
    // The recent activity names the service, not its number; the survey's 5s make the satisfaction
    // (the last call's answer comes after its ticket, so it may wait for the next 30-s push).
    const activity = await page.getByRole("region", { name: "Atividade recente" }).textContent();
    expect(activity).toContain("aberto (Impressoras > Instalar) por Ana Souza");
    expect(activity).not.toContain("1234");
    const kpis = await page.getByRole("region", { name: "Indicadores" }).textContent();
    expect(kpis).toContain("Satisfação100%");
    expect(kpis).toMatch(/Pesquisas respondidas[23]$/);

    // The picture for docs/console.md: a call in the IVR too.
    const call = await callInProgress("2001");
    await expect.poll(() => number(page, "ivr"), SLOW).toBe("1");
    await screenshot(page, "painel");
    call.child.stdin!.end("h\n");
    expect(await call.exited, call.output()).toBe(0);
    await expect.poll(() => number(page, "ivr"), SLOW).toBe("0");

    // Nobody has answered yet: no response time, nothing resolved. A technician resolves one ticket
    // 1 h 15 min after it was opened: the 30-day KPIs (one aggregate in the database) say so.
    const indicators = page.getByRole("region", { name: "Indicadores" });
    expect(await indicators.textContent()).toContain("Tempo médio de resposta—");
    expect(await indicators.textContent()).toContain("Taxa de resolução0%");
    const [first] = (await app.store.tickets.list({ sort: "oldest", limit: 1, offset: 0 })).tickets;
    await app.store.tickets.work!(first!.protocol, { status: "resolved" }, cli, new Date(Date.parse(first!.createdAt) + 75 * 60_000));
    await expect.poll(() => indicators.textContent(), SLOW).toContain("Tempo médio de resposta1h 15m");
    expect(await indicators.textContent()).toContain("Taxa de resolução33%");
    await page.context().close();
  });
});
