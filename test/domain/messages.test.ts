import { describe, expect, it } from "vitest";
import { codeMessage } from "../../src/domain/index.js";
import { message, messageTemplates } from "../../src/domain/messages.js";
import { openStore, systemActor } from "../../src/domain/index.js";
import { testSettings } from "../../src/config/index.js";

/** The written pt-BR texts come from sounds/messages.pt-BR.txt, not from code; the words did not change in the move. */
describe("written messages (sounds/messages.pt-BR.txt)", () => {
  it("the WhatsApp one-time-code message reads as before, for seconds, one minute and minutes", () => {
    expect(codeMessage("348444", 300)).toBe("Seu código de acesso ao suporte de TI é 348444. Ele vale por 5 minutos.");
    expect(codeMessage("348444", 60)).toBe("Seu código de acesso ao suporte de TI é 348444. Ele vale por 1 minuto.");
    expect(codeMessage("348444", 89)).toBe("Seu código de acesso ao suporte de TI é 348444. Ele vale por 1 minuto.");
    expect(codeMessage("348444", 90)).toBe("Seu código de acesso ao suporte de TI é 348444. Ele vale por 2 minutos.");
    expect(codeMessage("348444", 45)).toBe("Seu código de acesso ao suporte de TI é 348444. Ele vale por 45 segundos.");
  });

  it("a new catalogue option without a sentence gets '<label>, <key>.' from the template", async () => {
    const store = await openStore(testSettings({ DB_DRIVER: "sqlite", SQLITE_PATH: ":memory:" }), { migrate: true });
    try {
      const node = await store.catalogue.create({ parentId: 5, key: "2", label: "Manutenção do projetor" }, systemActor, new Date());
      expect(node.prompt).toBe("Manutenção do projetor, 2.");
    } finally {
      await store.close();
    }
  });

  it("fills only the placeholders the code gives, and says which one a template asks for in vain", () => {
    const templates = new Map([["catalogue-option", "Tecle {key} para {label} ({when})."]]);
    expect(() => message("catalogue-option", { label: "x", key: "1" }, templates)).toThrow(/uses \{when\}, which the code does not fill in/);
    expect(() => message("otp-message", { code: "1", validity: "x" }, new Map())).toThrow(/missing from sounds\/messages\.pt-BR\.txt/);
    expect(message("catalogue-option", { label: "{key}", key: "1" }, new Map([["catalogue-option", "{label}-{key}"]]))).toBe("{key}-1");
  });

  it("every template of the shipped file parses", () => {
    expect([...messageTemplates().keys()].sort()).toEqual([
      "catalogue-option",
      "glpi-content-caller",
      "glpi-content-department",
      "glpi-content-description",
      "glpi-content-identified",
      "glpi-content-intro-api",
      "glpi-content-intro-phone",
      "glpi-content-intro-web",
      "glpi-content-reference",
      "glpi-content-requester",
      "glpi-content-service",
      "glpi-content-when",
      "glpi-followup-status",
      "glpi-identified-code",
      "glpi-identified-extension",
      "glpi-identified-otp",
      "glpi-ticket-name",
      "guidance-option",
      "notice-department",
      "notice-extension",
      "notice-link",
      "notice-requester",
      "notice-service",
      "notice-title",
      "otp-message",
      "otp-validity-minutes",
      "otp-validity-one-minute",
      "otp-validity-seconds",
      "part-offline",
      "part-online",
    ]);
  });
});
