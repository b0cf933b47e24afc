import { afterEach, describe, expect, it } from "vitest";
import { ScriptedCaller } from "../support/callers.js";
import { FakeTicketApi, SlowSpeech, dial, said, startIvr, type IvrUnderTest } from "../support/scenario.js";

/**
 * "The name is synthesised while the one-time-code prompt plays" (src/ivr/identify.ts): with a TTS
 * engine that takes a second per text, the caller who typed a user code does not sit through that
 * second before "Você é <nome>": the synthesis ran while they listened to the code prompt, read the
 * WhatsApp message and typed the code. When the caller is faster than the engine, the rest of the
 * synthesis is awaited, within the silence budget.
 */

const SYNTHESIS_MS = 1000;
let ivr: IvrUnderTest | undefined;
afterEach(async () => {
  await ivr?.close();
  ivr = undefined;
});

type Dialled = Awaited<ReturnType<typeof dial>>;

/** Real ms the caller waited in silence after typing the code, before the name confirmation began. */
const silenceBeforeName = (call: Dialled) => {
  const command = call.commands.find((c) => c.name === "STREAM FILE" && c.args[0]?.endsWith("/you-are"));
  if (!command) throw new Error(`the caller never heard "you-are": ${call.heard.join(" ")}`);
  return command.thinkMs;
};

async function start(budgetMs: number) {
  const api = new FakeTicketApi();
  const speech = new SlowSpeech(SYNTHESIS_MS);
  ivr = await startIvr({ api, speech, settings: { IVR_API_BUDGET_MS: String(budgetMs) } });
  return { api, speech };
}

describe("the name synthesis overlaps the one-time-code entry", () => {
  it("a synthesis longer than the budget still finishes while the caller types the code: the name follows at once", async () => {
    // The budget (400 ms) is for silences the caller lives through, not for work done while a prompt plays.
    const { api, speech } = await start(400);
    let askedAt = 0;
    const caller = new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press("1234#")
      .on("ask-otp").press(async () => {
        askedAt = Date.now();
        // The emulator plays media in virtual time; a real caller spends seconds on the prompt,
        // the WhatsApp message and the six keys. This one takes exactly as long as the engine.
        await speech.run("Maria Souza").done;
        return `${api.lastCode("1234")}#`;
      })
      .on("confirm-name").press("1")
      .on("service-menu").hangup();
    const call = await dial(ivr!, { caller });

    const run = speech.run("Maria Souza");
    expect(run.startedAt, "the synthesis started before the code prompt").toBeLessThanOrEqual(askedAt);
    expect(run.aborted).toBe(false);
    expect(run.endedAt! - run.startedAt).toBeGreaterThanOrEqual(SYNTHESIS_MS - 5);
    const i = call.heard.indexOf("you-are");
    expect(call.heard.slice(i, i + 3)).toEqual(["you-are", said("Maria Souza"), "confirm-name"]);
    expect(silenceBeforeName(call)).toBeLessThan(SYNTHESIS_MS / 4);
  });

  it("a caller faster than the engine waits for the rest of the synthesis, within the budget, and hears the name", async () => {
    const budget = 1500;
    const { api, speech } = await start(budget);
    const caller = new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press("1234#")
      .on("ask-otp").press(() => `${api.lastCode("1234")}#`)
      .on("confirm-name").press("1")
      .on("service-menu").hangup();
    const call = await dial(ivr!, { caller });

    expect(call.heard).toContain(said("Maria Souza"));
    expect(speech.run("Maria Souza").aborted).toBe(false);
    const silence = silenceBeforeName(call);
    // The caller reached the name long before the synthesis ended, so there was a wait (how much
    // depends on how fast this machine ran the steps before it).
    expect(silence).toBeGreaterThan(50);
    expect(silence).toBeLessThan(budget);
  });

  it("when the rest of the synthesis would exceed the budget, the wait is cut and the code is read instead", async () => {
    const budget = 400;
    const { api, speech } = await start(budget);
    const caller = new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press("1234#")
      .on("ask-otp").press(() => `${api.lastCode("1234")}#`)
      .on("confirm-name").press("1")
      .on("service-menu").hangup();
    const call = await dial(ivr!, { caller });

    expect(call.heard).not.toContain(said("Maria Souza"));
    const i = call.heard.indexOf("confirm-code-prefix");
    expect(call.heard.slice(i, i + 6)).toEqual(["confirm-code-prefix", "digit-1", "digit-2", "digit-3", "digit-4", "confirm-name"]);
    const fallback = call.commands.find((c) => c.name === "STREAM FILE" && c.args[0]?.endsWith("/confirm-code-prefix"))!;
    expect(fallback.thinkMs).toBeLessThan(budget + 300);
    expect(speech.run("Maria Souza").aborted).toBe(true);
  });
});
