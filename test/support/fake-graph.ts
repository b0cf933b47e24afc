import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake Graph endpoint received. */
export interface GraphRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface GraphReply {
  status: number;
  body?: unknown;
  /** Wait this long before answering (to test timeouts). */
  delayMs?: number;
}

/**
 * A local stand-in for Meta's Graph API (`POST /{version}/{phone-number-id}/messages`). Records every
 * request; answers with the queued replies in order, then with a successful send.
 */
export class FakeGraph {
  readonly requests: GraphRequest[] = [];
  private readonly replies: GraphReply[] = [];
  private server: Server | undefined;
  private sent = 0;

  /** Base URL with a version path, like WHATSAPP_CLOUD_URL. */
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          // keep the raw text: the test will see it was not JSON
        }
        this.requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
        const reply = this.replies.shift() ?? this.success(body);
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(reply.status, { "content-type": "application/json" });
          res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
        }, reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/v20.0`;
    return this;
  }

  /** The next request gets this reply. */
  replyWith(reply: GraphReply): this {
    this.replies.push(reply);
    return this;
  }

  /** The next request gets a Graph error object. */
  replyWithError(status: number, code: number, message: string, extra: Record<string, unknown> = {}): this {
    return this.replyWith({
      status,
      body: { error: { message, type: "OAuthException", code, fbtrace_id: "AbCdEf123", ...extra } },
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private success(body: unknown): GraphReply {
    this.sent += 1;
    const to = (body as { to?: string } | null)?.to ?? "";
    return {
      status: 200,
      body: {
        messaging_product: "whatsapp",
        contacts: [{ input: to, wa_id: to.replace(/\D/g, "") }],
        messages: [{ id: `wamid.FAKE${this.sent}` }],
      },
    };
  }
}
