import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { GlpiClient, GlpiTicketBackend } from "../../src/glpi/index.js";
import { createTelegramNotifier, type TicketOpenedEvent } from "../../src/notify/index.js";
import { GlpiStandin } from "../support/glpi-standin.js";
import { TelegramStandin } from "../support/telegram-standin.js";
import { waitFor } from "../support/wait.js";
import { admin, openTestDb } from "../support/databases.js";

const log = pino({ level: "silent" });
const CHAT = "-1001234567890";

function event(protocol: string, over: Partial<TicketOpenedEvent> = {}): TicketOpenedEvent {
  return {
    key: `glpi:${protocol}`,
    backend: "glpi",
    protocol,
    service: { id: 202, label: "Não liga", path: "Computador > Não liga" },
    requester: { code: "1001", name: "Ana Souza", department: "Saúde" },
    callerNumber: "2001",
    source: "phone",
    url: `https://glpi.example.gov.br/front/ticket.form.php?id=${protocol}`,
    openedAt: "2026-03-02T13:45:00.000Z",
    ...over,
  };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(over: Partial<Parameters<typeof createTelegramNotifier>[0]> = {}) {
  const tg = await new TelegramStandin().start();
  const notifier = createTelegramNotifier({ apiUrl: tg.url, botToken: tg.token, chatId: CHAT, logger: log, retry: { initialMs: 50, maxMs: 200 }, minIntervalMs: 0, timeoutMs: 2000, ...over });
  cleanups.push(() => tg.stop(), () => notifier.close(100));
  return { tg, notifier };
}

describe("Telegram notices", () => {
  it("sends one message to the IT team's chat with protocol, service, requester, department, extension and link", async () => {
    const { tg, notifier } = await setup();
    notifier.ticketOpened(event("120"));
    await waitFor(() => tg.messages.length === 1, "the message");
    expect(tg.messages[0]!.chatId).toBe(CHAT);
    expect(tg.messages[0]!.text.split("\n")).toEqual([
      "Novo chamado 120",
      "Serviço: Computador > Não liga",
      "Solicitante: Ana Souza (código 1001)",
      "Setor: Saúde",
      "Ligou de: 2001",
      "https://glpi.example.gov.br/front/ticket.form.php?id=120",
    ]);
  });

  it("never sends a ticket's message twice, however often it is announced", async () => {
    const { tg, notifier } = await setup();
    notifier.ticketOpened(event("121"));
    notifier.ticketOpened(event("121"));
    notifier.ticketOpened(event("122"));
    await waitFor(() => tg.messages.length === 2, "two messages");
    notifier.ticketOpened(event("121"));
    notifier.ticketOpened(event("123"));
    await waitFor(() => tg.messages.length === 3, "the third message");
    expect(tg.messages.map((m) => m.text.split("\n")[0])).toEqual(["Novo chamado 121", "Novo chamado 122", "Novo chamado 123"]);
  });

  it("on 429 waits retry_after seconds, then delivers the message once", async () => {
    const { tg, notifier } = await setup();
    tg.script.push({ kind: "429", retryAfter: 1 });
    notifier.ticketOpened(event("124"));
    await waitFor(() => tg.messages.length === 1, "the message after the flood wait");
    expect(tg.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(tg.requests[1]!.at - tg.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it("retries a 500 with backoff, and gives up a refusal (unknown chat) without retrying", async () => {
    const { tg, notifier } = await setup();
    tg.script.push({ kind: "500" }, { kind: "500" });
    notifier.ticketOpened(event("125"));
    await waitFor(() => tg.messages.length === 1, "the message after two 500s");
    expect(tg.requests.map((r) => r.status)).toEqual([500, 500, 200]);

    const wrongChat = createTelegramNotifier({ apiUrl: tg.url, botToken: tg.token, chatId: "-999", logger: log, retry: { initialMs: 50, maxMs: 200 }, minIntervalMs: 0 });
    cleanups.push(() => wrongChat.close(100));
    wrongChat.ticketOpened(event("126"));
    await waitFor(() => wrongChat.queue.size === 0, "the refusal to be settled");
    expect(wrongChat.queue.stats).toMatchObject({ sent: 0, dropped: 1, retries: 0 });
    expect(tg.requests.filter((r) => r.status === 400)).toHaveLength(1);
  });

  it("a message whose answer never came is not sent again (Telegram has no idempotency key)", async () => {
    const { tg, notifier } = await setup({ timeoutMs: 300 });
    tg.script.push({ kind: "deliver-and-hang" });
    notifier.ticketOpened(event("127"));
    notifier.ticketOpened(event("128"));
    // One message at a time, in order: once 128 is through, 127 was settled without a second try.
    await waitFor(() => notifier.queue.size === 0, "both notices to be settled");
    expect(tg.messages.filter((m) => m.text.startsWith("Novo chamado 127"))).toHaveLength(1);
    expect(notifier.queue.stats).toMatchObject({ sent: 1, unknown: 1 });
  });

  it("a wrong bot token is given up (401), not retried", async () => {
    const { tg } = await setup();
    const wrong = createTelegramNotifier({ apiUrl: tg.url, botToken: "123:wrong-token-aaaaaaaaaaaaaaaaaaa", chatId: CHAT, logger: log, minIntervalMs: 0 });
    cleanups.push(() => wrong.close(100));
    wrong.ticketOpened(event("129"));
    await waitFor(() => wrong.queue.size === 0, "the refusal to be settled");
    expect(tg.requests.map((r) => r.status)).toEqual([401]);
    expect(wrong.queue.stats.dropped).toBe(1);
  });

  it("a Telegram that never answers does not hold up a call: the ticket is opened and the caller answered", async () => {
    const { tg } = await setup();
    const notifier = createTelegramNotifier({ apiUrl: tg.url, botToken: tg.token, chatId: CHAT, logger: log, timeoutMs: 60_000, minIntervalMs: 0 });
    cleanups.push(() => notifier.close(100));
    tg.script.push({ kind: "deliver-and-hang" });
    const glpi = await new GlpiStandin().start();
    cleanups.push(() => glpi.stop());
    const t = await openTestDb("sqlite", import.meta.filename);
    cleanups.push(() => t.cleanup());
    const at = "2026-03-02 12:00:00.000";
    await t.store.db.run("INSERT INTO users (code, name, active, created_at, updated_at) VALUES ('1001', 'Ana Souza', 1, ?, ?)", [at, at]);
    const backend = new GlpiTicketBackend({
      db: t.store.db,
      client: new GlpiClient({ url: glpi.url, appToken: "app-token-0123456789", auth: { userToken: "user-token-0123456789" } }),
      siteCode: "1",
      timeZone: "America/Sao_Paulo",
      entityId: null,
      requestTypeId: 3,
      answerWithinMs: 1500,
      notifier,
    });
    cleanups.push(() => backend.stop(100));
    const first = await backend.open({ userCode: "1001", serviceId: 202, callId: "c1", source: "phone" }, admin, new Date());
    await waitFor(() => tg.messages.length === 1, "Telegram to hold the first notice");
    const second = await backend.open({ userCode: "1001", serviceId: 202, callId: "c2", source: "phone" }, admin, new Date());
    expect([first.ticket.pending, second.ticket.pending]).toEqual([undefined, undefined]);
    expect(glpi.tickets.size).toBe(2);
    expect(notifier.queue.size).toBe(2); // both notices wait behind the unanswered one
  });
});
