import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the stand-in does with the next sendMessage (then it goes back to accepting). */
export type TelegramScript =
  | { kind: "429"; retryAfter: number }
  | { kind: "500" }
  /** Delivers the message, then never answers (the sender's time limit runs out). */
  | { kind: "deliver-and-hang" };

export interface TelegramMessage {
  chatId: string;
  text: string;
  at: number;
}

/**
 * A local stand-in for the Telegram Bot API's `sendMessage` (reference §9): `POST
 * /bot<token>/sendMessage` with a JSON body; answers `{"ok":true,"result":Message}` or
 * `{"ok":false,"error_code":…,"description":…,"parameters":{"retry_after":…}}`. An unknown token is
 * 401, an unknown chat 400 "chat not found", an empty text 400. Scripted failures: 429 with
 * retry_after, 500, or a message delivered whose answer never comes. `GET /bot<token>/getMe` answers the bot.
 */
export class TelegramStandin {
  readonly messages: TelegramMessage[] = [];
  readonly requests: Array<{ path: string; status: number; at: number }> = [];
  readonly script: TelegramScript[] = [];
  readonly token = "123456789:AAH-test-token-for-the-stand-in";
  chats = new Set(["-1001234567890"]);
  url = "";
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextId = 1;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const at = Date.now();
        const reply = (status: number, body: unknown) => {
          this.requests.push({ path: req.url ?? "", status, at });
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        const fail = (code: number, description: string, parameters?: Record<string, unknown>) =>
          reply(code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
        // getMe: the bot itself (the liveness probe's call).
        if (req.url === `/bot${this.token}/getMe`) return reply(200, { ok: true, result: { id: 123456789, is_bot: true, first_name: "ura", username: "ura_test_bot" } });
        if (req.method !== "POST" || req.url !== `/bot${this.token}/sendMessage`) {
          if (req.url?.endsWith("/sendMessage")) return fail(401, "Unauthorized");
          return fail(404, "Not Found");
        }
        let body: { chat_id?: unknown; text?: unknown };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
        } catch {
          return fail(400, "Bad Request: can't parse JSON");
        }
        const chatId = String(body.chat_id ?? "");
        const text = typeof body.text === "string" ? body.text : "";
        if (!this.chats.has(chatId)) return fail(400, "Bad Request: chat not found");
        if (text.length === 0 || text.length > 4096) return fail(400, "Bad Request: message text is empty");
        const step = this.script.shift();
        if (step?.kind === "429") return fail(429, `Too Many Requests: retry after ${step.retryAfter}`, { retry_after: step.retryAfter });
        if (step?.kind === "500") return fail(500, "Internal Server Error");
        this.messages.push({ chatId, text, at });
        if (step?.kind === "deliver-and-hang") {
          this.requests.push({ path: req.url ?? "", status: 0, at });
          return; // the answer never comes
        }
        reply(200, { ok: true, result: { message_id: this.nextId++, date: Math.floor(at / 1000), chat: { id: Number(chatId), type: "supergroup" }, text } });
      });
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
