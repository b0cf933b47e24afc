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
      categories: [
        { id: 31, name: "Computador" },
        { id: 32, name: "Formatação", itilcategories_id: 31 },
        { id: 33, name: "Não liga", itilcategories_id: 31 },
      ],
    }).start();
    const now = new Date("2025-06-02T12:00:00Z");
    await t.store.users.create({ code: "7001", name: "Ana Souza", department: "Saúde" }, admin, now);
    await t.store.users.create({ code: "7002", name: "Bia Lima", department: "Obras" }, admin, now);
    await t.store.db.run("UPDATE users SET glpi_id = 42 WHERE code = '7001'");
    await t.store.db.run("UPDATE users SET glpi_id = 43 WHERE code = '7002'");
    // The services file tickets under GLPI's categories (the filter by service asks GLPI by category).
    await t.store.db.run("UPDATE services SET glpi_category_id = 32 WHERE id = 201");
    await t.store.db.run("UPDATE services SET glpi_category_id = 33 WHERE id = 202");
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
      otherLeafServiceId: 201,
      departments: ["Saúde", "Obras"],
      // GLPI keeps its own assignment (its technicians, not our console accounts).
      assigneeFilter: false,
      holdDelivery(hold) {
        // GLPI refuses to create tickets (the service account lost the right): they wait in the outbox.
        glpi.users[0]!.rights = { ticketCreate: !hold };
        return Promise.resolve();
      },
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
