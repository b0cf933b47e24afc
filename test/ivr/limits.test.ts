import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedCaller } from "../support/callers.js";
import { readPromptTexts } from "../../src/tts/index.js";
import { FakeSpeech, dial, realBackend, startIvr, type Backend, type IvrUnderTest } from "../support/scenario.js";

/**
 * Issue 13, "Lockout" and "Rate limits", through the emulator against the real API on SQLite and
 * MariaDB: a caller who reaches a limit on one-time codes hears when codes work again (the limit's
 * own `until`, read as a time: "hoje às dez e trinta"), then a technician is offered during business
 * hours, and out of hours they hear when the desk opens. The clock is the scenarios' Tuesday 10:00
 * (open) or 19:00 (closed), America/Sao_Paulo.
 */
/** Each rule lives once in the API (IvrOperations): the same answers whether the IVR calls it in process (`ura start`) or over HTTP (`ura ivr`). */
const BACKENDS = [
  ["sqlite", "direct"],
  ["sqlite", "http"],
  ["mysql", "direct"],
] as const;

describe.each(BACKENDS)("one-time code limits on %s, %s", (driver, path) => {
  let backend: Awaited<ReturnType<typeof realBackend>>;
  let ivr: IvrUnderTest;

  beforeAll(async () => {
    // Two wrong codes from one number cool it down for 30 minutes; one code per user (and per number) an hour.
    backend = await realBackend(driver, { path, database: `ura_limits_${process.pid}`, settings: { OTP_MAX_FAILURES: "2", OTP_COOLDOWN_MINUTES: "30", OTP_MAX_PER_HOUR: "1" } });
    ivr = await startIvr({ api: backend.api, speech: new FakeSpeech(), clock: () => backend.clock(), settings: { IVR_API_BUDGET_MS: String(backend.budgetMs) } });
  }, 60_000);
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });

  const upToCode = (code: string) => new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press(`${code}#`);

  it("wrong codes up to the cool-down: when codes work again (its end, rounded to the minute), then a technician in business hours", async () => {
    await backend.setHours("open");
    const caller = upToCode("1234").on("ask-otp", 2).press("000000#").on("offer-technician").press("0");
    const call = await dial(ivr, { caller, callerId: "4533330001" });
    // The second wrong code started a 30-minute cool-down at 10:00: "hoje às dez e trinta".
    const i = call.heard.indexOf("otp-locked-number");
    expect(call.heard.slice(i)).toEqual(["otp-locked-number", "call-again", "today", "at-10", "and", "num-30", "offer-technician", "transferring-recorded"]);
    expect(call.variables.URA_RESULT).toBe("transfer");
    expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "transfer", step: "otp" });

    // Calling again from the same number during the cool-down: no code is sent, the same answer.
    const again = await dial(ivr, { caller: upToCode("1234"), callerId: "4533330001" });
    expect(again.heard).not.toContain("ask-otp");
    expect(again.heard.slice(again.heard.indexOf("otp-locked-number"))).toEqual(["otp-locked-number", "call-again", "today", "at-10", "and", "num-30", "offer-technician", "goodbye"]);
  });

  it("the hourly cap on codes: when the next code can be sent, then a technician in business hours", async () => {
    await backend.setHours("open");
    const first = await dial(ivr, { caller: upToCode("5678").on("ask-otp").hangup(), callerId: "4533330002" });
    expect(first.heard).toContain("ask-otp");
    const call = await dial(ivr, { caller: upToCode("5678"), callerId: "4533330002" });
    // The first code went out at 10:00: the next one an hour later.
    const i = call.heard.indexOf("otp-rate-limited");
    expect(call.heard.slice(i)).toEqual(["otp-rate-limited", "call-again", "today", "at-hour-11", "offer-technician", "goodbye"]);
    expect(call.variables.URA_RESULT).toBe("abandoned");
    expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "otp" });
  });

  it("the hourly cap out of hours: when the next code can be sent, and when the desk opens, no technician offered", async () => {
    await backend.setHours("closed");
    try {
      await dial(ivr, { caller: upToCode("9012").on("ask-otp").hangup(), callerId: "4533330003" });
      const call = await dial(ivr, { caller: upToCode("9012"), callerId: "4533330003" });
      const i = call.heard.indexOf("otp-rate-limited");
      expect(call.heard.slice(i)).toEqual(["otp-rate-limited", "call-again", "today", "at-hour-20", "call-back", "tomorrow", "at-hour-8", "goodbye"]);
      expect(call.heard).not.toContain("offer-technician");
    } finally {
      await backend.setHours("open");
    }
  });

  it("the hourly cap says whose it is: a colleague calling from a number that used its code hears this number's cap, a user over theirs hears their record's", async () => {
    await backend.setHours("open");
    // An hour on, the earlier cases' codes no longer count.
    backend.advanceClock(61 * 60_000);
    const first = await dial(ivr, { caller: upToCode("1234").on("ask-otp").hangup(), callerId: "4533330004" });
    expect(first.heard).toContain("ask-otp");

    // João has had no code this hour; the number he calls from has.
    const colleague = await dial(ivr, { caller: upToCode("5678"), callerId: "4533330004" });
    expect(colleague.heard).not.toContain("ask-otp");
    expect(colleague.heard).not.toContain("otp-rate-limited");
    const i = colleague.heard.indexOf("otp-rate-limited-number");
    expect(colleague.heard.slice(i, i + 2), colleague.heard.join(" ")).toEqual(["otp-rate-limited-number", "call-again"]);

    // Maria, from a number that asked for nothing, is over her own cap.
    const user = await dial(ivr, { caller: upToCode("1234"), callerId: "4533330005" });
    expect(user.heard).not.toContain("otp-rate-limited-number");
    const j = user.heard.indexOf("otp-rate-limited");
    expect(user.heard.slice(j, j + 2), user.heard.join(" ")).toEqual(["otp-rate-limited", "call-again"]);
  });

  it("each hourly cap says whose it is: this number's calls, or the caller's record", () => {
    const texts = readPromptTexts("sounds");
    expect(texts.get("otp-rate-limited-number")).toMatch(/deste número/);
    expect(texts.get("otp-rate-limited-number")).not.toMatch(/cadastro/);
    expect(texts.get("otp-rate-limited")).toMatch(/seu cadastro/);
  });
});

