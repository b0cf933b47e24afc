import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAll, type RunningApp } from "../../src/app/start.js";
import { testSettings, type Settings } from "../../src/config/index.js";
import { agentCalled, agentConnect, queueCallerAbandon, startAmiStandIn, type AmiStandIn } from "../support/ami-stand-in.js";
import { ensureConsoleBuilt, launchBrowser, screenshot, signIn, type TestBrowser } from "../support/browser.js";
import { GlpiStandin } from "../support/glpi-standin.js";
import { freePort, runUra } from "../support/processes.js";

/**
 * The technicians' pages in a real browser (Debian's Chromium), against `ura start` itself
 * (in-process: the real API, IVR, sessions and live socket) and calls placed with `ura call --keys`
 * as an operator would. With AMI, the PBX is the AMI stand-in (test/support/ami-stand-in.ts).
 */
const BUILD_TIMEOUT = 240_000;
const cli = { client: "cli:root", address: null };
// A sign-in checks an scrypt hash; pages wait on a loaded machine.
const SLOW = { timeout: 20_000 };
const TEST = { timeout: 240_000 };

interface Desk {
  app: RunningApp;
  url: string;
  env: Record<string, string>;
  dir: string;
}

/** `ura start` in-process on free ports, open around the clock, with two technicians and two callers. */
async function startDesk(extra: Partial<Record<keyof Settings, string>> = {}): Promise<Desk> {
  await ensureConsoleBuilt();
  const dir = mkdtempSync(join(tmpdir(), "ura-tech-ui-"));
  const apiPort = await freePort();
  // MixMonitor's recordings of transferred calls would land here (<call id>.wav).
  const recordings = join(dir, "gravacoes");
  mkdirSync(recordings);
  const env = { DATA_DIR: dir, AGI_PORT: String(await freePort()), API_PORT: String(apiPort), TTS_ENGINE: "none", TRANSFER_RECORDINGS_DIR: recordings };
  const app = await startAll(testSettings({ ...env, ...extra }), pino({ level: "silent" }));
  const now = new Date();
  await app.store.hours.setSchedule(
    [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: "00:00", closes: "24:00" })),
    cli,
    now,
  );
  await app.store.accounts.create({ username: "bruno", name: "Bruno Lima", role: "technician", extension: "101", password: "senha-do-bruno-123" }, cli, now);
  await app.store.accounts.create({ username: "carla", name: "Carla Dias", role: "technician", extension: "102", password: "senha-da-carla-123" }, cli, now);
  await app.store.users.create({ code: "1234", name: "Ana Souza", phone: "(45) 99999-1234", department: "Secretaria de Saúde", extensions: ["2001"] }, cli, now);
  await app.store.users.create({ code: "5678", name: "Caio Reis", department: "Gabinete", extensions: ["2002"] }, cli, now);
  return { app, url: `http://127.0.0.1:${apiPort}`, env, dir };
}

async function stopDesk(desk: Desk | undefined): Promise<void> {
  if (!desk) return;
  await desk.app.stop();
  rmSync(desk.dir, { recursive: true, force: true });
}

/** A call placed with `ura call` (the emulator playing Asterisk); its printed URA_* variables. */
async function call(desk: Desk, args: string[]): Promise<string> {
  const ura = runUra(["call", ...args], desk.env);
  expect(await ura.exited, ura.output()).toBe(0);
  return ura.output();
}

