import { describe } from "vitest";
import { admin, DRIVERS, openTestDb } from "../support/databases.js";
import { ticketBackendContract } from "../support/ticket-backend-contract.js";

describe.each(DRIVERS)("builtin tickets on %s", (driver) => {
  ticketBackendContract(`builtin (${driver})`, async () => {
    const t = await openTestDb(driver, import.meta.filename);
    const now = new Date("2025-06-02T12:00:00Z");
    await t.store.users.create({ code: "7001", name: "Ana Souza", department: "Saúde" }, admin, now);
    await t.store.users.create({ code: "7002", name: "Bia Lima", department: "Obras" }, admin, now);
    // The seed catalogue: 2 is "Computador", 202 its option "Não liga".
    return { backend: t.store.tickets, requesters: ["7001", "7002"], leafServiceId: 202, menuServiceId: 2, otherLeafServiceId: 201, departments: ["Saúde", "Obras"], close: () => t.cleanup() };
  });
});
