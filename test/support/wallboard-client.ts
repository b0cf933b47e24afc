import WebSocket from "ws";

/**
 * A wallboard as seed 004 builds it, reduced to its protocol: connects to /ws/dashboard_control/,
 * sends `identify`, `request_data` and `remote_switch` with the seed's fields, and keeps every
 * message the server sends so a test can wait for the next one of a type.
 */
export interface WallboardClient {
  /** Every message received, parsed, in order. */
  received: Array<Record<string, unknown> & { type: string }>;
  send(message: Record<string, unknown>): void;
  sendRaw(data: string | Buffer, binary?: boolean): void;
  /** The first message of `type` received after the one the previous next() returned. */
  next(type: string, timeoutMs?: number): Promise<Record<string, unknown> & { type: string }>;
  close(): Promise<void>;
}

export class HandshakeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`handshake refused with ${status}: ${body}`);
  }
}

export function connectWallboard(url: string, headers: Record<string, string> = {}): Promise<WallboardClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const received: WallboardClient["received"] = [];
    const waiters = new Set<() => void>();
    let cursor = 0;
    socket.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => reject(new HandshakeRefused(res.statusCode ?? 0, body)));
    });
    socket.on("error", reject);
    socket.on("message", (data) => {
      received.push(JSON.parse(data.toString()) as WallboardClient["received"][number]);
      for (const w of waiters) w();
    });
    socket.on("open", () =>
      resolve({
        received,
        send: (message) => socket.send(JSON.stringify({ timestamp: new Date().toISOString(), ...message })),
        sendRaw: (data, binary = false) => socket.send(data, { binary }),
        next: (type, timeoutMs = 15_000) =>
          new Promise((res, rej) => {
            const check = () => {
              for (let i = cursor; i < received.length; i++) {
                if (received[i]!.type === type) {
                  cursor = i + 1;
                  waiters.delete(check);
                  clearTimeout(timer);
                  res(received[i]!);
                  return;
                }
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              rej(new Error(`no ${type} within ${timeoutMs} ms; received: ${received.map((m) => m.type).join(", ")}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        close: () =>
          new Promise<void>((res) => {
            if (socket.readyState === socket.CLOSED) return res();
            socket.once("close", () => res());
            socket.close();
          }),
      }),
    );
  });
}
