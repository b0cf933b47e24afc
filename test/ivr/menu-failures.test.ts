import { afterEach, describe, expect, it } from "vitest";
import { ScriptedCaller } from "../support/callers.js";
import { FakeSpeech, FakeTicketApi, dial, said, startIvr, type IvrUnderTest } from "../support/scenario.js";

/**
 * The main-menu additions when something behind them fails: the caller always reaches the main
 * menu, never a silence longer than the budget, and never a dropped call.
 */
const BUDGET_MS = 1500;
let ivr: IvrUnderTest | undefined;
afterEach(async () => {
  await ivr?.close();
  ivr = undefined;
});

const longestSilence = (call: { commands: { thinkMs: number }[] }) => Math.max(...call.commands.map((c) => c.thinkMs));

describe("announcements when something fails", () => {
  it("the API not answering for announcements: greeting, then the main menu, within the budget", async () => {
    const api = new FakeTicketApi();
    api.announcementTexts = ["Não deveria tocar."];
    api.failures.set("announcements", "slow");
    ivr = await startIvr({ api, settings: { IVR_API_BUDGET_MS: String(BUDGET_MS) } });
    const call = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").hangup() });
    expect(call.heard.slice(0, 2)).toEqual(["greeting", "main-menu"]);
    expect(longestSilence(call)).toBeLessThanOrEqual(BUDGET_MS);
  });

  it("the speech engine failing: the announcement is skipped and the menu plays", async () => {
    const api = new FakeTicketApi();
    api.announcementTexts = ["A rede está fora do ar."];
    const speech = new FakeSpeech();
    speech.mode = "fail";
    ivr = await startIvr({ api, speech, settings: { IVR_API_BUDGET_MS: String(BUDGET_MS) } });
    const call = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").hangup() });
    expect(call.heard.slice(0, 2)).toEqual(["greeting", "main-menu"]);
    expect(call.heard).not.toContain(said("A rede está fora do ar."));
  });

  it("a caller who hangs up during the greeting leaves no error behind", async () => {
    const api = new FakeTicketApi();
    api.announcementTexts = ["A rede está fora do ar."];
    ivr = await startIvr({ api, settings: { IVR_API_BUDGET_MS: String(BUDGET_MS) } });
    const call = await dial(ivr, { caller: new ScriptedCaller().on("greeting").hangup() });
    expect(call.heard).not.toContain("main-menu");
    expect(api.calls.find((c) => c.callId === call.uniqueId)).toMatchObject({ outcome: "abandoned" });
    expect(ivr.logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe("the information menu when the API fails", () => {
  it("the caller is told the system is not answering and offered a technician, never silence", async () => {
    const api = new FakeTicketApi();
    api.failures.set("information", "down");
    ivr = await startIvr({ api, settings: { IVR_API_BUDGET_MS: String(BUDGET_MS) } });
    const call = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("4") });
    expect(call.heard.slice(-3)).toEqual(["system-unavailable", "offer-technician", "goodbye"]);
    expect(longestSilence(call)).toBeLessThanOrEqual(BUDGET_MS);
  });
});
