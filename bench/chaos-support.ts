import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, connect, type Server, type Socket } from "node:net";
import type { Caller, CallerAction, CallState, PromptEvent } from "../src/emulator/asterisk-emulator.js";
import { readProc } from "./proc.js";
import { questionOf, type BenchUser } from "./scenario.js";

/**
 * Stand-ins and probes for `npm run chaos` (bench/chaos.ts): a TCP relay that can stop forwarding
 * (a database that stalls), the `ura whatsapp` service's wire protocol with an adjustable delay
 * (a slow sender), an RSS probe, and callers that act at the moments a fault matters.
 */

// ── a TCP relay that can stall ───────────────────────────────────────────────────────────────

/**
 * Forwards TCP to `target`. While stalled nothing is passed on in either direction (what arrives
 * is held, as by a database server that has stopped answering); resuming passes it all on, in
 * order. Connections stay open throughout.
 */
export class StallProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly held: Array<() => void> = [];
  private stalled = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(this.target);
      const forward = (from: Socket, to: Socket) =>
        from.on("data", (chunk: Buffer) => {
          const send = () => void (to.destroyed || to.write(chunk));
          if (this.stalled) this.held.push(send);
          else send();
        });
      forward(client, upstream);
      forward(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", close).on("close", close);
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const send of this.held.splice(0)) send();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ── the ura whatsapp service's wire protocol ─────────────────────────────────────────────────

export interface SentMessage {
  id: string;
  phone: string;
  text: string;
  at: number;
}

/**
 * Speaks `POST /api/send-message {phone, message, id?}` → 202 `{id}` as `ura whatsapp` does
 * (src/whatsapp/server.ts), with a bearer token. A message counts as handed over when its request
 * has arrived, as with the real service, which delivers what it queued even when the client has
 * stopped waiting for the answer; `delayMs` is how long the answer takes.
 */
export class SenderStandIn {
  readonly messages: SentMessage[] = [];
  delayMs = 0;
  private readonly server: HttpServer;
  port = 0;

  constructor(readonly token: string) {
    this.server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const answer = (status: number, body: unknown) => {
          if (!res.destroyed) res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
        };
        if (req.method === "GET" && req.url === "/health") return answer(200, { status: "ok" });
        if (req.method !== "POST" || req.url !== "/api/send-message") return answer(404, { error: "not_found", message: "no such route" });
        if (req.headers.authorization !== `Bearer ${this.token}`) return answer(401, { error: "unauthorized", message: "bad token" });
        let body: { phone?: unknown; message?: unknown; id?: unknown };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
        } catch {
          return answer(400, { error: "invalid_request", message: "not JSON" });
        }
        if (typeof body.phone !== "string" || typeof body.message !== "string") return answer(400, { error: "invalid_request", message: "phone and message" });
        const id = typeof body.id === "string" ? body.id : randomUUID();
        // The real service queues a message once per id: a retry with the same id is one message.
        if (!this.messages.some((m) => m.id === id)) this.messages.push({ id, phone: body.phone, text: body.message, at: Date.now() });
        setTimeout(() => answer(202, { id }), this.delayMs);
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Messages handed over for `phone` since `sinceMs`. */
  to(phone: string, sinceMs = 0): SentMessage[] {
    return this.messages.filter((m) => m.phone === phone && m.at >= sinceMs);
  }

  /** The newest one-time code sent to `phone` at or after `sinceMs`, waiting up to `timeoutMs`. */
  async codeFor(phone: string, sinceMs: number, timeoutMs = 3000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.to(phone, sinceMs).at(-1);
      const code = m ? /\b(\d{4,10})\b/.exec(m.text)?.[1] : undefined;
      if (code) return code;
      if (Date.now() > deadline) return null;
      await sleep(10);
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ── probes ───────────────────────────────────────────────────────────────────────────────────

/** The highest RSS of a process seen while it runs (sampled every `intervalMs`), in MB. */
export class RssPeak {
  readonly baseMb: number;
  peakMb: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.baseMb = this.read();
    this.peakMb = this.baseMb;
    this.timer = setInterval(() => (this.peakMb = Math.max(this.peakMb, this.read())), intervalMs);
  }

  private read(): number {
    return (readProc(this.pid)?.rssKb ?? 0) / 1024;
  }

  stop(): { baseMb: number; peakMb: number; growthMb: number } {
    clearInterval(this.timer);
    this.peakMb = Math.max(this.peakMb, this.read());
    return { baseMb: this.baseMb, peakMb: this.peakMb, growthMb: this.peakMb - this.baseMb };
  }
}

// ── callers ──────────────────────────────────────────────────────────────────────────────────

/**
 * The open-ticket path of bench/scenario.ts (main menu 1, user code, the one-time code,
 * "Computador" 2, "Formatação" 1, protocol heard), with the one-time code read from the
 * sender stand-in. `beforeOpening` runs just before the key that opens the ticket is pressed: the
 * moment a fault is injected.
 */
export class TicketCaller implements Caller {
  constructor(
    private readonly user: BenchUser,
    private readonly sender: SenderStandIn,
    private readonly since: number,
    private readonly beforeOpening?: () => Promise<void>,
  ) {}

  async react(event: PromptEvent, state: CallState): Promise<CallerAction> {
    if (event.command !== "GET DATA") return { kind: "listen" };
    switch (questionOf(event, state)) {
      case "main-menu":
        return { kind: "press", keys: "1", atMs: 0 };
      case "ask-user-code":
        return { kind: "press", keys: `${this.user.code}#`, atMs: 0 };
      case "ask-otp": {
        const otp = await this.sender.codeFor(this.user.phone, this.since - 5);
        return otp === null ? { kind: "hangup" } : { kind: "press", keys: `${otp}#`, atMs: 0 };
      }
      case "service-menu":
        return { kind: "press", keys: "2", atMs: 0 };
      case "sub-menu":
        await this.beforeOpening?.();
        return { kind: "press", keys: "1", atMs: 0 };
      case "describe-problem":
        return { kind: "press", keys: "1", atMs: 0 };
      case "protocol-repeat":
        return { kind: "press", keys: "2", atMs: 0 };
      default:
        return { kind: "listen" };
    }
  }
}

/** Stops at the first prompt until released, then hangs up (a call that holds a slot). */
export class ParkedCaller implements Caller {
  parked = false;
  constructor(private readonly released: Promise<void>) {}
  async react(): Promise<CallerAction> {
    this.parked = true;
    await this.released;
    return { kind: "hangup" };
  }
}

/** Asks for a one-time code and then stays silent (the flow ends the call its own way). */
export class CodeRequester implements Caller {
  constructor(private readonly user: BenchUser) {}
  async react(event: PromptEvent, state: CallState): Promise<CallerAction> {
    if (event.command !== "GET DATA") return { kind: "listen" };
    if (questionOf(event, state) === "main-menu") return { kind: "press", keys: "1", atMs: 0 };
    if (event.prompt === "ask-user-code") return { kind: "press", keys: `${this.user.code}#`, atMs: 0 };
    return { kind: "hangup" };
  }
}

/** True when `digits` were heard one by one, in order, as the flow reads a protocol back. */
export function heardDigits(heard: string[], digits: string): boolean {
  // The pauses between a protocol's groups are part of reading it.
  const spoken = heard.filter((h) => !/(?:^|\/)pause$/.test(h)).map((h) => /(?:^|\/)digit-(\d)$/.exec(h)?.[1] ?? "|").join("");
  return digits.length > 0 && spoken.includes(digits);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
