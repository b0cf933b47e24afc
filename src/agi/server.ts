import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import { maskPhone } from "../shared/privacy.js";
import { IpAllowList } from "../shared/ip-allow-list.js";
import type { AgiScript } from "./channel.js";
import { AgiConnection, MAX_LINE_BYTES } from "./connection.js";
import { HangupError } from "./errors.js";
import { buildRequest, parseEnvLine } from "./protocol.js";
import { AgiRouter } from "./router.js";

export interface AgiServerOptions {
  host: string;
  port: number;
  allowedPeers: readonly string[];
  commandTimeoutMs: number;
  maxCallSeconds: number;
  logger: Logger;
  /** Longest wait for the `agi_*` block after connecting. */
  envTimeoutMs?: number;
  /**
   * Calls whose script runs at once; more wait, in arrival order, before their first command.
   * 0 = no bound. Past saturation, a bound keeps the calls inside fast instead of every call slow.
   */
  maxCalls?: number;
  hangupSettleMs?: number;
}

const MAX_ENV_LINES = 256;

/** After the drain limit has cut the calls, how long scripts may take to return before drain() resolves. */
const DRAIN_GRACE_MS = 500;

/**
 * The FastAGI server: accepts connections from allow-listed peers, reads the `agi_*` block, routes
 * by script name, runs the script against an AgiConnection and always closes the socket at the
 * end (after a hang-up Asterisk waits for us with no timeout). One call's failure never reaches
 * another call or the process.
 */
