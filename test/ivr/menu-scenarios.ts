import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemActor, type Store } from "../../src/domain/index.js";
import { ScriptedCaller } from "../support/callers.js";
import { FakeSpeech, dial, said, startIvr, type Backend, type IvrUnderTest } from "../support/scenario.js";

/**
 * Issue 13's main-menu additions, one scenario each, through the Asterisk emulator against the
 * real API over HTTP (SQLite and MariaDB): announcements before the main menu.
 */
export function menuScenarios(makeBackend: () => Promise<Backend & { store: Store }>): void {
  let backend: Backend & { store: Store };
  let ivr: IvrUnderTest;
  let speech: FakeSpeech;

  beforeAll(async () => {
    backend = await makeBackend();
    speech = new FakeSpeech();
    ivr = await startIvr({ api: backend.api, speech, clock: () => backend.clock() });
  });
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });
  beforeEach(async () => {
    await backend.setHours("open");
    // Each scenario starts without announcements.
    for (const a of await backend.store.announcements.list(backend.clock())) await backend.store.announcements.remove(a.id, systemActor, backend.clock());
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
}
