import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../src/api-client/index.js";
import { buildApi, ivrOperationsOf } from "../../src/api/index.js";
import { createDirectApiClient } from "../../src/app/direct-api.js";
import { systemActor } from "../../src/domain/index.js";
import { DependencyUnavailableError, LimitReachedError, type TicketApi } from "../../src/ivr/index.js";
import { createLogSender } from "../../src/whatsapp/log-sender.js";
import { openTestDb, type TestDb } from "../support/databases.js";

/**
 * `ura start`'s IVR calls the API's operations in process; `ura ivr` goes over HTTP. The flow must
 * not tell them apart: the same requests, on two APIs with the same data and clock, give the same
 * values and the same typed errors (a refusal's reason, a limit's end), one path each.
 */
const IVR_TOKEN = "direct-ivr-token-0123456789abcdef";
const NOW = new Date("2025-03-11T13:00:00Z");

type Path = "direct" | "http";
const apis: Partial<Record<Path, { api: TicketApi; close(): Promise<void> }>> = {};

async function start(path: Path): Promise<{ api: TicketApi; close(): Promise<void> }> {
  const db: TestDb = await openTestDb("sqlite", `${import.meta.filename}-${path}`, {
    API_TOKENS: `ivr:ivr:${IVR_TOKEN}`,
    OTP_MAX_PER_HOUR: "1",
    IDENTIFY_MAX_MISSES_PER_MINUTE: "3",
    IDENTIFY_MAX_PER_MINUTE: "1000",
  });
  await db.store.users.create({ code: "1234", name: "Maria Souza", phone: "+5545999991234", department: "Saúde", extensions: ["1001"] }, systemActor, NOW);
  await db.store.users.create({ code: "5678", name: "João Lima", extensions: ["2000"] }, systemActor, NOW);
  const app = await buildApi({ settings: db.settings, store: db.store, sender: createLogSender(join(db.dataDir, "outbox.jsonl")), logger: pino({ level: "silent" }), clock: () => NOW, random: () => "424242" });
  const logger = pino({ level: "silent" });
  let api: TicketApi;
  if (path === "direct") api = createDirectApiClient(ivrOperationsOf(app), { client: "ivr", budgetMs: 3000, logger });
  else {
    await app.listen({ host: "127.0.0.1", port: 0 });
    api = createApiClient({ baseUrl: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, token: IVR_TOKEN, timeoutMs: 3000 });
  }
  return {
    api,
    async close() {
      await app.close();
      await db.cleanup();
    },
  };
}

beforeAll(async () => {
  apis.direct = await start("direct");
  apis.http = await start("http");
});
afterAll(async () => {
  await apis.direct?.close();
  await apis.http?.close();
});

/** What the flow can tell of an answer: the value, or the error's class, reason and the limit's end. */
async function outcome<T>(work: Promise<T>): Promise<unknown> {
  try {
    return { value: await work };
  } catch (err) {
    if (err instanceof LimitReachedError) return { error: "LimitReachedError", until: err.until.toISOString() };
    if (err instanceof DependencyUnavailableError) return { error: "DependencyUnavailableError", reason: err.reason };
    throw err;
  }
}

/** The same steps on both paths, in order (limits and idempotency depend on what came before). */
const steps: Array<[string, (api: TicketApi) => Promise<unknown>]> = [
  ["a known code", (api) => api.identifyByCode("1234")],
  ["an unknown code", (api) => api.identifyByCode("999999")],
  ["a code too long for the contract", (api) => api.identifyByCode("1234567890123")],
  ["the own extension", (api) => api.identifyByCaller({ number: "1001", internal: true })],
  ["a number nobody has", (api) => api.identifyByCaller({ number: "4533339999", internal: false })],
  ["a one-time code for a user without a phone", (api) => api.requestOtp({ userCode: "5678", callId: "c.1" })],
  ["a one-time code for nobody", (api) => api.requestOtp({ userCode: "0000", callId: "c.1" })],
  ["a one-time code with a caller number too long for the contract", (api) => api.requestOtp({ userCode: "1234", callId: "c.1", callerNumber: "9".repeat(40) })],
  ["a one-time code sent", (api) => api.requestOtp({ userCode: "1234", callId: "c.1" })],
  ["the hourly cap on codes", (api) => api.requestOtp({ userCode: "1234", callId: "c.2" })],
  ["a wrong one-time code", (api) => api.verifyOtp({ userCode: "1234", code: "000000" })],
  ["the right one-time code", (api) => api.verifyOtp({ userCode: "1234", code: "424242" })],
  ["a ticket on a menu, not a service", (api) => api.openTicket({ userCode: "1234", serviceId: 1, callId: "c.3" })],
  ["a ticket for nobody", (api) => api.openTicket({ userCode: "0000", serviceId: 101, callId: "c.3" })],
  ["a ticket", (api) => api.openTicket({ userCode: "1234", serviceId: 101, callId: "c.4" })],
  ["the same call's ticket again", (api) => api.openTicket({ userCode: "1234", serviceId: 101, callId: "c.4" })],
  ["someone else's ticket", (api) => api.ticketStatus("10001", "5678")],
  ["an unknown protocol", (api) => api.ticketStatus("99999", "1234")],
  ["a callback on an unknown ticket", (api) => api.requestCallback({ callId: "c.4", ticketProtocol: "99999", number: "1001", reason: "closed" })],
  ["the call record", (api) => api.recordCall({ callId: "c.4", callerNumber: "1001", userCode: "1234", outcome: "ticket", step: "ticket", ticketProtocol: null, startedAt: NOW.toISOString(), durationMs: 1000 })],
  ["a call record that breaks the contract", (api) => api.recordCall({ callId: "", callerNumber: null, userCode: null, outcome: "ticket", step: "x", ticketProtocol: null, startedAt: "yesterday", durationMs: -1 })],
  ["a miss", (api) => api.identifyByCode("999998")],
  ["another miss", (api) => api.identifyByCode("999997")],
  ["past the misses' limit", (api) => api.identifyByCode("1234")],
];

describe("the in-process client and the HTTP client answer alike", () => {
  it("values, refusals and limits, step by step", async () => {
    const answered: Array<{ step: string; direct: unknown; http: unknown }> = [];
    for (const [step, run] of steps) answered.push({ step, direct: await outcome(run(apis.direct!.api)), http: await outcome(run(apis.http!.api)) });
    for (const a of answered) expect(a.direct, a.step).toEqual(a.http);
    // The steps reach what they name: a refusal, a limit, a value.
    const of = (step: string) => answered.find((a) => a.step === step)!.direct;
    expect(of("an unknown code")).toEqual({ value: null });
    expect(of("a code too long for the contract")).toEqual({ error: "DependencyUnavailableError", reason: "rejected" });
    expect(of("a one-time code for a user without a phone")).toEqual({ value: { ok: false, reason: "no_phone" } });
    expect(of("the hourly cap on codes")).toMatchObject({ value: { ok: false, reason: "rate_limited", until: "2025-03-11T14:00:00.000Z" } });
    expect(of("the right one-time code")).toMatchObject({ value: { ok: true } });
    expect(of("the same call's ticket again")).toMatchObject({ value: { created: false, ticket: { protocol: "10001" } } });
    expect(of("someone else's ticket")).toEqual({ value: null });
    expect(of("a callback on an unknown ticket")).toEqual({ error: "DependencyUnavailableError", reason: "rejected" });
    expect(of("past the misses' limit")).toEqual({ error: "LimitReachedError", until: "2025-03-11T13:01:00.000Z" });
  });
});