describe.each(BACKENDS)("the cool-down is per calling number and ends by itself, on %s, %s", (driver, path) => {
  let backend: Awaited<ReturnType<typeof realBackend>>;
  let ivr: IvrUnderTest;

  beforeAll(async () => {
    // Two wrong codes from one number cool it down for 30 minutes; no hourly cap in the way.
    backend = await realBackend(driver, { path, database: `ura_cooldown_${process.pid}`, settings: { OTP_MAX_FAILURES: "2", OTP_COOLDOWN_MINUTES: "30", OTP_MAX_PER_HOUR: "100" } });
    ivr = await startIvr({ api: backend.api, speech: new FakeSpeech(), clock: () => backend.clock(), settings: { IVR_API_BUDGET_MS: String(backend.budgetMs) } });
  }, 60_000);
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });

  /** Maria's code (1234) from an outside number: two wrong one-time codes. */
  const twoWrong = () => new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("1234#").on("ask-otp", 2).press("000000#").on("offer-technician").hangup();
  /** Maria's code and the right one-time code from the outbox; hangs up at the services. */
  const rightCode = () =>
    new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press("1234#")
      .on("ask-otp").press(async () => `${await backend.lastCode("1234")}#`)
      .on("service-menu").hangup();

  it("someone who knows a colleague's code cools down only their own number: the colleague, from hers, gets a code and is in", async () => {
    await backend.setHours("open");
    const intruder = await dial(ivr, { caller: twoWrong(), callerId: "4533330101" });
    // What cools down is this number, and that is what the intruder hears, not "your record's codes".
    expect(intruder.heard).toContain("otp-locked-number");
    expect(intruder.heard).not.toContain("otp-locked");

    const colleague = await dial(ivr, { caller: rightCode(), callerId: "4533330102" });
    expect(colleague.heard.filter((p) => p.startsWith("otp-locked"))).toEqual([]);
    expect(colleague.heard).toContain("thanks-name");
    expect(colleague.variables.URA_USER).toBe("1234");
  });

  it("no admin needed: the same number, once its cool-down has passed, gets a code and is in", async () => {
    await backend.setHours("open");
    await dial(ivr, { caller: twoWrong(), callerId: "4533330111" });
    backend.advanceClock(29 * 60_000);
    const during = await dial(ivr, { caller: rightCode(), callerId: "4533330111" });
    expect(during.heard).toContain("otp-locked-number");
    expect(during.heard).not.toContain("ask-otp");

    backend.advanceClock(2 * 60_000);
    const after = await dial(ivr, { caller: rightCode(), callerId: "4533330111" });
    expect(after.heard.filter((p) => p.startsWith("otp-locked"))).toEqual([]);
    expect(after.heard).toContain("thanks-name");
    expect(after.variables.URA_USER).toBe("1234");
  });

  it("a call without a number cools down the user's codes, and hears that (the same user from a number still gets a code)", async () => {
    await backend.setHours("open");
    const byCode = () => new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("5678#");
    const wrong = byCode().on("ask-otp", 2).press("000000#").on("offer-technician").hangup();
    const hidden = await dial(ivr, { caller: wrong, callerId: "anonymous" });
    const i = hidden.heard.indexOf("otp-locked");
    expect(hidden.heard.slice(i, i + 2)).toEqual(["otp-locked", "call-again"]);
    expect(hidden.heard).not.toContain("otp-locked-number");
    expect(hidden.heard.slice(i)).toContain("offer-technician");

    const again = await dial(ivr, { caller: byCode().on("offer-technician").hangup(), callerId: "anonymous" });
    expect(again.heard).not.toContain("ask-otp");
    expect(again.heard).toContain("otp-locked");

    const fromNumber = await dial(ivr, {
      caller: byCode().on("ask-otp").press(async () => `${await backend.lastCode("5678")}#`).on("service-menu").hangup(),
      callerId: "4533330121",
    });
    expect(fromNumber.heard.filter((p) => p.startsWith("otp-locked"))).toEqual([]);
    expect(fromNumber.variables.URA_USER).toBe("5678");
  });

  it("each lockout says what is blocked: this number's calls, or the codes of the caller's record", () => {
    const texts = readPromptTexts("sounds");
    expect(texts.get("otp-locked-number")).toMatch(/deste número/);
    expect(texts.get("otp-locked-number")).not.toMatch(/cadastro/);
    expect(texts.get("otp-locked")).toMatch(/do seu cadastro/);
  });
});