describe("the technicians' pages, against ura start (no AMI)", () => {
  let desk: Desk;
  let browser: TestBrowser;
  beforeAll(async () => {
    desk = await startDesk();
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await stopDesk(desk);
  });

  it("a technician signs in to the queue, and a ticket opened with ura call --keys appears in it without a reload", TEST, async () => {
    const page = await browser.open(`${desk.url}/`);
    await signIn(page, "bruno", "senha-do-bruno-123");
    // Technicians land on the queue.
    await expect.poll(() => page.getByRole("heading", { name: "Fila de chamados" }).isVisible(), SLOW).toBe(true);
    expect(page.url()).toContain("#/fila");
    await expect.poll(() => page.getByText("Ao vivo").isVisible(), SLOW).toBe(true);
    expect(await page.getByText("Nenhum chamado com esses filtros.").isVisible()).toBe(true);

    // Ana calls from her own extension: open a ticket, Computador → Não liga, no voice description.
    const out = await call(desk, ["--caller-id", "2001", "--keys", "1,2,2,1,2,5"]);
    const protocol = /URA_TICKET=(\d+)/.exec(out)?.[1];
    expect(protocol, out).toBeDefined();
    const row = page.getByRole("row", { name: new RegExp(protocol!) });
    await expect.poll(() => row.isVisible(), SLOW).toBe(true);
    expect(await row.textContent()).toContain("Ana Souza · Secretaria de Saúde");
    expect(await row.textContent()).toContain("Computador > Não liga");
    expect(await page.getByRole("status").filter({ hasText: "Novo chamado" }).textContent()).toContain(protocol);
    expect(await page.getByRole("list", { name: "Chamados por situação" }).textContent()).toContain("Aberto1");

    // A second ticket, from Caio: the department filter and the counts follow.
    const { ticket: second } = await desk.app.store.tickets.open({ userCode: "5678", serviceId: 301, source: "web" }, cli, new Date());
    await expect.poll(() => page.getByRole("row").count(), SLOW).toBe(3);
    await page.getByLabel("Setor", { exact: true }).selectOption("Gabinete");
    await expect.poll(() => page.getByRole("row").count(), SLOW).toBe(2);
    expect(await page.getByRole("row", { name: new RegExp(protocol!) }).count()).toBe(0);
    await page.getByLabel("Setor", { exact: true }).selectOption("");
    await page.getByLabel("Idade", { exact: true }).selectOption("60");
    await expect.poll(() => page.getByText("Nenhum chamado com esses filtros.").isVisible(), SLOW).toBe(true);
    await page.getByRole("button", { name: "Limpar filtros" }).click();
    await expect.poll(() => page.getByRole("row").count(), SLOW).toBe(3);
    // Caio asked to be called back (the technicians were closed): the row and the count say so.
    await desk.app.store.callbacks.request({ callId: "1796000000.9", ticketProtocol: second.protocol, number: "2002", reason: "closed" }, cli, new Date());
    await page.reload();
    await expect.poll(() => page.getByRole("row", { name: new RegExp(second.protocol) }).textContent(), SLOW).toContain("retornar para 2002");
    expect(await page.getByRole("list", { name: "Chamados por prioridade" }).textContent()).toContain("Pedidos de retorno pendentes1");
    await screenshot(page, "fila");
    await page.goto(`${desk.url}/#/chamado?protocolo=${second.protocol}`);
    await expect.poll(() => page.getByRole("region", { name: "Resumo" }).textContent(), SLOW).toContain("Ligar para 2002");
    expect(await page.getByRole("region", { name: "Resumo" }).textContent()).toContain("técnicos fora do horário");
    await page.context().close();
  });

  it("the ticket page shows the requester and the call; a status change with a note lands in the history, live on another desk", TEST, async () => {
    // Impressoras → Instalar, describing the problem by voice: silence at the prompt, 3 s of "speech" and # at the tone.
    const out = await call(desk, ["--caller-id", "2001", "--keys", "1,3,1,,v3,2,5"]);
    const protocol = /URA_TICKET=(\d+)/.exec(out)?.[1];
    expect(protocol, out).toBeDefined();

    const page = await browser.open(`${desk.url}/#/chamado?protocolo=${protocol}`);
    const askedForTechnicians: string[] = [];
    page.on("request", (r) => void (r.url().endsWith("/console/technicians") && askedForTechnicians.push(r.url())));
    await signIn(page, "bruno", "senha-do-bruno-123");
    await expect.poll(() => page.getByRole("heading", { name: `Chamado ${protocol}` }).isVisible(), SLOW).toBe(true);
    const requester = page.getByRole("region", { name: "Solicitante" });
    await expect.poll(() => requester.textContent(), SLOW).toContain("Ana Souza");
    expect(await requester.textContent()).toContain("Secretaria de Saúde");
    expect(await requester.textContent()).toContain("2001");
    const theCall = page.getByRole("region", { name: "A ligação" });
    await expect.poll(() => theCall.textContent(), SLOW).toContain("pelo ramal de origem");
    expect(await theCall.textContent()).toContain("abriu chamado");
    expect(await theCall.textContent()).toContain("2001");

    // Carla has the same ticket open on her desk.
    const other = await browser.open(`${desk.url}/#/chamado?protocolo=${protocol}`);
    await signIn(other, "carla", "senha-da-carla-123");
    await expect.poll(() => other.getByRole("heading", { name: `Chamado ${protocol}` }).isVisible(), SLOW).toBe(true);

    await page.getByRole("button", { name: "Pegar para mim" }).click();
    await expect.poll(() => page.getByRole("region", { name: "Resumo" }).textContent(), SLOW).toContain("Bruno Lima");
    await page.getByLabel("Nova situação").selectOption("in_progress");
    await page.getByLabel("Prioridade", { exact: true }).selectOption("high");
    await page.getByLabel("Nota (vai para o histórico)").fill("Vou até a sala 12 trocar o cabo de força.");
    await page.getByRole("button", { name: "Registrar" }).click();
    const history = page.getByRole("region", { name: "Histórico" });
    await expect.poll(() => history.textContent(), SLOW).toContain("Vou até a sala 12 trocar o cabo de força.");
    expect(await history.textContent()).toContain("Aberto → Em atendimento");
    expect(await history.textContent()).toContain("Prioridade: Alta");
    // Who did it, by name: Bruno's account; the ticket itself was opened by the IVR.
    expect(await history.textContent()).toContain("por Bruno Lima");
    expect(await history.textContent()).toContain("por URA (ligação)");
    expect(await history.textContent()).not.toContain("console:bruno");
    expect(await page.getByRole("region", { name: "Resumo" }).textContent()).toContain("Em atendimento");
    // The other desk sees it without a reload.
    await expect.poll(() => other.getByRole("region", { name: "Histórico" }).textContent(), SLOW).toContain("Vou até a sala 12");
    await screenshot(page, "chamado");

    // An impossible move is refused in words.
    await page.getByLabel("Nova situação").selectOption("open");
    await page.getByRole("button", { name: "Registrar" }).click();
    await expect.poll(() => page.getByRole("alert").textContent(), SLOW).toBe("Essa mudança de situação não é possível a partir da situação atual.");

    // The voice description the caller recorded plays in the page, and downloads as the WAV the IVR sent.
    const player = page.getByLabel(/^Descrição por voz \/ gravação: /);
    await expect.poll(() => player.isVisible(), SLOW).toBe(true);
    const src = await player.getAttribute("src");
    const fetched = await page.request.get(`${desk.url}${src}`);
    expect(fetched.status()).toBe(200);
    expect(fetched.headers()["content-type"]).toMatch(/^audio\//);
    expect((await fetched.body()).subarray(0, 4).toString("latin1")).toBe("RIFF");

    // Give it to Carla.
    await page.getByRole("combobox", { name: "Entregar a" }).selectOption("carla");
    await page.getByRole("button", { name: "Entregar", exact: true }).click();
    await expect.poll(() => other.getByRole("region", { name: "Resumo" }).textContent(), SLOW).toContain("Carla Dias");
    // Another ticket, then back: the list of technicians was asked for once in this page's life.
    const { ticket: another } = await desk.app.store.tickets.open({ userCode: "5678", serviceId: 301, source: "web" }, cli, new Date());
    await page.goto(`${desk.url}/#/chamado?protocolo=${another.protocol}`);
    await expect.poll(() => page.getByRole("heading", { name: `Chamado ${another.protocol}` }).isVisible(), SLOW).toBe(true);
    await page.goto(`${desk.url}/#/chamado?protocolo=${protocol}`);
    await expect.poll(() => page.getByRole("heading", { name: `Chamado ${protocol}` }).isVisible(), SLOW).toBe(true);
    expect(await page.getByRole("combobox", { name: "Entregar a" }).textContent()).toContain("Carla Dias");
    expect(askedForTechnicians).toHaveLength(1);
    await page.context().close();
    await other.context().close();
  });

  it("a transferred call pops a card on every signed-in desk; its button opens a ticket for that caller, prefilled and linked to the call", TEST, async () => {
    const bruno = await browser.open(`${desk.url}/`);
    await signIn(bruno, "bruno", "senha-do-bruno-123");
    const carla = await browser.open(`${desk.url}/`);
    await signIn(carla, "carla", "senha-da-carla-123");
    await expect.poll(() => carla.getByText("Ao vivo").isVisible(), SLOW).toBe(true);
    await expect.poll(() => bruno.getByText("Ao vivo").isVisible(), SLOW).toBe(true);

    // Ana, in the Computador menu, asks for a technician (0).
    const out = await call(desk, ["--caller-id", "2001", "--keys", "1,2,0"]);
    expect(out).toMatch(/URA_RESULT=transfer/);
    expect(out).toMatch(/URA_CALLER_NAME=Ana Souza · 1234|URA_CALLER_NAME=Ana/);
    for (const page of [bruno, carla]) {
      const card = page.getByRole("complementary", { name: "Ligações chegando" }).getByRole("article");
      await expect.poll(() => card.getByRole("heading", { level: 2 }).textContent(), SLOW).toBe("Ligação de Ana Souza · 1234");
      const body = await card.textContent();
      expect(body).toContain("Na fila dos técnicos");
      expect(body).toContain("pelo ramal de origem");
      expect(body).toContain("Computador");
      expect(body).toContain("Secretaria de Saúde");
    }
    // Her last tickets (from the tests above) are on the card.
    expect(await bruno.getByRole("article").getByRole("listitem").count()).toBeGreaterThanOrEqual(2);
    await screenshot(bruno, "cartao-ligacao");

    await bruno.getByRole("link", { name: "Abrir chamado para esta ligação" }).click();
    await expect.poll(() => bruno.getByRole("heading", { name: "Abrir chamado" }).isVisible(), SLOW).toBe(true);
    expect(await bruno.getByLabel("Código do usuário").inputValue()).toBe("1234");
    const callLine = await bruno.getByText(/^Ligação \d/).textContent();
    const callId = callLine!.replace("Ligação ", "");
    // She chose the Computador menu: the technician picks the option under it.
    await bruno.getByLabel("Serviço").selectOption({ label: "Computador > Formatação" });
    await bruno.getByLabel("Descrição").fill("Computador lento desde a atualização de ontem.");
    await screenshot(bruno, "chamado-novo");
    // A code nobody has is refused in words, and nothing is opened.
    await bruno.getByLabel("Código do usuário").fill("9999");
    await bruno.getByRole("button", { name: "Abrir chamado" }).click();
    await expect.poll(() => bruno.getByRole("alert").textContent(), SLOW).toContain("Não há usuário ativo com esse código.");
    await bruno.getByLabel("Código do usuário").fill("1234");
    await bruno.getByRole("button", { name: "Abrir chamado" }).click();
    await expect.poll(() => bruno.getByRole("heading", { name: /^Chamado \d+$/ }).isVisible(), SLOW).toBe(true);
    await expect.poll(() => bruno.getByRole("region", { name: "Resumo" }).textContent(), SLOW).toContain("Computador lento desde a atualização de ontem.");
    expect(await bruno.getByRole("region", { name: "Resumo" }).textContent()).toContain("(console)");
    const protocol = (await bruno.getByRole("heading", { name: /^Chamado \d+$/ }).textContent())!.replace("Chamado ", "");
    const detail = await desk.app.store.tickets.get(protocol);
    expect(detail?.ticket.callId).toBe(callId);
    // No recording of that call yet: no player. Once the PBX has written it, the page plays it.
    expect(await bruno.getByLabel("Gravação da ligação transferida").count()).toBe(0);
    const wav = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(40)]);
    writeFileSync(join(desk.env.TRANSFER_RECORDINGS_DIR!, `${callId}.wav`), wav);
    await bruno.reload();
    const recording = bruno.getByLabel("Gravação da ligação transferida");
    await expect.poll(() => recording.isVisible(), SLOW).toBe(true);
    const fetched = await bruno.request.get(`${desk.url}${await recording.getAttribute("src")}`);
    expect(fetched.status()).toBe(200);
    expect(fetched.headers()["content-type"]).toBe("audio/wav");
    expect(await fetched.body()).toEqual(wav);

    // "Fechar cartão" hides it on this desk only.
    await carla.getByRole("button", { name: "Fechar cartão" }).click();
    await expect.poll(() => carla.getByRole("article").count(), SLOW).toBe(0);
    expect(await bruno.getByRole("article").count()).toBe(1);
    await bruno.context().close();
    await carla.context().close();
  });
});

