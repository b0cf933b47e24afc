import { afterEach, describe, expect, it } from "vitest";
import { ScriptedCaller } from "../support/callers.js";
import { FakeTicketApi, SlowSpeech, dial, said, startIvr, type IvrUnderTest } from "../support/scenario.js";

/**
 * The name in "Você é <nome>?" (src/ivr/identify.ts), asked on a call from the caller's own
 * extension, when the name is not in the TTS cache yet (a user added while the service runs): with
 * an engine that takes a second per text, the caller waits for it within the silence budget, and
 * when the rest would exceed the budget the wait is cut and the user code is read instead. (Until
 * issue 13 the name was also asked after the one-time code, and its synthesis overlapped the code's
 * entry; that repeated confirmation is gone.)
 */

const SYNTHESIS_MS = 1000;
let ivr: IvrUnderTest | undefined;
afterEach(async () => {
  await ivr?.close();
  ivr = undefined;
});

type Dialled = Awaited<ReturnType<typeof dial>>;

/** Real ms the caller waited in silence after the main menu, before the name confirmation began. */
const silenceBeforeName = (call: Dialled) => {
  const command = call.commands.find((c) => c.name === "STREAM FILE" && c.args[0]?.endsWith("/you-are"));
  if (!command) throw new Error(`the caller never heard "you-are": ${call.heard.join(" ")}`);
  return command.thinkMs;
};

/** Maria's own registered extension. */
const OWN_PHONE = { callerId: "1001", channel: "PJSIP/1001-0000002a" };

async function start(budgetMs: number) {
  const api = new FakeTicketApi();
  const speech = new SlowSpeech(SYNTHESIS_MS);
  ivr = await startIvr({ api, speech, settings: { IVR_API_BUDGET_MS: String(budgetMs) } });
  return { api, speech };
}

describe("the name of 'Você é …?' when it is not synthesised yet", () => {
  it("a synthesis within the budget is waited for, and the caller hears the name", async () => {
    const budget = 1500;
    const { speech } = await start(budget);
    const caller = new ScriptedCaller().on("main-menu").press("1").on("confirm-caller").press("1").on("service-menu").hangup();
    const call = await dial(ivr!, { caller, ...OWN_PHONE });

    const i = call.heard.indexOf("you-are");
    expect(call.heard.slice(i, i + 3)).toEqual(["you-are", said("Maria Souza"), "confirm-caller"]);
    expect(speech.run("Maria Souza").aborted).toBe(false);
    const silence = silenceBeforeName(call);
    expect(silence).toBeGreaterThan(50);
    expect(silence).toBeLessThan(budget);
  });

  it("when the synthesis would exceed the budget, the wait is cut and the code is read instead", async () => {
    const budget = 400;
    const { speech } = await start(budget);
    const caller = new ScriptedCaller().on("main-menu").press("1").on("confirm-caller").press("1").on("service-menu").hangup();
    const call = await dial(ivr!, { caller, ...OWN_PHONE });

    expect(call.heard).not.toContain(said("Maria Souza"));
    const i = call.heard.indexOf("confirm-code-prefix");
    expect(call.heard.slice(i, i + 6)).toEqual(["confirm-code-prefix", "digit-1", "digit-2", "digit-3", "digit-4", "confirm-caller"]);
    const fallback = call.commands.find((c) => c.name === "STREAM FILE" && c.args[0]?.endsWith("/confirm-code-prefix"))!;
    expect(fallback.thinkMs).toBeLessThan(budget + 300);
    expect(speech.run("Maria Souza").aborted).toBe(true);
  });
});
