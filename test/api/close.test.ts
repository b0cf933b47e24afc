import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { openTestApi, TOKENS } from "./helper.js";

/**
 * `ura api` on SIGTERM closes the API (app.close()). A client that holds a connection it has not
 * sent a request on yet (fetch keeps a spare one after an aborted request) held that close up until
 * its own keep-alive ran out: 67 s in test/ivr/orphans.test.ts. The connection is the client's
 * business only while a request on it is in flight.
 */
describe("closing the API", () => {
  it("closes at once while a client holds a connection it never sent a request on, and one left idle after a request", async () => {
    const api = await openTestApi("sqlite", import.meta.filename);
    try {
      await api.app.listen({ host: "127.0.0.1", port: 0 });
      const port = (api.app.server.address() as { port: number }).port;
      const accepted = once(api.app.server, "connection");
      const unused = connect(port, "127.0.0.1");
      await once(unused, "connect");
      await accepted;
      const used = connect(port, "127.0.0.1");
      await once(used, "connect");
      used.write(`GET /api/v1/hours HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.ivr}\r\nConnection: keep-alive\r\n\r\n`);
      await once(used, "data");
      const closedByServer = (s: Socket) => new Promise<boolean>((resolve) => s.once("close", () => resolve(true)));
      const both = Promise.all([closedByServer(unused), closedByServer(used)]);
      await api.app.close();
      expect(await both).toEqual([true, true]);
    } finally {
      await api.db.cleanup();
    }
  });
});
