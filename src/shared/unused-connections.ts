import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/**
 * On close, also drops the connections that never carried a request. Node counts such a connection
 * as busy (its headers timeout is running), so `close()` left it to the client: fetch (undici)
 * keeps a spare one after an aborted request, and `ura api` took 67 s to stop on SIGTERM, until the
 * client's keep-alive ran out. Connections with a request in flight are still waited for.
 */
export function closeUnusedConnections(app: FastifyInstance): void {
  const unused = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  // A WebSocket's connection starts with its upgrade request: it is closed as the WebSocket plugin closes it.
  for (const event of ["request", "upgrade"]) app.server.on(event, (request: { socket: Socket }) => unused.delete(request.socket));
  app.addHook("preClose", (done) => {
    for (const socket of unused) socket.destroy();
    done();
  });
}
