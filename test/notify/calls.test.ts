import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTicketStore } from "../../src/app/tickets.js";
import { verifyWebhook } from "../../src/notify/index.js";
import { question, ScriptedCaller } from "../support/callers.js";
import { DRIVERS } from "../support/databases.js";
import { dial, FakeSpeech, realBackend, startIvr, type IvrUnderTest } from "../support/scenario.js";
import { TelegramStandin } from "../support/telegram-standin.js";
import { waitFor } from "../support/wait.js";

/**
 * The IT team hears of every ticket the builtin backend opens too (GLPI's are in
 * test/glpi/calls.test.ts): calls through the Asterisk emulator and the real API, with the store
 * `ura start` opens, Telegram answering 429 first, and the signed webhook.
 */

const CHAT = "-1001234567890";
const SECRET = "s".repeat(40);

describe.each(DRIVERS)("notices of tickets opened by phone (builtin backend) on %s", (driver) => {
  let telegram: TelegramStandin;
  let hooks: { got: Array<{ headers: IncomingHttpHeaders; body: string; at: number }>; url: string; server: Server };
  let backend: Awaited<ReturnType<typeof realBackend>>;
  let ivr: IvrUnderTest;

  beforeAll(async () => {
    telegram = await new TelegramStandin().start();
    const got: Array<{ headers: IncomingHttpHeaders; body: string; at: number }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    hooks = { got, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ura` };
    backend = await realBackend(driver, {
      database: `ura_notify_calls_${process.pid}`,
      settings: {
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_CHAT_ID: CHAT,
        TELEGRAM_API_URL: telegram.url,
        NOTIFY_WEBHOOK_URL: hooks.url,
        NOTIFY_WEBHOOK_SECRET: SECRET,
      },
      openStore: (settings) => openTicketStore(settings, pino({ level: "silent" }), { migrate: true }),
    });
    await backend.store.db.run("UPDATE users SET department = 'Saúde' WHERE code = '1234'");
    // A loaded test machine gets the production silence budget, not the scenarios' tight one.
    ivr = await startIvr({ api: backend.api, speech: new FakeSpeech(), clock: () => backend.clock(), settings: { IVR_API_BUDGET_MS: "3000" } });
  });
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
    await telegram?.stop();
    await new Promise((r) => hooks?.server.close(r));
  });

  it("Telegram says 429: the call is not held up, the notice follows retry_after and arrives once; the webhook gets the same event, signed", async () => {
    telegram.script.push({ kind: "429", retryAfter: 1 });
    let heardProtocolAt: number | undefined;
    const caller = new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press("1234#")
      .on("ask-otp").press(async () => `${await backend.lastCode("1234")}#`)
      .on("service-menu").press("2")
      .on(question("sub-menu")).press("2")
      .on((e) => {
        if (e.prompt === "protocol-repeat") heardProtocolAt ??= Date.now();
        return e.prompt === "protocol-repeat";
      })
      .hangup();
    const call = await dial(ivr, { caller });
    expect(call.heard).toContain("ticket-opened");
    const protocol = call.variables.URA_TICKET!;
    expect(protocol).toMatch(/^[0-9]{1,16}$/);
    const ours = () => telegram.messages.filter((m) => m.text.startsWith(`Novo chamado ${protocol}\n`));
    await waitFor(() => ours().length === 1, "the Telegram notice after retry_after", 15_000);
    // Telegram refused with 429 once (retry_after honoured: test/notify/telegram.test.ts times it).
    expect(telegram.requests.filter((r) => r.status === 429)).toHaveLength(1);
    // The caller had heard the protocol before the notice went through.
    expect(heardProtocolAt!).toBeLessThan(ours()[0]!.at);
    expect(ours()[0]!.text.split("\n")).toEqual([`Novo chamado ${protocol}`, "Serviço: Computador > Não liga", "Solicitante: Maria Souza (código 1234)", "Setor: Saúde"]);

    const hook = () => hooks.got.filter((h) => h.body.includes(`"builtin:${protocol}"`));
    await waitFor(() => hook().length === 1, "the webhook POST");
    const { headers, body } = hook()[0]!;
    expect(JSON.parse(body)).toMatchObject({ event: "ticket.opened", key: `builtin:${protocol}`, backend: "builtin", protocol, requester: { code: "1234", department: "Saúde" } });
    expect(verifyWebhook(SECRET, { signature: String(headers["x-ura-signature"]), timestamp: String(headers["x-ura-timestamp"]) }, body, Math.floor(Date.now() / 1000))).toBe(true);

    // The same call reported again (the IVR retrying its request) opens nothing and announces nothing.
    await backend.api.openTicket({ userCode: "1234", serviceId: 202, callId: call.uniqueId });
    await new Promise((r) => setTimeout(r, 1500));
    expect(ours()).toHaveLength(1);
    expect(hook()).toHaveLength(1);
  });
});