export class AgiServer {
  readonly router = new AgiRouter();
  private readonly server: Server;
  private readonly allowList: IpAllowList;
  private readonly sockets = new Set<Socket>();
  private readonly calls = new Set<Promise<void>>();
  private draining = false;
  /** Scripts running now (≤ maxCalls), and the calls waiting for one of them to end. */
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: AgiServerOptions) {
    this.allowList = new IpAllowList(options.allowedPeers);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on("error", (err) => options.logger.error({ err }, "AGI server error"));
  }

  route(path: string, script: AgiScript): this {
    this.router.add(path, script);
    return this;
  }

  /** Calls being served right now. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /** Calls connected but waiting for a slot (AGI_MAX_CALLS). */
  get waitingCalls(): number {
    return this.waiting.length;
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    const port = typeof address === "object" && address ? address.port : this.options.port;
    this.options.logger.info({ host: this.options.host, port }, "FastAGI server listening");
    return { host: this.options.host, port };
  }

  /**
   * Graceful drain: stop accepting, let calls in progress finish for up to `timeoutMs`, then end
   * the rest. Resolves when every socket is closed.
   */
  async drain(timeoutMs: number): Promise<{ finished: number; cut: number }> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const inProgress = this.calls.size;
    this.options.logger.info({ calls: inProgress, timeoutMs }, "draining FastAGI server");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled([...this.calls]).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    const cut = timedOut ? this.sockets.size : 0;
    // Destroying a socket ends its call (HangupError, signal aborted). A script that ignores the
    // signal gets a short grace to return; it must not hold the shutdown past the limit.
    for (const socket of this.sockets) socket.destroy();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.calls]),
      new Promise<void>((resolve) => (grace = setTimeout(resolve, DRAIN_GRACE_MS))),
    ]);
    clearTimeout(grace);
    await closed;
    return { finished: inProgress - cut, cut };
  }

  private accept(socket: Socket): void {
    const peer = socket.remoteAddress;
    const log = this.options.logger;
    if (this.draining) {
      socket.destroy();
      return;
    }
    if (!this.allowList.allows(peer)) {
      log.warn({ peer }, "AGI connection from a non-allowed address closed");
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    const call = this.serve(socket).catch((err: unknown) => {
      log.error({ err }, "AGI connection failed");
    });
    this.calls.add(call);
    void call.finally(() => this.calls.delete(call));
  }

  private async serve(socket: Socket): Promise<void> {
    const baseLog = this.options.logger;
    // The socket's own 'error' (ECONNRESET…) must never become an uncaught exception.
    let connection: AgiConnection | null = null;
    let closeReason = "connection closed";
    const env: Record<string, string> = {};
    let envDone: (() => void) | null = null;
    let envFail: ((err: Error) => void) | null = null;
    let envLines = 0;
    let buffer = "";
    // Lines that come after the block's empty line but before the connection exists (same chunk,
    // e.g. an immediate HANGUP): kept and replayed, never read as agi_* lines.
    let early: string[] | null = null;
    let socketClosed = false;

    const onLine = (line: string) => {
      if (connection) return connection.onLine(line);
      if (early) return void early.push(line);
      if (line === "") {
        early = [];
        return envDone?.();
      }
      if (++envLines > MAX_ENV_LINES) return envFail?.(new Error("too many lines in the agi_* block"));
      const pair = parseEnvLine(line);
      if (pair) env[pair[0]] = pair[1];
      else baseLog.debug({ line: line.slice(0, 80) }, "ignored malformed agi_* line");
    };

    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        onLine(line);
      }
      if (buffer.length > MAX_LINE_BYTES) {
        buffer = "";
        const err = new Error("line too long");
        if (connection) connection.end(err);
        else envFail?.(err);
        socket.destroy();
      }
    });
    socket.on("error", (err) => {
      closeReason = `connection error: ${(err as NodeJS.ErrnoException).code ?? err.message}`;
    });
    socket.on("close", () => {
      socketClosed = true;
      connection?.onClose(closeReason);
      envFail?.(new HangupError(closeReason));
    });

    try {
      await new Promise<void>((resolve, reject) => {
        envDone = resolve;
        envFail = reject;
        const timer = setTimeout(() => reject(new Error("no agi_* block received")), this.options.envTimeoutMs ?? 10_000);
        const clear = () => clearTimeout(timer);
        envDone = () => (clear(), resolve());
        envFail = (err) => (clear(), reject(err));
      });
    } catch (err) {
      baseLog.warn({ peer: socket.remoteAddress, reason: (err as Error).message }, "AGI connection dropped before the call started");
      socket.destroy();
      return;
    } finally {
      envDone = null;
      envFail = null;
    }

    const request = buildRequest(env);
    const log = baseLog.child({ call: request.uniqueId, caller: maskPhone(request.callerId), script: request.script });
    if (!(await this.acquireSlot(socket))) {
      log.info("call ended by hang-up while waiting for a free slot");
      socket.destroy();
      return;
    }
    connection = new AgiConnection(socket, request, log, {
      commandTimeoutMs: this.options.commandTimeoutMs,
      hangupSettleMs: this.options.hangupSettleMs,
    });
    const call = connection;
    for (const line of early ?? []) call.onLine(line);
    if (socketClosed) call.onClose(closeReason);
    const script = this.router.match(request.script);
    const started = Date.now();
    const callTimer = setTimeout(() => {
      log.warn({ maxCallSeconds: this.options.maxCallSeconds }, "call exceeded its time limit, ending it");
      call.end(new HangupError("call time limit reached"));
    }, this.options.maxCallSeconds * 1000);

    try {
      if (!script) {
        log.warn("no AGI script for this path");
        await call.setVariable("URA_RESULT", "error");
      } else {
        log.info("call started");
        await script(connection);
      }
      log.info({ ms: Date.now() - started }, "call ended");
    } catch (err) {
      if (err instanceof HangupError || call.hungUp) {
        log.info({ ms: Date.now() - started }, "call ended by hang-up");
      } else {
        log.error({ err }, "call failed");
        // Tell the dialplan so it can fall back (queue / apology); harmless if the channel is gone.
        if (!call.isEnded) {
          await call.setVariable("URA_RESULT", "error").catch(() => undefined);
        }
      }
    } finally {
      clearTimeout(callTimer);
      // Ending closes the socket (if a hang-up or timeout has not already): closing is what lets
      // Asterisk continue the dialplan, or free a dead channel.
      call.end(new HangupError("call ended"));
      this.releaseSlot();
    }
  }

  /** Waits (FIFO) for a running slot; false when the caller left first. */
  private async acquireSlot(socket: Socket): Promise<boolean> {
    const max = this.options.maxCalls ?? 0;
    if (max <= 0 || this.running < max) {
      this.running++;
      return true;
    }
    if (socket.destroyed) return false;
    let granted = false;
    let grant!: () => void;
    const slot = new Promise<void>((resolve) => (grant = () => ((granted = true), resolve())));
    this.waiting.push(grant);
    await Promise.race([slot, new Promise<void>((resolve) => socket.once("close", () => resolve()))]);
    if (granted) return true; // ours even if the caller has just left: the connection sees the close
    this.waiting.splice(this.waiting.indexOf(grant), 1);
    return false;
  }

  /** A finished call hands its slot straight to the longest-waiting one. */
  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
