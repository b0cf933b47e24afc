import { PassThrough } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTicketStore } from "../../src/app/tickets.js";
import { commands } from "../../src/cli/commands/index.js";
import type { Settings } from "../../src/config/index.js";
import type { Store } from "../../src/domain/index.js";
import { question, ScriptedCaller } from "../support/callers.js";
import { DRIVERS } from "../support/databases.js";
import { GlpiStandin } from "../support/glpi-standin.js";
import { dial, FakeSpeech, realBackend, startIvr, type IvrUnderTest } from "../support/scenario.js";
import { TelegramStandin } from "../support/telegram-standin.js";
import { waitFor } from "../support/wait.js";

/**
 * Issue 11 end to end: calls through the Asterisk emulator, the IVR, the real API over HTTP and the
 * store `ura start` opens with TICKET_BACKEND=glpi, against the GLPI and Telegram stand-ins.
 */

const APP = "app-token-0123456789";
const USER = "user-token-0123456789";
const CHAT = "-1001234567890";
const silent = pino({ level: "silent" });

/** GLPI's directory: the service account and the three callers of the scenarios (by registration number). */
function glpiDirectory() {
  return new GlpiStandin({
    firstTicketId: 500,
    users: [
      { id: 7, login: "ura-ivr", userToken: USER, firstname: "URA" },
      { id: 42, login: "maria.souza", firstname: "Maria", realname: "Souza", registration_number: "1234", phone: "1001", mobile: "+5545999991234" },
      { id: 43, login: "joao.lima", firstname: "João", realname: "Lima", registration_number: "5678", phone: "2000", mobile: "+5545988885678" },
      { id: 44, login: "ana.costa", firstname: "Ana", realname: "Costa", registration_number: "9012", phone: "2000", mobile: "+5545977779012" },
    ],
    categories: [
      { id: 30, name: "Telefonia" },
      { id: 31, name: "Sem linha", itilcategories_id: 30 },
      { id: 32, name: "Ramal mudo", itilcategories_id: 30 },
    ],
  });
}

/** Runs `ura <args>` in this process, with these settings; returns the exit code and what it printed. */
async function ura(settings: Settings, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const [name, ...rest] = args;
  const command = commands.find((c) => c.name === name)!;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (c: Buffer) => out.push(c.toString()));
  stderr.on("data", (c: Buffer) => err.push(c.toString()));
  const code = await command.run(rest, { settings, stdout, stderr, stdin: new PassThrough(), logger: silent });
  return { code, out: out.join(""), err: err.join("") };
}

