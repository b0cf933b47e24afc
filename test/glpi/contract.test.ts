import { describe } from "vitest";
import { GlpiClient, GlpiTicketBackend } from "../../src/glpi/index.js";
import { admin, DRIVERS, openTestDb } from "../support/databases.js";
import { GlpiStandin } from "../support/glpi-standin.js";
import { ticketBackendContract } from "../support/ticket-backend-contract.js";

const USER = "user-token-0123456789";

describe.each(DRIVERS)("GLPI tickets on %s", (driver) => {
  ticketBackendContract(`glpi (${driver})`, async () => {
    const t = await openTestDb(driver, import.meta.filename);
    const glpi = await new GlpiStandin({
      users: [
        { id: 7, login: "ura-ivr", userToken: USER },
        { id: 42, login: "ana.souza" },
        { id: 43, login: "bia.lima" },
      ],
    }).start();
    const now = new Date("2025-06-02T12:00:00Z");
    await t.store.users.create({ code: "7001", name: "Ana Souza" }, admin, now);
    await t.store.users.create({ code: "7002", name: "Bia Lima" }, admin, now);
    await t.store.db.run("UPDATE users SET glpi_id = 42 WHERE code = '7001'");
    await t.store.db.run("UPDATE users SET glpi_id = 43 WHERE code = '7002'");
    const backend = new GlpiTicketBackend({
      db: t.store.db,
      client: new GlpiClient({ url: glpi.url, appToken: "app-token-0123456789", auth: { userToken: USER } }),
      siteCode: "1",
      timeZone: "America/Sao_Paulo",
      glpiTimeZone: "UTC",
      entityId: null,
      requestTypeId: null,
      answerWithinMs: 1500,
    });
    return {
      backend,
      requesters: ["7001", "7002"],
      leafServiceId: 202,
      menuServiceId: 2,
      // GLPI's ticket id, as the issue asks: short (the builtin's are 12 digits).
      protocolPattern: /^[1-9][0-9]*$/,
      updatedElsewhere: true,
      async close() {
        await backend.close();
        await glpi.stop();
        await t.cleanup();
      },
    };
  });
});
