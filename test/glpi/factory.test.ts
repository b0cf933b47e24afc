import { afterEach, describe, expect, it } from "vitest";
import { testSettings } from "../../src/config/index.js";
import { openStore, systemActor } from "../../src/domain/index.js";
import { glpiBackendFactory } from "../../src/glpi/index.js";
import { GlpiStandin } from "../support/glpi-standin.js";
import { waitFor } from "../support/wait.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("TICKET_BACKEND=glpi through the store", () => {
  it("the store's tickets are GLPI's, its outbox worker delivers what waited, and closing the store ends the GLPI session", async () => {
    const glpi = await new GlpiStandin({ firstTicketId: 300 }).start();
    cleanups.push(() => glpi.stop());
    const settings = testSettings({
      DB_DRIVER: "sqlite",
      SQLITE_PATH: ":memory:",
      OTP_SECRET: "x".repeat(40),
      TICKET_BACKEND: "glpi",
      GLPI_URL: glpi.url,
      GLPI_APP_TOKEN: "app-token-0123456789",
      GLPI_USER_TOKEN: "user-token-0123456789",
    });
    const store = await openStore(settings, { tickets: glpiBackendFactory() });
    let closed = false;
    cleanups.push(async () => closed || store.close());
    await store.users.create({ code: "7001", name: "Ana Souza" }, systemActor, new Date());
    expect(store.tickets.kind).toBe("glpi");

    const now = await store.tickets.open({ userCode: "7001", serviceId: 202, callId: "f.1", source: "phone" }, systemActor, new Date());
    expect(now.ticket.protocol).toBe("300");
    expect(glpi.tickets.get(300)!.requesttypes_id).toBe(3); // "Phone", looked up in GLPI

    await glpi.goDown();
    const later = await store.tickets.open({ userCode: "7001", serviceId: 202, callId: "f.2", source: "phone" }, systemActor, new Date());
    expect(later.ticket.protocol).toMatch(/^0[0-9]+$/);
    await glpi.comeBack();
    await waitFor(() => glpi.ticketsWith("ura-001-call-f.2").length === 1, "the store's outbox worker to deliver", 30_000);

    await store.close();
    closed = true;
    expect(glpi.sessions.size).toBe(0);
    expect(glpi.count("GET", "/killSession")).toBe(1);
  });
});