describe("the incoming-call card with AMI (the stand-in): only the desk whose phone rings", () => {
  let desk: Desk;
  let ami: AmiStandIn;
  let browser: TestBrowser;
  beforeAll(async () => {
    ami = await startAmiStandIn({ username: "ura", secret: "segredo-do-ami-0123" });
    desk = await startDesk({ ASTERISK_AMI_HOST: "127.0.0.1", ASTERISK_AMI_PORT: String(ami.port), ASTERISK_AMI_USER: "ura", ASTERISK_AMI_SECRET: "segredo-do-ami-0123" });
    await ami.waitForLogins(1);
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await stopDesk(desk);
    await ami?.close();
  });

  it("AgentCalled shows the card at extension 102 only, AgentConnect marks it answered, an abandoned call's card goes away", TEST, async () => {
    const bruno = await browser.open(`${desk.url}/`);
    await signIn(bruno, "bruno", "senha-do-bruno-123");
    const carla = await browser.open(`${desk.url}/`);
    await signIn(carla, "carla", "senha-da-carla-123");
    await expect.poll(() => carla.getByText("Ao vivo").isVisible(), SLOW).toBe(true);
    await expect.poll(() => bruno.getByText("Ao vivo").isVisible(), SLOW).toBe(true);

    // The transfer's call id, as the IVR reports it (Asterisk's uniqueid of the IVR's channel).
    const transfers: string[] = [];
    const stop = desk.app.store.events.subscribe((e) => {
      if (e.type === "call-transferred") transfers.push(e.transfer.callId);
    });
    const out = await call(desk, ["--caller-id", "2001", "--keys", "1,0"]);
    expect(out).toMatch(/URA_RESULT=transfer/);
    await expect.poll(() => transfers.length, SLOW).toBe(1);
    const callId = transfers[0]!;
    // In the queue, nobody's phone rings yet: no card anywhere.
    expect(await bruno.getByRole("article").count()).toBe(0);
    expect(await carla.getByRole("article").count()).toBe(0);

    ami.emit(agentCalled({ uniqueId: callId, callerNumber: "2001" }, { interface: "PJSIP/102", name: "Carla" }));
    const card = carla.getByRole("article");
    await expect.poll(() => card.getByRole("heading", { level: 2 }).textContent(), SLOW).toBe("Ligação de Ana Souza · 1234");
    expect(await card.textContent()).toContain("Tocando no seu ramal");
    ami.emit(agentConnect({ uniqueId: callId, callerNumber: "2001" }, { interface: "PJSIP/102", name: "Carla" }));
    await expect.poll(() => card.textContent(), SLOW).toContain("Atendida por você");
    await screenshot(carla, "cartao-ligacao-atendida");
    expect(await bruno.getByRole("article").count()).toBe(0);

    // A second caller rings at Bruno's desk, then gives up in the queue.
    const second = await call(desk, ["--caller-id", "2002", "--keys", "1,0"]);
    expect(second).toMatch(/URA_RESULT=transfer/);
    await expect.poll(() => transfers.length, SLOW).toBe(2);
    stop();
    ami.emit(agentCalled({ uniqueId: transfers[1]!, callerNumber: "2002" }, { interface: "PJSIP/101" }));
    await expect.poll(() => bruno.getByRole("article").getByRole("heading", { level: 2 }).textContent(), SLOW).toBe("Ligação de Caio Reis · 5678");
    ami.emit(queueCallerAbandon({ uniqueId: transfers[1]! }));
    await expect.poll(() => bruno.getByRole("article").count(), SLOW).toBe(0);
    // Carla's answered card is still hers; Caio's never reached her.
    expect(await carla.getByRole("article").count()).toBe(1);
    await bruno.context().close();
    await carla.context().close();
  });
});

