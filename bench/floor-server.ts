import { createServer, type Server, type Socket } from "node:net";

/**
 * The floor: a bare FastAGI server on `node:net` that sends a fixed command sequence (recorded from
 * one real call) and nothing else — no parsing beyond finding line ends, no routing, no logic, no
 * I/O. Whatever think time it shows is the cost of the loopback, the event loops and the emulator
 * itself; our server's think time is reported as a multiple of it.
 */
export interface FloorServer {
  port: number;
  /** Calls that got the whole sequence. */
  completed(): number;
  close(): Promise<void>;
}

export async function startFloorServer(commands: readonly string[], host = "127.0.0.1"): Promise<FloorServer> {
  const payload = commands.map((c) => `${c}\n`);
  let completed = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffer = "";
    let inEnv = true;
    let next = 0;
    const send = () => {
      if (next < payload.length) socket.write(payload[next++]!);
      else {
        completed++;
        socket.end();
      }
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (inEnv) {
          if (line === "" || line === "\r") {
            inEnv = false;
            send();
          }
          continue;
        }
        // A reply ends on a line with a status code and a space: "200 result=…", "510 …", "520 End…".
        // "520-…" and the usage lines of a 520 block, and a "HANGUP" line, are not the end of a reply.
        if (/^\d{3} /.test(line)) send();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host, backlog: 4096 }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    completed: () => completed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * As a process of its own (`node --import tsx bench/floor-server.ts <commands.json>`), so the floor
 * has the same topology as the real service: its own process and event loop, the emulator in the
 * bench's. Prints `{"port":…}` on one line once listening; stops on SIGTERM.
 */
async function main(): Promise<void> {
  const { readFileSync } = await import("node:fs");
  const file = process.argv[2];
  if (!file) throw new Error("usage: floor-server.ts <commands.json>");
  const commands = JSON.parse(readFileSync(file, "utf8")) as string[];
  const floor = await startFloorServer(commands);
  process.stdout.write(`${JSON.stringify({ port: floor.port })}\n`);
  process.once("SIGTERM", () => {
    void floor.close().then(() => process.exit(0));
  });
}

if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  await main();
}