describe.each(DRIVERS)("calls with TICKET_BACKEND=glpi on %s", (driver) => {
  let glpi: GlpiStandin;
  let telegram: TelegramStandin;
  let backend: Awaited<ReturnType<typeof realBackend>>;
  let ivr: IvrUnderTest;
  /** The store `ura start` opened: closed once (the IVR "restarts" in one scenario). */
  let stores: Store[] = [];

  const openStoreLikeUraStart = async (settings: Settings): Promise<Store> => {
    const store = await openTicketStore(settings, silent, {
      migrate: true,
      glpi: { retry: { initialMs: 100, maxMs: 400 }, uncertainDelayMs: 200, pollMs: 100, requestTimeoutMs: 2000 },
    });
    let closed: Promise<void> | null = null;
    const once: Store = { ...store, close: () => (closed ??= store.close()) };
    stores.push(once);
    return once;
  };

  beforeAll(async () => {
    glpi = await glpiDirectory().start();
    telegram = await new TelegramStandin().start();
    backend = await realBackend(driver, {
      database: `ura_glpi_calls_${process.pid}`,
      settings: {
        TICKET_BACKEND: "glpi",
        GLPI_URL: glpi.url,
        GLPI_APP_TOKEN: APP,
        GLPI_USER_TOKEN: USER,
        GLPI_ENTITY_ID: "0",
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_CHAT_ID: CHAT,
        TELEGRAM_API_URL: telegram.url,
        IVR_API_BUDGET_MS: "2000",
      },
      openStore: openStoreLikeUraStart,
    });
    ivr = await startIvr({ api: backend.api, speech: new FakeSpeech(), clock: () => backend.clock(), settings: { IVR_API_BUDGET_MS: "2000" } });
    // The directory comes from GLPI: the scenario's users get their GLPI ids, the menus a GLPI branch.
    const users = await ura(backend.settings, ["users", "sync-glpi"]);
    expect(users.code).toBe(0);
    const menus = await ura(backend.settings, ["catalogue", "sync-glpi"]);
    expect(menus.code).toBe(0);
  });
  afterAll(async () => {
    await ivr?.close();
    for (const s of stores) await s.close();
    stores = [];
    await backend?.close();
    await telegram?.stop();
    await glpi?.stop();
  });

  /** A caller who identifies by code (and one-time code), walks `keys` through the menus and hangs up after the protocol. */
  const ticketCall = (code: string, keys: [string, string], beforeSubMenu?: () => Promise<void>) =>
    new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press(`${code}#`)
      .on("ask-otp").press(async () => `${await backend.lastCode(code)}#`)
      .on("service-menu").press(keys[0])
      .on(question("sub-menu")).press(async () => {
        await beforeSubMenu?.();
        return keys[1];
      })
      .on("protocol-repeat").press("2");

  const statusCall = (code: string, protocol: string) =>
    new ScriptedCaller()
      .on("main-menu").press("2")
      .on("ask-user-code").press(`${code}#`)
      .on("ask-otp").press(async () => `${await backend.lastCode(code)}#`)
      .on("ask-ticket-number").press(`${protocol}#`)
      .on("status-more").press("2");

  /** The digits the caller heard after "ticket-opened". */
  const heardProtocol = (heard: string[]) =>
    heard
      .slice(heard.indexOf("ticket-opened") + 1, heard.indexOf("protocol-repeat"))
      .map((p) => p.replace(/^digit-/, ""))
      .join("");

  it("ura users sync-glpi and ura catalogue sync-glpi: callers linked to their GLPI users, a menu from the ITIL categories", async () => {
    const linked = await backend.store.db.all<{ code: string; glpi_id: number }>("SELECT code, glpi_id FROM users WHERE glpi_id IS NOT NULL ORDER BY code");
    expect(linked.map((u) => [u.code, Number(u.glpi_id)])).toEqual([
      ["1234", 42],
      ["5678", 43],
      ["9012", 44],
    ]);
    const tree = await backend.store.catalogue.tree();
    const telefonia = tree.find((n) => n.label === "Telefonia")!;
    // The seed menu uses keys 1–6: GLPI's branch takes the first free key; its options 1 and 2.
    expect(telefonia.key).toBe("7");
    expect(telefonia.children.map((c) => [c.key, c.label])).toEqual([
      ["1", "Sem linha"],
      ["2", "Ramal mudo"],
    ]);
    // What an admin did is kept: a new sentence, and a second sync changes nothing.
    await backend.store.catalogue.update(telefonia.children[0]!.id, { prompt: "Se o telefone está sem linha, tecle 1." }, { client: "admin", address: null }, new Date());
    const again = await ura(backend.settings, ["catalogue", "sync-glpi"]);
    expect(again.out).toContain("0 option(s) created, 0 renamed, 0 deactivated");
    const kept = (await backend.store.catalogue.tree()).find((n) => n.label === "Telefonia")!;
    expect(kept.children[0]).toMatchObject({ key: "1", label: "Sem linha", prompt: "Se o telefone está sem linha, tecle 1." });
    // The seed's options are left alone.
    expect(tree.filter((n) => n.label !== "Telefonia").map((n) => n.key)).toEqual(["1", "2", "3", "4", "5", "6"]);
  });

  it("a call opens the ticket in GLPI: the caller hears GLPI's short id; requester, category, Phone and entity are set; Telegram hears of it once", async () => {
    // Maria calls from her registered extension.
    const call = await dial(ivr, { caller: ticketCall("1234", ["7", "1"]), callerId: "1001" });
    const protocol = heardProtocol(call.heard);
    expect(protocol).toMatch(/^5[0-9]{2}$/); // GLPI's id (first 500), not a 12-digit number
    expect(call.variables.URA_TICKET).toBe(protocol);
    const t = glpi.tickets.get(Number(protocol))!;
    expect(t).toMatchObject({ name: "Telefonia > Sem linha", itilcategories_id: 31, requesttypes_id: 3, entities_id: 0, requesters: [42] });
    expect(t.content).toContain("Maria Souza (código 1234)");
    expect(t.content).toContain(call.uniqueId);
    // What the call knows, for the technician: where from, and how the caller was identified.
    expect(t.content).toContain("Ligou de: 1001");
    expect(t.content).toContain("Identificação: ramal cadastrado do usuário");
    await waitFor(() => telegram.messages.some((m) => m.text.startsWith(`Novo chamado ${protocol}\n`)), "the Telegram notice");
    const notice = telegram.messages.find((m) => m.text.startsWith(`Novo chamado ${protocol}\n`))!.text;
    expect(notice).toContain("Ligou de: 1001");
    expect(notice).toContain(`front/ticket.form.php?id=${protocol}`);
  });

  it("a session that expires between two calls costs the second call nothing (one new login, GLPI's id again)", async () => {
    await dial(ivr, { caller: ticketCall("5678", ["2", "2"]) });
    const logins = glpi.count("GET", "/initSession");
    glpi.expireSessions();
    const second = await dial(ivr, { caller: ticketCall("5678", ["2", "2"]) });
    expect(heardProtocol(second.heard)).toMatch(/^5[0-9]{2}$/);
    expect(glpi.count("GET", "/initSession")).toBe(logins + 1);
    expect(glpi.ticketsWith(second.uniqueId)).toHaveLength(1);
    expect(glpi.ticketsWith(second.uniqueId)[0]!.content).toContain("Identificação: código de usuário e código de acesso enviado por WhatsApp");
  });

  it("status by phone reads GLPI's status for the caller's own ticket; someone else's is 'not found'", async () => {
    const opened = await dial(ivr, { caller: ticketCall("1234", ["2", "2"]) });
    const protocol = heardProtocol(opened.heard);
    // A technician takes it in GLPI.
    glpi.tickets.get(Number(protocol))!.status = 2;
    const own = await dial(ivr, { caller: statusCall("1234", protocol) });
    expect(own.heard).toContain("status-in_progress");
    expect(own.variables.URA_RESULT).toBe("status");
    const other = await dial(ivr, { caller: statusCall("9012", protocol) });
    expect(other.heard).toContain("ticket-not-found");
    expect(other.heard).not.toContain("status-in_progress");
  });

  it("GLPI goes down with three calls in flight and comes back, the IVR restarting meanwhile: each ticket exists in GLPI exactly once", async () => {
    const before = telegram.messages.length;
    let arrived = 0;
    const gates = [0, 1, 2].map(() => {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      return { open, wait: async () => void (arrived += 1, await opened) };
    });
    const calls = [
      dial(ivr, { caller: ticketCall("1234", ["2", "1"], gates[0]!.wait) }),
      dial(ivr, { caller: ticketCall("5678", ["2", "2"], gates[1]!.wait) }),
      dial(ivr, { caller: ticketCall("9012", ["2", "3"], gates[2]!.wait) }),
    ];
    await waitFor(() => arrived === 3, "three calls at the sub-menu", 20_000);
    // The first ticket: GLPI commits it and the answer is lost (an unknown outcome)…
    glpi.failOnceAfterCommit("drop");
    const dropsBefore = glpi.requests.filter((r) => r.status === 0).length;
    gates[0]!.open();
    await waitFor(() => glpi.requests.filter((r) => r.status === 0).length > dropsBefore, "GLPI's commit whose answer is lost", 20_000);
    // …then GLPI is down for the other two.
    await glpi.goDown();
    gates[1]!.open();
    gates[2]!.open();
    const done = await Promise.all(calls);
    const protocols = done.map((c) => heardProtocol(c.heard));
    // Every caller heard a protocol within the budget; those GLPI did not confirm are local (0…).
    for (const c of done) expect(c.variables.URA_RESULT).toBe("ticket");
    expect(protocols.every((p) => /^0[0-9]+$/.test(p))).toBe(true);
    expect(glpi.ticketsWith(done[0]!.uniqueId)).toHaveLength(1); // committed before the answer was lost

    // Status by phone of a waiting ticket: "registered and waiting" (open, awaiting service).
    const waiting = protocols.find((p) => p.startsWith("0"))!;
    const waitingOwner = ["1234", "5678", "9012"][protocols.indexOf(waiting)]!;
    const status = await dial(ivr, { caller: statusCall(waitingOwner, waiting) });
    expect(status.heard).toContain("status-open");

    // The IVR stops (outbox worker, killSession) and starts again on the same database; GLPI comes back.
    await stores[0]!.close();
    await glpi.comeBack();
    const restarted = await openStoreLikeUraStart(backend.settings);
    for (const c of done) {
      await waitFor(() => glpi.ticketsWith(c.uniqueId).length >= 1, `call ${c.uniqueId}'s ticket in GLPI`, 30_000);
    }
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show, if there were one
    for (const c of done) expect(glpi.ticketsWith(c.uniqueId)).toHaveLength(1);
    expect(await restarted.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM glpi_tickets WHERE state = 'pending'")).toMatchObject({ n: 0 });
    // One notice per ticket, none twice.
    await waitFor(() => telegram.messages.length >= before + 3, "three notices", 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const texts = telegram.messages.slice(before).map((m) => m.text.split("\n")[0]);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts).toHaveLength(3);
    await restarted.close();
  });
});