describe.each(BACKENDS)("the identification limit (the API's 429 for too many lookups that find nobody) on %s, %s", (driver, path) => {
  let backend: Backend;
  let ivr: IvrUnderTest;

  beforeAll(async () => {
    backend = await realBackend(driver, { path, database: `ura_idlimits_${process.pid}`, settings: { IDENTIFY_MAX_MISSES_PER_MINUTE: "2" } });
    ivr = await startIvr({ api: backend.api, speech: new FakeSpeech(), clock: () => backend.clock(), settings: { IVR_API_BUDGET_MS: String(backend.budgetMs) } });
  }, 60_000);
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });

  const guessing = () => new ScriptedCaller().on("main-menu").press("1").on("ask-user-code", 3).press("999999#");

  it("in business hours: the system is unavailable until the minute ends ('hoje às dez e um'), and a technician is offered", async () => {
    await backend.setHours("open");
    const call = await dial(ivr, { caller: guessing() });
    const i = call.heard.indexOf("system-unavailable");
    expect(i, call.heard.join(" ")).toBeGreaterThan(0);
    expect(call.heard.slice(i)).toEqual(["system-unavailable", "call-again", "today", "at-10", "and", "digit-1", "offer-technician", "goodbye"]);
  });

  it("out of hours: when to try again, and when the desk opens", async () => {
    await backend.setHours("closed");
    try {
      const call = await dial(ivr, { caller: guessing() });
      const i = call.heard.indexOf("system-unavailable");
      expect(i, call.heard.join(" ")).toBeGreaterThan(0);
      expect(call.heard.slice(i)).toEqual(["system-unavailable", "call-again", "today", "at-19", "and", "digit-1", "call-back", "tomorrow", "at-hour-8", "goodbye"]);
    } finally {
      await backend.setHours("open");
    }
  });
});
