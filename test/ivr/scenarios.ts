import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SettingName } from "../../src/config/index.js";
import { question, ScriptedCaller } from "../support/callers.js";
import { readPromptTexts } from "../../src/tts/index.js";
import { FakeSpeech, dial, identifiedVariables, said, startIvr, uniqueId, type Backend, type IvrUnderTest } from "../support/scenario.js";

/**
 * The call paths of issue 6, one scenario each, through the Asterisk emulator. The same file runs
 * against the in-memory API and against the real API, called in process as under `ura start`
 * (SQLite and MariaDB) and over HTTP as `ura ivr` does (SQLite).
 */
export function callScenarios(makeBackend: () => Promise<Backend>, settings: Partial<Record<SettingName, string>> = {}): void {
  let backend: Backend;
  let ivr: IvrUnderTest;
  let speech: FakeSpeech;

  /** The backend's budget (see Backend.budgetMs) unless the file sets one. */
  const ivrSettings = (more: Partial<Record<SettingName, string>> = {}) => ({ IVR_API_BUDGET_MS: String(backend.budgetMs), ...settings, ...more });

  beforeAll(async () => {
    backend = await makeBackend();
    speech = new FakeSpeech();
    ivr = await startIvr({ api: backend.api, speech, clock: () => backend.clock(), settings: ivrSettings() });
  });
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });
  beforeEach(async () => {
    speech.mode = "ok";
    await backend.setHours("open");
  });

  /** Types the user code and the one-time code from the outbox (no name to confirm after it). */
  const byCode = (caller: ScriptedCaller, code = "1234") =>
    caller
      .on("ask-user-code").press(`${code}#`)
      .on("ask-otp").press(async () => `${await backend.lastCode(code)}#`);
  /** Maria's own registered extension: she hears her name, and no codes (docs/security.md). */
  const OWN_PHONE = { callerId: "1001", channel: "PJSIP/1001-0000002a" };

  const ticketsOf = async (user: string) => (await backend.tickets()).filter((t) => t.userCode === user);

  describe("opening a ticket", () => {
    it("happy path by code: exactly one ticket for the right user and service, the short protocol read back in groups", async () => {
      const before = await ticketsOf("1234");
      const caller = byCode(new ScriptedCaller().on("main-menu").press("1"))
        .on(question("service-menu")).press("2")
        .on(question("sub-menu")).press("2")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller });

      const after = await ticketsOf("1234");
      expect(after).toHaveLength(before.length + 1);
      const ticket = after.find((t) => !before.some((b) => b.protocol === t.protocol))!;
      expect(ticket.serviceId).toBe(202);
      const readBack = call.heard.slice(call.heard.indexOf("ticket-opened") + 1, call.heard.indexOf("protocol-repeat"));
      // Digit by digit in groups of at most three, a pause between groups: 5 to 7 digits, not 12.
      expect(ticket.protocol).toMatch(/^\d{5,7}$/);
      expect(readBack.filter((p) => p !== "pause")).toEqual([...ticket.protocol].map((d) => `digit-${d}`));
      const groups = readBack.join(" ").split(" pause ").map((g) => g.split(" ").length);
      expect(groups.length).toBeGreaterThan(1);
      expect(Math.max(...groups)).toBeLessThanOrEqual(3);
      // The footer ("7 repete", "* volta", "0 técnico") is heard once in the whole call.
      for (const fragment of ["footer-repeat", "footer-back", "footer-technician"]) expect(call.heard.filter((p) => p === fragment), fragment).toHaveLength(1);
      // The one-time code was the identity check: no "Você é …?" after it, and the caller hears
      // whose code it was; the sub-menu begins with the service just chosen.
      expect(call.heard.filter((p) => ["you-are", "confirm-name"].includes(p))).toEqual([]);
      const otp = call.heard.indexOf("ask-otp");
      expect(call.heard.slice(otp + 1, otp + 4)).toEqual(["thanks-name", said("Maria Souza"), "service-menu"]);
      expect(call.heard).toContain(said("Computador"));
      expect(call.heard).not.toContain("sub-menu");
      expect(call.heard.at(-1)).toBe("goodbye");
      expect(call.variables).toMatchObject({ URA_RESULT: "ticket", URA_TICKET: ticket.protocol, URA_USER: "1234" });
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "ticket", step: "protocol", ticketProtocol: ticket.protocol, userCode: "1234" });
      // The one-time code travels only in the HTTP request: never in an AGI command.
      const code = await backend.lastCode("1234");
      expect(call.commands.filter((c) => c.line.includes(code))).toEqual([]);
    });

    it("happy path from the caller's own extension: 'Olá, Maria Souza.', no question and no code at all", async () => {
      const sent = await backend.lastCode("1234").catch(() => null);
      const caller = new ScriptedCaller()
        .on("main-menu").press("1")
        .on(question("service-menu")).press("6")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller, callerId: "1001", channel: "PJSIP/1001-0000002a" });
      // "Ramal" has one option: it opens without a sub-menu.
      expect(call.heard).not.toContain("sub-menu");
      expect(call.heard).not.toContain("ask-user-code");
      expect(call.heard).not.toContain("ask-otp");
      expect(await backend.lastCode("1234").catch(() => null)).toBe(sent);
      expect(call.heard.slice(0, 5)).toEqual(["greeting", "main-menu", "hello-name", said("Maria Souza"), "service-menu"]);
      expect(call.heard.filter((p) => ["you-are", "confirm-caller", "confirm-name"].includes(p))).toEqual([]);
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ identifiedBy: "caller-id", userCode: "1234" });
      expect(call.variables.URA_RESULT).toBe("ticket");
      expect((await ticketsOf("1234")).find((t) => t.protocol === call.variables.URA_TICKET)?.serviceId).toBe(601);
    });

    it("a number shared by two users identifies nobody: the caller types the code", async () => {
      const caller = byCode(new ScriptedCaller().on("main-menu").press("1"), "5678")
        .on(question("service-menu")).press("5")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller, callerId: "2000" });
      expect(call.heard).not.toContain("confirm-caller");
      expect(call.heard).toContain("ask-user-code");
      expect(call.variables).toMatchObject({ URA_RESULT: "ticket", URA_USER: "5678" });
    });

    it("a wrong user code three times ends the call politely, without a ticket", async () => {
      const before = (await backend.tickets()).length;
      const caller = new ScriptedCaller().on("main-menu").press("1").on("ask-user-code", 3).press("999999#");
      const call = await dial(ivr, { caller });
      expect(call.heard.filter((p) => p === "unknown-user-code")).toHaveLength(2);
      expect(call.heard.slice(-2)).toEqual(["too-many-tries", "goodbye"]);
      expect(call.variables.URA_RESULT).toBe("abandoned");
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "user-code", userCode: null });
      expect((await backend.tickets()).length).toBe(before);
    });

    it("a wrong one-time code three times ends the call (a technician offered in business hours), and the code was never in a command", async () => {
      const caller = new ScriptedCaller()
        .on("main-menu").press("1")
        .on("ask-user-code").press("9012#")
        .on("ask-otp", 3).press("000000#");
      const call = await dial(ivr, { caller });
      expect(call.heard.filter((p) => p === "otp-wrong")).toHaveLength(2);
      expect(call.heard.slice(-3)).toEqual(["too-many-tries", "offer-technician", "goodbye"]);
      expect(call.heard).not.toContain("confirm-name");
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "otp" });
    });

    it("after the one-time code the caller hears their name and is not asked it: the code already reached their mobile", async () => {
      const caller = byCode(new ScriptedCaller().on("main-menu").press("1")).on(question("service-menu")).hangup();
      const call = await dial(ivr, { caller });
      const i = call.heard.indexOf("ask-otp");
      expect(call.heard.slice(i + 1, i + 4)).toEqual(["thanks-name", said("Maria Souza"), "service-menu"]);
      expect(call.heard.filter((p) => ["you-are", "confirm-name"].includes(p))).toEqual([]);
      expect(call.variables.URA_USER).toBe("1234");
    });

    it("with no one-time code (OTP_POLICY=never) the name is the check, and declining it ends the call without a ticket", async () => {
      const noCodes = await startIvr({ api: backend.api, speech, clock: () => backend.clock(), settings: ivrSettings({ OTP_POLICY: "never" }) });
      try {
        const before = (await backend.tickets()).length;
        const caller = new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("1234#").on(question("confirm-name")).press("2");
        const call = await dial(noCodes, { caller });
        expect(call.heard).not.toContain("ask-otp");
        const i = call.heard.indexOf("you-are");
        expect(call.heard.slice(i, i + 3)).toEqual(["you-are", said("Maria Souza"), "confirm-name"]);
        expect(call.heard.slice(-2)).toEqual(["name-declined", "goodbye"]);
        expect(call.variables.URA_USER).toBeUndefined();
        expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "confirm-name" });
        expect((await backend.tickets()).length).toBe(before);
      } finally {
        await noCodes.close();
      }
    });

    it("barge-in: keys typed during a prompt cut it and count (greeting, one-time code, menu intro)", async () => {
      const caller = new ScriptedCaller()
        .on("greeting").press("1")
        .on("ask-user-code").press("1234#")
        .on("otp-sent").press(async () => `${await backend.lastCode("1234")}#`)
        .on("service-menu").press("3")
        .on(said("Impressoras")).press("2")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller });
      expect(call.heard.slice(0, 2)).toEqual(["greeting", "ask-user-code"]);
      expect(call.heard).not.toContain(said("Sistemas, 1."));
      expect(call.variables.URA_RESULT).toBe("ticket");
      expect((await ticketsOf("1234")).find((t) => t.protocol === call.variables.URA_TICKET)?.serviceId).toBe(302);
    });

    it("'*' goes back one menu, '7' repeats it, and an admin's change mid-call is heard from the next call (one catalogue version per call)", async () => {
      const caller = byCode(new ScriptedCaller().on("main-menu").press("1"))
        .on(question("service-menu")).press("4")
        .on(question("sub-menu")).press("*")
        .on(question("service-menu")).press(async () => {
          await backend.renameService(1, "Sistemas e portais, 1.");
          return "7";
        })
        .on(question("service-menu")).press("*")
        .on("main-menu").press("1")
        .on(question("service-menu")).press("4")
        .on(question("sub-menu")).press("2")
        .on("protocol-repeat").press("1")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller });
      const menus = call.heard.filter((p) => ["main-menu", "service-menu", said("Acessos")].includes(p));
      expect(menus).toEqual(["main-menu", "service-menu", said("Acessos"), "service-menu", "service-menu", "main-menu", "service-menu", said("Acessos")]);
      // Every service menu of the call said the catalogue as it was when the call first read it.
      expect(call.heard).not.toContain(said("Sistemas e portais, 1."));
      expect(call.heard.filter((p) => p === said("Sistemas, 1."))).toHaveLength(4);
      expect(call.heard.filter((p) => p === "ask-user-code")).toHaveLength(1);
      expect(call.heard).toContain("protocol-is");
      // The footer played with the first menu that has it, and again when the caller asked (7).
      expect(call.heard.filter((p) => p === "footer-back")).toHaveLength(2);
      expect((await ticketsOf("1234")).find((t) => t.protocol === call.variables.URA_TICKET)?.serviceId).toBe(402);
      // The next call hears the change.
      const next = await dial(ivr, { caller: byCode(new ScriptedCaller().on("main-menu").press("1")).on(question("service-menu")).hangup() });
      expect(next.heard).toContain(said("Sistemas e portais, 1."));
      await backend.renameService(1, "Sistemas, 1.");
    });
  });

  describe("identification by where the call comes from (docs/security.md)", () => {
    /** Maria's extension number as caller id, but through a trunk: anyone outside can send it. */
    const SPOOFED = { callerId: "1001", channel: "PJSIP/trunk-operadora-0000002b" };
    const ticket = (caller: ScriptedCaller) => caller.on(question("service-menu")).press("2").on(question("sub-menu")).press("1").on("protocol-repeat").press("2");

    it("a call from outside with an extension's number as caller id: user code and one-time code, never 'Você é …?'", async () => {
      const call = await dial(ivr, { caller: ticket(byCode(new ScriptedCaller().on("main-menu").press("1"))), ...SPOOFED });
      expect(call.heard).not.toContain("confirm-caller");
      expect(call.heard.filter((p) => ["ask-user-code", "ask-otp", "confirm-name"].includes(p))).toEqual(["ask-user-code", "ask-otp"]);
      expect(call.variables).toMatchObject({ URA_RESULT: "ticket", URA_USER: "1234" });
    });

    it("where an extension needs a one-time code (extension-otp), someone else at the desk declines 'Você é …?' and uses their own code", async () => {
      await backend.setIdentification("extension", "1001", "extension-otp");
      try {
        const caller = byCode(new ScriptedCaller().on("main-menu").press("1").on("confirm-caller").press("2"), "5678");
        const call = await dial(ivr, { caller: ticket(caller), ...OWN_PHONE });
        expect(call.heard.filter((p) => ["confirm-caller", "ask-user-code", "ask-otp", "confirm-name"].includes(p))).toEqual(["confirm-caller", "ask-user-code", "ask-otp"]);
        expect(call.variables).toMatchObject({ URA_RESULT: "ticket", URA_USER: "5678" });
      } finally {
        await backend.setIdentification("extension", "1001", null);
      }
    });

    it("a department's rule asks a one-time code on its extensions; an extension's own rule wins over it", async () => {
      await backend.setIdentification("department", "Saúde", "extension-otp");
      try {
        const withOtp = new ScriptedCaller()
          .on("main-menu").press("1")
          .on("confirm-caller").press("1")
          .on("ask-otp").press(async () => `${await backend.lastCode("1234")}#`);
        const first = await dial(ivr, { caller: ticket(withOtp), ...OWN_PHONE });
        expect(first.heard.filter((p) => ["confirm-caller", "ask-user-code", "ask-otp", "confirm-name"].includes(p))).toEqual(["confirm-caller", "ask-otp"]);
        // She confirmed her name before the code: it is not said again after it.
        expect(first.heard).not.toContain("thanks-name");
        expect(first.variables.URA_RESULT).toBe("ticket");

        await backend.setIdentification("extension", "1001", "code-otp");
        const second = await dial(ivr, { caller: ticket(byCode(new ScriptedCaller().on("main-menu").press("1"))), ...OWN_PHONE });
        expect(second.heard).not.toContain("confirm-caller");
        expect(second.heard.filter((p) => ["ask-user-code", "ask-otp", "confirm-name"].includes(p))).toEqual(["ask-user-code", "ask-otp"]);
        expect(second.variables.URA_RESULT).toBe("ticket");
      } finally {
        await backend.setIdentification("extension", "1001", null);
        await backend.setIdentification("department", "Saúde", null);
      }
    });

    it("a status check from the own extension: no code, no one-time code, no question — the caller's name, then the protocol", async () => {
      const protocol = await backend.ticketFor("1234");
      const caller = new ScriptedCaller().on("main-menu").press("2").on("ask-ticket-number").press(`${protocol}#`).on("status-more").press("2");
      const call = await dial(ivr, { caller, ...OWN_PHONE });
      expect(call.heard.slice(0, 6)).toEqual(["greeting", "main-menu", "hello-name", said("Maria Souza"), "ask-ticket-number", "status-open"]);
      expect(call.variables).toMatchObject({ URA_RESULT: "status", URA_USER: "1234" });
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "status", userCode: "1234" });
    });

    it("a status check from outside still asks for the code and the one-time code", async () => {
      const protocol = await backend.ticketFor("1234");
      const caller = byCode(new ScriptedCaller().on("main-menu").press("2")).on("ask-ticket-number").press(`${protocol}#`).on("status-more").press("2");
      const call = await dial(ivr, { caller, ...SPOOFED });
      expect(call.heard.filter((p) => ["ask-user-code", "ask-otp", "confirm-name", "status-open"].includes(p))).toEqual(["ask-user-code", "ask-otp", "status-open"]);
    });
  });

  describe("limits: a technician in business hours, when to call back out of hours", () => {
    const wrongCodes = () => new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("9012#").on("ask-otp", 3).press("000000#");

    it("three wrong one-time codes in business hours: a technician is offered, and 0 transfers (recorded, and the caller is told)", async () => {
      const call = await dial(ivr, { caller: wrongCodes().on("offer-technician").press("0") });
      expect(call.heard.slice(-3)).toEqual(["too-many-tries", "offer-technician", "transferring-recorded"]);
      expect(call.variables).toMatchObject({ URA_RESULT: "transfer", URA_RECORD: "yes" });
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "transfer", step: "otp" });
    });

    it("three wrong one-time codes out of hours: when to call back (tomorrow at eight), no technician offered", async () => {
      await backend.setHours("closed");
      const call = await dial(ivr, { caller: wrongCodes() });
      expect(call.heard.slice(-5)).toEqual(["too-many-tries", "call-back", "tomorrow", "at-hour-8", "goodbye"]);
      expect(call.heard).not.toContain("offer-technician");
      expect(call.variables.URA_RESULT).toBe("abandoned");
    });
  });

  describe("satisfaction survey (feeds the wallboard's customerSatisfaction and surveyCount)", () => {
    it("after the protocol: one key, stored with the call and its ticket, and counted in the summary", async () => {
      const before = await backend.surveySummary();
      const caller = byCode(new ScriptedCaller().on("main-menu").press("1"))
        .on(question("service-menu")).press("2")
        .on(question("sub-menu")).press("1")
        .on("protocol-repeat").press("2")
        .on("survey").press("4");
      const call = await dial(ivr, { caller });
      expect(call.heard.slice(-3)).toEqual(["protocol-repeat", "survey", "goodbye"]);
      expect(await backend.surveyOf(call.uniqueId)).toMatchObject({ score: 4, kind: "ticket", ticketProtocol: call.variables.URA_TICKET });
      const after = await backend.surveySummary();
      expect(after.surveyCount).toBe(before.surveyCount + 1);
      expect(after.customerSatisfaction).not.toBeNull();
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "ticket", step: "protocol" });
    });

    it("after a status check too; silence or another key skips it at once, and nothing is stored", async () => {
      const protocol = await backend.ticketFor("1234");
      const status = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("2").on("ask-ticket-number").press(`${protocol}#`).on("status-more").press("2").on("survey").press("5"), callerId: "1001", channel: "PJSIP/1001-0000002c" });
      expect(await backend.surveyOf(status.uniqueId)).toMatchObject({ score: 5, kind: "status", ticketProtocol: protocol });

      const skipped = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("2").on("ask-ticket-number").press(`${protocol}#`).on("status-more").press("2").on("survey").press("9"), callerId: "1001", channel: "PJSIP/1001-0000002d" });
      expect(skipped.heard.slice(-2)).toEqual(["survey", "goodbye"]);
      expect(await backend.surveyOf(skipped.uniqueId)).toBeNull();
      const silent = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("2").on("ask-ticket-number").press(`${protocol}#`).on("status-more").press("2"), callerId: "1001", channel: "PJSIP/1001-0000002e" });
      expect(silent.heard.slice(-2)).toEqual(["survey", "goodbye"]);
      expect(silent.variables.URA_RESULT).toBe("status");
      expect(await backend.surveyOf(silent.uniqueId)).toBeNull();
    });

    it("after checking several tickets, the answer is about the last one the caller heard, and the summary counts it once", async () => {
      const first = await backend.ticketFor("1234");
      const last = await backend.ticketFor("1234");
      const before = await backend.surveySummary();
      const caller = new ScriptedCaller()
        .on("main-menu").press("2")
        .on("ask-ticket-number").press(`${first}#`)
        .on("status-more").press("1")
        .on("ask-ticket-number").press(`${last}#`)
        .on("status-more").press("2")
        .on("survey").press("3");
      const call = await dial(ivr, { caller, callerId: "1001", channel: "PJSIP/1001-0000002f" });
      expect(call.heard.filter((p) => p === "status-open")).toHaveLength(2);
      expect(await backend.surveyOf(call.uniqueId)).toMatchObject({ score: 3, kind: "status", ticketProtocol: last });
      const after = await backend.surveySummary();
      expect(after.surveyCount).toBe(before.surveyCount + 1);
      expect(after.customerSatisfaction).not.toBeNull();
    });
  });

  describe("menus announce every key they accept", () => {
    it("main menu: 1, 2, '3 ou zero', 4 in its words, 7 in the footer; 7 plays it again with the footer, 0 reaches a technician", async () => {
      const texts = readPromptTexts("sounds");
      expect(texts.get("main-menu")).toMatch(/, 1; .*, 2; .*, 3 ou zero; .*, 4\./);
      expect(texts.get("footer-repeat")).toMatch(/, 7\./);
      const caller = new ScriptedCaller().on(question("main-menu")).press("7").on(question("main-menu")).press("0");
      const call = await dial(ivr, { caller });
      expect(call.heard.slice(0, 5)).toEqual(["greeting", "main-menu", "footer-repeat", "main-menu", "footer-repeat"]);
      expect(call.heard[5]).toMatch(/^transferring/);
      expect(call.variables.URA_RESULT).toBe("transfer");
    });

    it("a menu that accepts '*' says so: 'Você é …?' (extension-otp) gets the footer's 'voltar' (once per call)", async () => {
      await backend.setIdentification("extension", "1001", "extension-otp");
      try {
        const caller = new ScriptedCaller().on("main-menu").press("1").on(question("confirm-caller")).press("*").on("main-menu").hangup();
        const call = await dial(ivr, { caller, ...OWN_PHONE });
        const i = call.heard.indexOf("confirm-caller");
        expect(call.heard.slice(i, i + 2)).toEqual(["confirm-caller", "footer-back"]);
        expect(call.heard.at(-1)).toBe("main-menu");
      } finally {
        await backend.setIdentification("extension", "1001", null);
      }
    });

    it("the one-time code prompt takes '*' back to the main menu, and says so (a caller who typed a wrong user code sees the code went to another mobile)", async () => {
      const texts = readPromptTexts("sounds");
      for (const id of ["ask-user-code", "ask-otp", "ask-ticket-number"]) expect(texts.get(id), id).toMatch(/Para voltar, tecle asterisco\.$/);
      const caller = new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("5678#").on("ask-otp").press("*").on("main-menu").hangup();
      const call = await dial(ivr, { caller });
      expect(call.heard.slice(call.heard.indexOf("ask-otp"))).toEqual(["ask-otp", "main-menu"]);
    });

    it("after the one-time code, the first menu that accepts '*' (the services) says so", async () => {
      const caller = byCode(new ScriptedCaller().on("main-menu").press("1")).on(question("service-menu")).hangup();
      const call = await dial(ivr, { caller });
      expect(call.heard.slice(-2)).toEqual(["footer-back", "footer-technician"]);
    });
  });

  describe("invalid and missing keys", () => {
    it("main menu: an invalid key is 'opção inválida', silence is 'não recebemos nenhuma opção'; the footer plays once; then a polite end", async () => {
      const caller = new ScriptedCaller().on("main-menu").press("9");
      const call = await dial(ivr, { caller });
      // The 9 cut the first menu before its footer ("7 repete"), so the footer plays the next time, and only then.
      expect(call.heard).toEqual(["greeting", "main-menu", "invalid-option", "main-menu", "footer-repeat", "no-input", "main-menu", "no-input-end", "goodbye"]);
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "main-menu" });
    });

    it("service and sub-menu: invalid keys and silence, then the caller picks", async () => {
      const caller = byCode(new ScriptedCaller().on("main-menu").press("1"))
        .on(question("service-menu")).press("9")
        .on(question("service-menu")).listen()
        .on(question("service-menu")).press("2")
        .on(question("sub-menu")).press("8")
        .on(question("sub-menu")).press("1")
        .on("protocol-repeat").listen();
      const call = await dial(ivr, { caller });
      const menuPrompts = call.heard.filter((p) => ["invalid-option", "no-input", "service-menu", said("Computador")].includes(p));
      expect(menuPrompts).toEqual(["service-menu", "invalid-option", "service-menu", "no-input", "service-menu", said("Computador"), "invalid-option", said("Computador")]);
      expect(call.variables.URA_RESULT).toBe("ticket");
      expect(call.heard.at(-1)).toBe("goodbye");
    });

    it("digit entry: silence at the user code prompt repeats it, then ends politely", async () => {
      const caller = new ScriptedCaller().on("main-menu").press("1");
      const call = await dial(ivr, { caller });
      expect(call.heard.slice(2)).toEqual(["ask-user-code", "no-input", "ask-user-code", "no-input", "ask-user-code", "no-input-end", "goodbye"]);
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "user-code" });
    });

    it("'*' at the user code prompt goes back to the main menu", async () => {
      const caller = new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("*").on("main-menu").press("2").on("ask-user-code").hangup();
      const call = await dial(ivr, { caller });
      expect(call.heard).toEqual(["greeting", "main-menu", "ask-user-code", "main-menu", "ask-user-code"]);
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "user-code" });
    });
  });

  describe("ticket status", () => {
    const status = (protocol: string) => byCode(new ScriptedCaller().on("main-menu").press("2")).on("ask-ticket-number").press(`${protocol}#`).on("status-more").press("2");

    it("the caller's own ticket: status and last update", async () => {
      const protocol = await backend.ticketFor("1234");
      const call = await dial(ivr, { caller: status(protocol) });
      const i = call.heard.indexOf("status-open");
      expect(i).toBeGreaterThan(0);
      expect(call.heard[i + 1]).toBe("updated-at");
      expect(call.heard.slice(i + 2, call.heard.indexOf("status-more")).length).toBeGreaterThanOrEqual(2);
      expect(call.variables.URA_RESULT).toBe("status");
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "status", step: "status", userCode: "1234" });
    });

    it("someone else's ticket sounds exactly like an unknown one", async () => {
      const theirs = await backend.ticketFor("5678");
      const other = await dial(ivr, { caller: status(theirs).on("ask-ticket-number", 2).press("1#") });
      const unknown = await dial(ivr, { caller: status("99999999").on("ask-ticket-number", 2).press("1#") });
      for (const call of [other, unknown]) {
        expect(call.heard.filter((p) => p.startsWith("status-"))).toEqual([]);
        expect(call.heard.slice(-3)).toEqual(["ticket-not-found", "too-many-tries", "goodbye"]);
      }
      expect(other.heard).toEqual(unknown.heard);
    });
  });

  describe("technician", () => {
    it("in business hours: URA_RESULT=transfer and back to the dialplan", async () => {
      const call = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3") });
      expect(call.heard).toEqual(["greeting", "main-menu", "transferring-recorded"]);
      expect(call.variables.URA_RESULT).toBe("transfer");
      expect(call.agiStatus).toBe("SUCCESS");
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "transfer", step: "technician" });
      // The technicians' screens hear of it as "not identified"; the desk phones keep the caller id.
      expect(await backend.transfer(call.uniqueId)).toEqual({ userCode: null, identifiedBy: null, serviceId: null });
      expect(call.variables.URA_CALLER_NAME).toBeUndefined();
    });

    it("from a service menu after identifying: the screen-pop learns who, how and what, and the desk phones show the name", async () => {
      const caller = byCode(new ScriptedCaller().on("main-menu").press("1")).on(question("service-menu")).press("2").on(question("sub-menu")).press("0");
      const call = await dial(ivr, { caller });
      expect(call.heard.at(-1), call.heard.join(" ")).toBe("transferring-recorded");
      expect(call.variables).toMatchObject({ URA_RESULT: "transfer", URA_CALLER_NAME: "Maria Souza · 1234" });
      // 2 is "Computador" in the seed catalogue: the menu the caller was in.
      expect(await backend.transfer(call.uniqueId)).toEqual({ userCode: "1234", identifiedBy: "code+otp", serviceId: 2 });
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "transfer", userCode: "1234", identifiedBy: "code+otp" });
    });

    it("out of hours: says when it opens (tomorrow at eight) and offers to open a ticket", async () => {
      await backend.setHours("closed");
      const caller = byCode(new ScriptedCaller().on("main-menu").press("0").on("offer-ticket").press("1"))
        .on(question("service-menu")).press("1")
        .on(question("sub-menu")).press("2")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller });
      expect(call.heard.slice(2, 7)).toEqual(["closed-now", "opens-at", "tomorrow", "at-hour-8", "offer-ticket"]);
      expect(call.variables.URA_RESULT).toBe("ticket");
    });

    it("on a holiday: says so and when it opens; declining the ticket ends the call", async () => {
      await backend.setHours("holiday");
      const call = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3").on("offer-ticket").press("2") });
      expect(call.heard).toEqual(["greeting", "main-menu", "closed-holiday", "opens-at", "tomorrow", "at-hour-8", "offer-ticket", "goodbye"]);
      expect(call.variables.URA_RESULT).toBe("abandoned");
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "technician-closed" });
    });
  });

  describe("TTS failing", () => {
    it("the name falls back to the user code read digit by digit, a sub-menu's label to 'qual opção', options to 'opção N'", async () => {
      speech.mode = "fail";
      const caller = new ScriptedCaller()
        .on("main-menu").press("1")
        .on(question("service-menu")).press("1")
        .on(question("sub-menu")).press("1")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller, ...OWN_PHONE });
      const i = call.heard.indexOf("hello-name");
      expect(call.heard.slice(i, i + 7)).toEqual(["hello-name", "user-with-code", "digit-1", "digit-2", "digit-3", "digit-4", "service-menu"]);
      const menu = call.heard.indexOf("service-menu");
      expect(call.heard.slice(menu + 1, menu + 5)).toEqual(["option", "digit-1", "option", "digit-2"]);
      const sub = call.heard.indexOf("sub-menu");
      expect(call.heard.slice(sub + 1, sub + 3)).toEqual(["option", "digit-1"]);
      expect(call.variables.URA_RESULT).toBe("ticket");
    });
  });

  describe("the sender and the API failing (what the caller hears, URA_RESULT, the call row)", () => {
    /** The longest the caller waited in silence between two commands. */
    const longestSilence = (call: { commands: { thinkMs: number }[] }) => Math.max(...call.commands.map((c) => c.thinkMs));
    const upToCode = () => new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("1234#");

    it("sender down (the API answers 503), in business hours: the sentence for it, then a technician", async () => {
      await backend.setSender("down");
      try {
        const call = await dial(ivr, { caller: upToCode().on("offer-technician").press("0") });
        expect(call.heard.slice(2)).toEqual(["ask-user-code", "otp-send-failed", "offer-technician", "transferring-recorded"]);
        expect(call.heard).not.toContain("ask-otp");
        expect(call.variables.URA_RESULT).toBe("transfer");
        expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "transfer", step: "otp", userCode: null });
      } finally {
        await backend.setSender("ok");
      }
    });

    it("sender down out of hours: the sentence for it, then goodbye (no technician offered)", async () => {
      await backend.setHours("closed");
      await backend.setSender("down");
      try {
        const call = await dial(ivr, { caller: upToCode() });
        expect(call.heard.slice(2)).toEqual(["ask-user-code", "otp-send-failed", "goodbye"]);
        expect(call.variables.URA_RESULT).toBe("error");
        expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "error", step: "otp", userCode: null });
      } finally {
        await backend.setSender("ok");
      }
    });

    it("a sender slower than the budget: the IVR stops waiting within it, says so and offers a technician", async () => {
      await backend.setSender("slow");
      try {
        const call = await dial(ivr, { caller: upToCode().on("offer-technician").press("2") });
        expect(call.heard.slice(2)).toEqual(["ask-user-code", "system-unavailable", "offer-technician", "goodbye"]);
        expect(call.variables.URA_RESULT).toBe("error");
        expect(longestSilence(call)).toBeLessThanOrEqual(ivr.settings.IVR_API_BUDGET_MS);
        expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "error", step: "otp", userCode: null });
      } finally {
        await backend.setSender("ok");
      }
    });

    // Over HTTP only (`ura ivr` on its own host): `ura start`'s IVR calls the API in its own process.
    it("the API unreachable after identification: 'system unavailable', a technician offered, and the step recorded once it is back", async (test) => {
      const setApiReachable = backend.setApiReachable?.bind(backend);
      if (!setApiReachable) return test.skip();
      const before = (await backend.tickets()).length;
      const caller = new ScriptedCaller()
        .on("main-menu").press("1")
        // Identified by the extension: the API goes away while the caller hears their name.
        .on("hello-name").press(async () => {
          await setApiReachable(false);
          return "1";
        })
        .on("offer-technician").press(async () => {
          await setApiReachable(true);
          return "2";
        });
      try {
        const call = await dial(ivr, { caller, ...OWN_PHONE });
        expect(call.heard.slice(-5)).toEqual(["hello-name", said("Maria Souza"), "system-unavailable", "offer-technician", "goodbye"]);
        expect(call.heard).not.toContain("service-menu");
        expect(call.variables).toMatchObject({ URA_RESULT: "error", URA_USER: "1234" });
        expect(longestSilence(call)).toBeLessThanOrEqual(ivr.settings.IVR_API_BUDGET_MS);
        expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "error", step: "service-menu", userCode: "1234" });
        expect((await backend.tickets()).length).toBe(before);
      } finally {
        await setApiReachable(true);
      }
    });

    it("the API still unreachable when the call ends: the caller is told, and no call row can be written", async (test) => {
      const setApiReachable = backend.setApiReachable?.bind(backend);
      if (!setApiReachable) return test.skip();
      const caller = new ScriptedCaller().on("main-menu").press(async () => {
        await setApiReachable(false);
        return "1";
      }).on("ask-user-code").press("1234#").on("offer-technician").press("0");
      try {
        const call = await dial(ivr, { caller });
        expect(call.heard.slice(2)).toEqual(["ask-user-code", "system-unavailable", "offer-technician", "transferring-recorded"]);
        expect(call.variables.URA_RESULT).toBe("transfer");
        await setApiReachable(true);
        expect(await backend.callRecord(call.uniqueId)).toBeNull();
      } finally {
        await setApiReachable(true);
      }
    });
  });

  describe("hang-up", () => {
    it("at every command of the happy path: a ticket only if its creation finished, and the call row says where", async () => {
      const happy = () =>
        byCode(new ScriptedCaller().on("main-menu").press("1"))
          .on(question("service-menu")).press("2")
          .on(question("sub-menu")).press("2")
          .on("protocol-repeat").press("2");
      const reference = await dial(ivr, { caller: happy() });
      const created = reference.commands.findIndex((c) => c.line === 'SET VARIABLE URA_RESULT "ticket"');
      expect(created).toBeGreaterThan(0);
      const steps = new Set<string>();
      for (let i = 0; i < reference.commands.length; i++) {
        const id = uniqueId();
        const before = (await backend.tickets()).length;
        const call = await dial(ivr, { caller: happy(), uniqueId: id, hangupBeforeCommand: i });
        expect(call.agiStatus).toBe("HANGUP");
        expect(call.closedBy).toBe("server");
        const after = (await backend.tickets()).length;
        expect(after - before, `hang-up before command ${i}`).toBe(i >= created ? 1 : 0);
        const row = await backend.callRecord(id);
        expect(row, `call row after a hang-up before command ${i}`).not.toBeNull();
        expect(row!.outcome).toBe(i >= created ? "ticket" : "abandoned");
        steps.add(row!.step ?? "");
      }
      expect([...steps]).toEqual(expect.arrayContaining(["greeting", "main-menu", "user-code", "otp", "service-menu", "protocol"]));
    });
  });

  describe("step scripts, chained as a FreePBX IVR chains them", () => {
    it("ura/identify then ura/ticket?service=2.3 on the same channel", async () => {
      const id = uniqueId();
      const first = await dial(ivr, { script: "ura/identify", uniqueId: id, caller: byCode(new ScriptedCaller()) });
      expect(first.variables).toMatchObject({ URA_RESULT: "identified", URA_USER: "1234" });
      expect(first.heard.slice(-3)).toEqual(["ask-otp", "thanks-name", said("Maria Souza")]);
      const second = await dial(ivr, {
        script: "ura/ticket?service=2.3",
        uniqueId: id,
        variables: first.variables,
        caller: new ScriptedCaller().on("protocol-repeat").press("2"),
      });
      expect(second.heard[0]).toBe("ticket-opened");
      expect(second.variables.URA_RESULT).toBe("ticket");
      expect((await ticketsOf("1234")).find((t) => t.protocol === second.variables.URA_TICKET)?.serviceId).toBe(203);
      expect(await backend.callRecord(id)).toMatchObject({ outcome: "ticket", step: "protocol" });
    });

    it("ura/ticket without a verified user, or with URA_USER forged by the dialplan, refuses", async () => {
      const none = await dial(ivr, { script: "ura/ticket?service=2.3" });
      const forged = await dial(ivr, { script: "ura/ticket?service=2.3", variables: { URA_USER: "1234", URA_AUTH: "x".repeat(32) } });
      const otherCall = await dial(ivr, { script: "ura/ticket?service=2.3", variables: identifiedVariables("another.call", "1234") });
      for (const call of [none, forged, otherCall]) {
        expect(call.variables).toMatchObject({ URA_RESULT: "error", URA_ERROR: "needs-identify" });
        expect(call.heard).toEqual([]);
      }
    });

    it("the main menu without the greeting (URA_RETURN, URA_AFTER_IDENTIFY) keeps the identification of an earlier step", async () => {
      const id = uniqueId();
      const protocol = await backend.ticketFor("1234");
      const caller = new ScriptedCaller().on("main-menu").press("2").on("ask-ticket-number").press(`${protocol}#`).on("status-more").press("2");
      const call = await dial(ivr, { script: "ura?greeting=no", uniqueId: id, variables: identifiedVariables(id, "1234"), caller, callerId: "5555" });
      expect(call.heard.slice(0, 3)).toEqual(["main-menu", "ask-ticket-number", "status-open"]);
      expect(call.variables.URA_RESULT).toBe("status");
      // Without a valid identification it is the main menu, and identification as usual.
      const fresh = await dial(ivr, { script: "ura?greeting=no", variables: identifiedVariables("another.call", "1234"), caller: new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").hangup() });
      expect(fresh.heard).toEqual(["main-menu", "ask-user-code"]);
    });

    it("ura/ticket?service=2 plays the sub-menu; ura/status and ura/hours work alone", async () => {
      const id = uniqueId();
      const vars = identifiedVariables(id, "1234");
      const menu = await dial(ivr, { script: "ura/ticket?service=2", uniqueId: id, variables: vars, caller: new ScriptedCaller().on(question("sub-menu")).press("1").on("protocol-repeat").press("2") });
      expect(menu.heard[0]).toBe(said("Computador"));
      expect(menu.variables.URA_RESULT).toBe("ticket");

      const protocol = await backend.ticketFor("1234");
      const status = await dial(ivr, { script: "ura/status", uniqueId: id, variables: vars, caller: new ScriptedCaller().on("ask-ticket-number").press(`${protocol}#`).on("status-more").press("2") });
      expect(status.heard).toContain("status-open");
      expect(status.variables.URA_RESULT).toBe("status");

      const hours = await dial(ivr, { script: "ura/hours" });
      expect(hours.heard).toEqual(["transferring-recorded"]);
      expect(hours.variables.URA_RESULT).toBe("transfer");

      const back = await dial(ivr, { script: "ura/status", variables: identifiedVariables("9.9", "1234"), uniqueId: "9.9", caller: new ScriptedCaller().on("ask-ticket-number").press("*") });
      expect(back.variables.URA_RESULT).toBe("back");
    });
  });
}
