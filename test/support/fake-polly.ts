import { createServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type IncomingHttpHeaders } from "node:http2";
import type { AddressInfo, Socket } from "node:net";

/**
 * A local stand-in for Amazon Polly's REST endpoint, speaking its wire protocol as
 * @aws-sdk/client-polly does: `POST /v1/speech` with a JSON body, answered with the audio bytes
 * (Content-Type audio/pcm) or with an error named in `x-amzn-ErrorType` and a JSON `message`.
 * It is HTTP/2 (cleartext, prior knowledge) because that is what the SDK's Polly client speaks by
 * default (NodeHttp2Handler). Point the SDK at it with the `endpoint` option (POLLY_ENDPOINT).
 */
export type FakePollyAnswer =
  | { kind: "audio"; bytes: Uint8Array; contentType?: string; delayMs?: number }
  | { kind: "error"; status: number; type: string; message: string }
  /** Accepts the request and never answers (a black-holed endpoint). */
  | { kind: "hang" };

export interface FakePollyRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
}

export class FakePolly {
  readonly requests: FakePollyRequest[] = [];
  answer: (request: FakePollyRequest) => FakePollyAnswer = () => ({ kind: "audio", bytes: tone(0.5) });

  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Http2Server,
    readonly url: string,
  ) {
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakePolly> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakePolly(server, `http://127.0.0.1:${port}`);
    server.on("request", (req: Http2ServerRequest, res: Http2ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const request: FakePollyRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>),
    };
    this.requests.push(request);
    if (request.method !== "POST" || request.path !== "/v1/speech") {
      return send(res, { kind: "error", status: 404, type: "UnknownOperationException", message: `no route ${request.method} ${request.path}` });
    }
    send(res, this.answer(request));
  }
}

function send(res: Http2ServerResponse, answer: FakePollyAnswer): void {
  const requestId = "fake-0000";
  switch (answer.kind) {
    case "hang":
      return;
    case "error":
      res.writeHead(answer.status, {
        "content-type": "application/json",
        "x-amzn-errortype": `${answer.type}:http://internal.amazon.com/coral/com.amazonaws.parrot.service/`,
        "x-amzn-requestid": requestId,
      });
      res.end(JSON.stringify({ message: answer.message }));
      return;
    case "audio": {
      const write = () => {
        res.writeHead(200, {
          "content-type": answer.contentType ?? "audio/pcm",
          "content-length": String(answer.bytes.length),
          "x-amzn-requestcharacters": "14",
          "x-amzn-requestid": requestId,
        });
        res.end(answer.bytes);
      };
      if (answer.delayMs) setTimeout(write, answer.delayMs);
      else write();
    }
  }
}

/** `seconds` of a 440 Hz tone as Polly's pcm: signed 16-bit little-endian mono at 8000 Hz. */
export function tone(seconds: number, hz = 440): Buffer {
  const samples = Math.round(seconds * 8000);
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000)), i * 2);
  return out;
}
