import { closedPort } from "../support/scenario.js";
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createApiClient } from "../../src/api-client/index.js";
import { DependencyUnavailableError, type RequestOptions, type TicketApi } from "../../src/ivr/index.js";
import { ScriptedCaller } from "../support/callers.js";
import { FakeSpeech, FakeTicketApi, dial, fakeBackend, said, startIvr, type IvrUnderTest } from "../support/scenario.js";

/**
 * Item 3 of issue 6: whatever fails, the caller hears a sentence that says so within the budget
 * (never silence), and during business hours (or when hours are unknown) is offered a technician.
 */

const BUDGET_MS = 1500;
let ivr: IvrUnderTest | undefined;
let server: Server | undefined;
afterEach(async () => {
  await ivr?.close();
  ivr = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(api: TicketApi, speech = new FakeSpeech()) {
  ivr = await startIvr({ api, speech, settings: { IVR_API_BUDGET_MS: String(BUDGET_MS) } });
  return ivr;
}

/** The longest the caller waited in silence for the IVR between two commands. */
const longestSilence = (call: { commands: { thinkMs: number }[] }) => Math.max(...call.commands.map((c) => c.thinkMs));

const upToCode = () => new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("1234#");

/** A port nothing listens on: connections are refused at once. */

/** An HTTP server that accepts requests and never answers (an API stuck on its database). */
async function silentServer(): Promise<number> {
  server = createServer(() => undefined);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

describe("the API unreachable or slow", () => {
  it("API_URL at a closed port: the caller hears that the system is unavailable and is offered a technician", async () => {
    const api = createApiClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, token: "t", timeoutMs: BUDGET_MS });
    const { logs } = await start(api);
    const call = await dial(ivr!, { caller: upToCode().on("offer-technician").press("0"), callerId: "1001" });
    expect(call.heard).toEqual(["greeting", "main-menu", "ask-user-code", "system-unavailable", "offer-technician", "transferring-recorded"]);
    expect(call.variables.URA_RESULT).toBe("transfer");
    expect(longestSilence(call)).toBeLessThanOrEqual(BUDGET_MS);
    expect(logs.some((l) => l.msg === "could not record the call")).toBe(true);
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it("an API that never answers: the budget cuts the wait, the caller hears why, and can still end the call", async () => {
    const api = createApiClient({ baseUrl: `http://127.0.0.1:${await silentServer()}`, token: "t", timeoutMs: BUDGET_MS });
    await start(api);
    const call = await dial(ivr!, { caller: upToCode() });
    expect(call.heard).toEqual(["greeting", "main-menu", "ask-user-code", "system-unavailable", "offer-technician", "goodbye"]);
    expect(call.variables.URA_RESULT).toBe("error");
    expect(longestSilence(call)).toBeLessThanOrEqual(BUDGET_MS);
  });

  it("the API fails after identification (catalogue): the step is recorded with the error", async () => {
    const { fake, ...backend } = fakeBackend();
    fake.failures.set("catalogue", "slow");
    await start(backend.api);
    const caller = upToCode().on("ask-otp").press(() => `${fake.lastCode()}#`).on("offer-technician").press("2");
    const call = await dial(ivr!, { caller });
    expect(call.heard.slice(-3)).toEqual(["system-unavailable", "offer-technician", "goodbye"]);
    expect(fake.calls[0]).toMatchObject({ outcome: "error", step: "service-menu", userCode: "1234" });
  });

  it("out of business hours the technician is not offered after a failure", async () => {
    const { fake } = fakeBackend();
    await fakeBackend(fake).setHours("closed");
    fake.failures.set("identifyByCode", "down");
    await start(fake);
    const call = await dial(ivr!, { caller: upToCode() });
    expect(call.heard.slice(-2)).toEqual(["system-unavailable", "goodbye"]);
    expect(call.variables.URA_RESULT).toBe("error");
  });

  it("a slow caller-id lookup does not block the call: the caller is asked for the code", async () => {
    const fake = new FakeTicketApi();
    fake.failures.set("identifyByCaller", "slow");
    await start(fake);
    const call = await dial(ivr!, { caller: upToCode().on("ask-otp").hangup(), callerId: "1001" });
    expect(call.heard).toContain("ask-user-code");
    expect(call.heard).not.toContain("confirm-caller");
  });
});

describe("transit slower than the API's share of the budget", () => {
  it("the API opens the ticket at once but its answer comes back after the IVR stopped waiting: 'um momento' within the budget, then the ticket's protocol", async () => {
    // The API keeps a fifth of the budget for the request's way there and the answer's way back
    // (TRANSIT_SHARE); here the way back alone takes most of the budget, the API none of it.
    const budget = 3000;
    const there = budget * 0.05;
    const back = budget * 0.875;
    const fake = new FakeTicketApi();
    const sleep = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => (clearTimeout(timer), reject(new DependencyUnavailableError("api", "timeout", "aborted in transit"))), { once: true });
      });
    const slowNetwork: TicketApi = Object.assign(Object.create(fake) as TicketApi, {
      async openTicket(input: Parameters<TicketApi["openTicket"]>[0], options?: RequestOptions) {
        await sleep(there, options?.signal);
        const answer = await fake.openTicket(input, options);
        await sleep(back, options?.signal);
        return answer;
      },
    });
    ivr = await startIvr({ api: slowNetwork, settings: { IVR_API_BUDGET_MS: String(budget) } });
    const caller = new ScriptedCaller().on("main-menu").press("1").on("service-menu").press("5").on("protocol-repeat").press("2");
    const call = await dial(ivr, { caller, callerId: "1001", channel: "PJSIP/1001-0000002b" });

    // The first answer was too late: the caller heard why they wait, then the protocol the second try brought back.
    const wait = call.heard.indexOf("ticket-wait");
    expect(wait, call.heard.join(" ")).toBeGreaterThan(0);
    expect(call.heard.slice(wait + 1)).toContain("ticket-opened");
    expect(call.heard).not.toContain("system-unavailable");
    expect(call.variables.URA_RESULT).toBe("ticket");
    expect(fake.tickets).toHaveLength(1);
    expect(longestSilence(call)).toBeLessThanOrEqual(budget);
  }, 30_000);
});