describe("the ticket page with TICKET_BACKEND=glpi: a link to GLPI instead of the work buttons", () => {
  let desk: Desk;
  let glpi: GlpiStandin;
  let browser: TestBrowser;
  beforeAll(async () => {
    glpi = await new GlpiStandin({ firstTicketId: 700 }).start();
    desk = await startDesk({ TICKET_BACKEND: "glpi", GLPI_URL: glpi.url, GLPI_APP_TOKEN: "app-token-0123456789", GLPI_USER_TOKEN: "user-token-0123456789", OTP_SECRET: "o".repeat(40) });
    browser = await launchBrowser();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await stopDesk(desk);
    await glpi?.stop();
  });

  it("shows GLPI's ticket through the same port, and links to it for the work", TEST, async () => {
    const { ticket } = await desk.app.store.tickets.open({ userCode: "1234", serviceId: 202, source: "phone", description: "Não liga desde a queda de energia" }, cli, new Date());
    expect(ticket.protocol).toBe("700");
    await desk.app.store.callbacks.request({ callId: "1796000000.70", ticketProtocol: "700", number: "2001", reason: "closed" }, cli, new Date());
    const page = await browser.open(`${desk.url}/`);
    await signIn(page, "bruno", "senha-do-bruno-123");
    await expect.poll(() => page.getByRole("row", { name: /700/ }).isVisible(), SLOW).toBe(true);
    expect(await page.getByText("Os chamados estão no GLPI").isVisible()).toBe(true);
    // The ticket's callback request shows on its row; the pending count cannot be told here (the
    // tickets' statuses are in GLPI), and the page says so instead of a count of 0.
    expect(await page.getByRole("row", { name: /700/ }).textContent()).toContain("retornar para 2001");
    expect(await page.getByText(/^Pedidos de retorno pendentes: n\/d/).isVisible()).toBe(true);
    const queue = await page.request.get(`${desk.url}/api/v1/console/queue`);
    expect((await queue.json()).callbacksPending).toBeNull();
    // Who works on a ticket is GLPI's: the queue does not offer that filter, and the API refuses it by name.
    expect(await page.getByLabel("Técnico", { exact: true }).count()).toBe(0);
    const mine = await page.request.get(`${desk.url}/api/v1/console/queue?assignee=mine`);
    expect(mine.status()).toBe(400);
    expect(await mine.json()).toMatchObject({ field: "assignee" });
    // The queue's "being worked on", oldest first, is GLPI's open ticket, not every status.
    const active = await (await page.request.get(`${desk.url}/api/v1/console/queue?status=active&sort=oldest`)).json();
    expect(active.tickets.map((t: { protocol: string }) => t.protocol)).toEqual(["700"]);
    await page.getByRole("link", { name: "700", exact: true }).click();
    const link = page.getByRole("link", { name: "Abrir o chamado 700 no GLPI" });
    await expect.poll(() => link.isVisible(), SLOW).toBe(true);
    expect(await link.getAttribute("href")).toMatch(/front\/ticket\.form\.php\?id=700$/);
    expect(await page.getByRole("button", { name: "Pegar para mim" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Registrar" }).count()).toBe(0);
    expect(await page.getByRole("region", { name: "Resumo" }).textContent()).toContain("Não liga desde a queda de energia");
    await screenshot(page, "chamado-glpi");
    await page.context().close();
  });
});
