import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemActor, type Store } from "../../src/domain/index.js";
import { ScriptedCaller } from "../support/callers.js";
import { FakeSpeech, dial, said, startIvr, type Backend, type IvrUnderTest } from "../support/scenario.js";
import { readPromptTexts } from "../../src/tts/index.js";

/**
 * Issue 13's main-menu additions, one scenario each, through the Asterisk emulator against the
 * real API over HTTP (SQLite and MariaDB): announcements before the main menu, and the
 * information menu (4: opening hours and guidance texts), and the callback request when the
 * technicians are closed.
 */
/** Monday to Friday, 08:00–12:00 and 13:30–18:00. */
const WEEKDAYS_WITH_LUNCH = [1, 2, 3, 4, 5].flatMap((weekday) => [
  { weekday, opens: "08:00", closes: "12:00" },
  { weekday, opens: "13:30", closes: "18:00" },
]);
const HOURS_HEARD = ["info-hours", "from-weekday-1", "to-weekday-5", "from-8", "at-hour-12", "and", "from-13", "and", "num-30", "at-hour-18"];

export function menuScenarios(makeBackend: () => Promise<Backend & { store: Store }>): void {
  let backend: Backend & { store: Store };
  let ivr: IvrUnderTest;
  let speech: FakeSpeech;

  beforeAll(async () => {
    backend = await makeBackend();
    speech = new FakeSpeech();
    ivr = await startIvr({ api: backend.api, speech, clock: () => backend.clock(), settings: { IVR_API_BUDGET_MS: String(backend.budgetMs) } });
  });
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });
  beforeEach(async () => {
    await backend.setHours("open");
    // Each scenario starts without announcements.
    for (const a of await backend.store.announcements.list(backend.clock())) await backend.store.announcements.remove(a.id, systemActor, backend.clock());
    for (const g of await backend.store.guidance.list(true)) await backend.store.guidance.remove(g.id, systemActor, backend.clock());
    await backend.store.hours.setSchedule(WEEKDAYS_WITH_LUNCH, systemActor, backend.clock());
  });

  const hours = (n: number) => new Date(backend.clock().getTime() + n * 3_600_000).toISOString();

  describe("announcements", () => {
    it("an announcement playing now is heard after the greeting and before the main menu; scheduled and ended ones are not", async () => {
      const outage = "A rede da Secretaria de Saúde está fora do ar, a equipe já está trabalhando.";
      await backend.store.announcements.create({ text: outage }, systemActor, backend.clock());
      await backend.store.announcements.create({ text: "Manutenção programada amanhã.", startsAt: hours(2) }, systemActor, backend.clock());
      await backend.store.announcements.create({ text: "Aviso antigo.", startsAt: hours(-5), endsAt: hours(-1) }, systemActor, backend.clock());
      const caller = new ScriptedCaller().on("main-menu").hangup();
      const call = await dial(ivr, { caller });
      expect(call.heard.slice(0, 3)).toEqual(["greeting", said(outage), "main-menu"]);
      expect(call.heard).not.toContain(said("Manutenção programada amanhã."));
      expect(call.heard).not.toContain(said("Aviso antigo."));
    });

    it("two announcements play oldest first; once the admin ends one, the next caller hears only the other", async () => {
      const first = await backend.store.announcements.create({ text: "O sistema de protocolo está lento.", startsAt: hours(-1) }, systemActor, backend.clock());
      await backend.store.announcements.create({ text: "O e-mail está fora do ar." }, systemActor, backend.clock());
      const before = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").hangup() });
      expect(before.heard.slice(0, 4)).toEqual(["greeting", said("O sistema de protocolo está lento."), said("O e-mail está fora do ar."), "main-menu"]);

      await backend.store.announcements.end(first.id, systemActor, backend.clock());
      const after = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").hangup() });
      expect(after.heard.slice(0, 3)).toEqual(["greeting", said("O e-mail está fora do ar."), "main-menu"]);
    });

    it("a caller who knows the menu presses 2 during the announcement and goes straight on; * back to the main menu does not repeat it", async () => {
      const outage = "A internet da Prefeitura está instável.";
      await backend.store.announcements.create({ text: outage }, systemActor, backend.clock());
      const caller = new ScriptedCaller()
        .on(said(outage)).press("2")
        .on("ask-user-code").press("*")
        .on("main-menu").hangup();
      const call = await dial(ivr, { caller });
      expect(call.heard.filter((p) => p === said(outage))).toHaveLength(1);
      expect(call.heard).toContain("ask-user-code");
      expect(call.heard.filter((p) => p === "main-menu")).toHaveLength(1);
    });
  });

  describe("the information menu", () => {
    it("the main menu announces 4; 4 reads the opening hours, then the guidance; a key plays its text, * goes back to the main menu", async () => {
      await backend.store.guidance.create({ key: "1", title: "Como trocar sua senha", text: "Acesse o portal do servidor e clique em esqueci minha senha." }, systemActor, backend.clock());
      await backend.store.guidance.create({ key: "2", title: "Como configurar o e-mail no celular", text: "Use o aplicativo de e-mail e o endereço completo." }, systemActor, backend.clock());
      await backend.store.guidance.create({ key: "3", title: "Orientação desativada", text: "Não deveria tocar.", active: false }, systemActor, backend.clock());
      const caller = new ScriptedCaller()
        .on("main-menu").press("4")
        .on("info-guidance").listen()
        .on(said("Como configurar o e-mail no celular, 2.")).press("1")
        .on(said("Acesse o portal do servidor e clique em esqueci minha senha.")).listen()
        .on("info-guidance").press("*")
        .on("main-menu").hangup();
      const call = await dial(ivr, { caller });
      expect(readPromptTexts("sounds").get("main-menu")).toMatch(/informações, 4\./);
      const info = call.heard.indexOf("info-hours");
      expect(call.heard.slice(info, info + HOURS_HEARD.length + 3)).toEqual([
        ...HOURS_HEARD,
        "info-guidance",
        said("Como trocar sua senha, 1."),
        said("Como configurar o e-mail no celular, 2."),
      ]);
      expect(call.heard).not.toContain(said("Orientação desativada, 3."));
      const text = call.heard.indexOf(said("Acesse o portal do servidor e clique em esqueci minha senha."));
      expect(text).toBeGreaterThan(info);
      // After the text the options again (not the hours), then * back to the main menu.
      expect(call.heard.slice(text + 1, text + 2)).toEqual(["info-guidance"]);
      expect(call.heard.filter((p) => p === "info-hours")).toHaveLength(1);
      expect(call.heard.filter((p) => p === "main-menu")).toHaveLength(2);
      expect(call.heard.filter((p) => p === "greeting")).toHaveLength(1);
      // Nobody was identified and no ticket was opened: information needs neither.
      expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", userCode: null, ticketProtocol: null });
    });

    it("without guidance texts 4 reads the hours and returns to the main menu; without a schedule it says there is none", async () => {
      const caller = new ScriptedCaller().on("main-menu").press("4").on("main-menu").hangup();
      const call = await dial(ivr, { caller });
      const info = call.heard.indexOf("info-hours");
      expect(call.heard.slice(info, info + HOURS_HEARD.length + 1)).toEqual([...HOURS_HEARD, "main-menu"]);

      await backend.store.hours.setSchedule([], systemActor, backend.clock());
      const none = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("4").on("main-menu").hangup() });
      expect(none.heard).toContain("info-no-hours");
      expect(none.heard).not.toContain("info-hours");
    });
  });

  describe("callback when the technicians are closed", () => {
    it("out of hours, 3 asks for a callback: the ticket opens as usual and carries the request with the number the call came from", async () => {
      await backend.setHours("closed");
      const caller = new ScriptedCaller()
        .on("main-menu").press("3")
        .on("offer-callback").press("3")
        .on("service-menu").press("6")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller, callerId: "1001", channel: "PJSIP/1001-0000002a" });
      expect(call.heard).toContain("closed-now");
      const protocol = call.variables.URA_TICKET!;
      expect(protocol).toMatch(/^\d+$/);
      const i = call.heard.indexOf("callback-registered");
      expect(call.heard.slice(i, i + 6)).toEqual(["callback-registered", "digit-1", "digit-0", "digit-0", "digit-1", "protocol-repeat"]);
      expect(call.heard.indexOf("ticket-opened")).toBeLessThan(i);
      const callback = (await backend.store.callbacks.forTickets([protocol])).get(protocol);
      expect(callback).toMatchObject({ number: "1001", reason: "closed" });
      expect(await backend.store.callbacks.pending()).toBeGreaterThanOrEqual(1);
    });

    it("1 opens a ticket without a callback; a call without a usable number is not offered one", async () => {
      await backend.setHours("closed");
      const plain = new ScriptedCaller()
        .on("main-menu").press("3")
        .on("offer-callback").press("1")
        .on("service-menu").press("6")
        .on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller: plain, callerId: "1001", channel: "PJSIP/1001-0000002b" });
      const protocol = call.variables.URA_TICKET!;
      expect(call.heard).not.toContain("callback-registered");
      expect((await backend.store.callbacks.forTickets([protocol])).size).toBe(0);

      const anonymous = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3").on("offer-ticket").press("2"), callerId: "anonymous" });
      expect(anonymous.heard).toContain("offer-ticket");
      expect(anonymous.heard).not.toContain("offer-callback");
    });
  });
}