describe("the message sender down", () => {
  it("says the code could not be sent and offers a technician in business hours", async () => {
    const fake = new FakeTicketApi();
    fake.failures.set("requestOtp", "sender");
    await start(fake);
    const call = await dial(ivr!, { caller: upToCode().on("offer-technician").press("0") });
    expect(call.heard.slice(-3)).toEqual(["otp-send-failed", "offer-technician", "transferring-recorded"]);
    expect(call.variables.URA_RESULT).toBe("transfer");
    expect(fake.calls[0]).toMatchObject({ outcome: "transfer", step: "otp" });
  });

  it("out of hours: says so and says goodbye", async () => {
    const { fake } = fakeBackend();
    await fakeBackend(fake).setHours("closed");
    fake.failures.set("requestOtp", "sender");
    await start(fake);
    const call = await dial(ivr!, { caller: upToCode() });
    expect(call.heard.slice(-2)).toEqual(["otp-send-failed", "goodbye"]);
    expect(call.variables.URA_RESULT).toBe("error");
  });
});

describe("TTS hanging", () => {
  it("a synthesis that never finishes falls back within the budget, and is not tried again in the call", async () => {
    const fake = new FakeTicketApi();
    const speech = new FakeSpeech();
    speech.mode = "hang";
    await start(fake, speech);
    // "Olá, <nome>." on Maria's own extension is where the name is spoken.
    const caller = new ScriptedCaller()
      .on("main-menu").press("1")
      .on("service-menu").press("5")
      .on("protocol-repeat").press("2");
    const call = await dial(ivr!, { caller, callerId: "1001", channel: "PJSIP/1001-0000002a" });
    expect(call.heard).not.toContain(said("Maria Souza"));
    expect(call.heard).toContain("user-with-code");
    expect(call.variables.URA_RESULT).toBe("ticket");
    expect(speech.texts).toEqual(["Maria Souza"]);
    expect(longestSilence(call)).toBeLessThanOrEqual(BUDGET_MS);
  });
});

describe("TTS answering from memory", () => {
  it("a text heard a moment ago is played from the synthesizer's memory, without waiting on a synthesis", async () => {
    const fake = new FakeTicketApi();
    // Any synthesis would hang: only the memory answer can make the name heard.
    const speech = Object.assign(new FakeSpeech(), { ready: (text: string) => (text === "Maria Souza" ? `/var/cache/tts/say:${text}` : null) });
    speech.mode = "hang";
    await start(fake, speech);
    const caller = new ScriptedCaller()
      .on("main-menu").press("1")
      .on("confirm-caller").press("1")
      .on("service-menu").press("5")
      .on("protocol-repeat").press("2");
    const call = await dial(ivr!, { caller, callerId: "1001", channel: "PJSIP/1001-0000002a" });
    expect(call.heard).toContain(said("Maria Souza"));
    expect(call.variables.URA_RESULT).toBe("ticket");
    expect(speech.texts).not.toContain("Maria Souza");
  });
});

describe("hang-up with AGIEXITONHANGUP=yes (what the dialplan sets)", () => {
  it("Asterisk leaves at once; the IVR still records the call over HTTP", async () => {
    const fake = new FakeTicketApi();
    await start(fake);
    const call = await dial(ivr!, { caller: upToCode().on("ask-otp").hangup(300), exitOnHangup: true });
    expect(call.agiStatus).toBe("HANGUP");
    expect(fake.calls[0]).toMatchObject({ outcome: "abandoned", step: "otp", userCode: null });
  });
});
