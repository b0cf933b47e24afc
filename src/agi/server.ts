import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";
import { maskPhone } from "../shared/privacy.js";
import { IpAllowList } from "../shared/ip-allow-list.js";
import { watchCalls } from "../shared/metrics.js";
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
  /** Longest wait for the `agi_*` block after connecting (default ENV_DEADLINE_MS; tests shorten it). */
  envTimeoutMs?: number;
  /**
   * Calls whose script runs at once; more wait, in arrival order, before their first command.
   * 0 = no bound. Past saturation, a bound keeps the calls inside fast instead of every call slow.
   */
  maxCalls?: number;
  hangupSettleMs?: number;
}

/**
 * Asterisk writes the whole `agi_*` block as soon as its connect succeeds (res_agi.c
 * launch_netscript, then setup_env; the connect itself gets 2 s). A peer that has not finished the
 * block within this is not Asterisk and is dropped, before it could take a call slot. Not a
 * setting: nothing but one network round trip is in it.
 */
export const ENV_DEADLINE_MS = 5_000;
/** About 25 variables plus up to 127 `agi_arg_N`: a block past either bound is not Asterisk's. */
const MAX_ENV_LINES = 256;
const MAX_ENV_BYTES = 64 * 1024;
/**
 * Lines that arrive after the block but before the call has a slot (AGI_MAX_CALLS) are kept to be
 * replayed to the connection. Asterisk sends nothing unasked but HANGUP (twice with
 * AGIEXITONHANGUP), so past these bounds the peer is flooding and the connection is closed.
 */
export const MAX_EARLY_LINES = 16;
const MAX_EARLY_BYTES = 16 * 1024;

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
  /** Work calls left running after their session (track()): a drain waits for it too. */
  private readonly afterCalls = new Set<Promise<void>>();
  private draining = false;
  /** Scripts running now (≤ maxCalls), and the calls waiting for one of them to end. */
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Per open connection: how many bytes of peer input it holds (partial line, block, early lines, usage). */
  private readonly held = new Map<Socket, () => number>();
  /** Stops /metrics reading this server's call counts (once it drains). */
  private unwatch: (() => void) | null = null;
  /** Told when a call connects or ends (the heartbeat reports the count at once: the wallboard's "calls in the IVR"). */
  private readonly callListeners = new Set<() => void>();

  constructor(private readonly options: AgiServerOptions) {
    this.allowList = new IpAllowList(options.allowedPeers);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on("error", (err) => options.logger.error({ err }, "AGI server error"));
  }

  route(path: string, script: AgiScript): this {
    this.router.add(path, script);
    return this;
  }

  /**
   * Work a script started that outlives its call (the voice description's upload, the call record):
   * drain() waits for it as it waits for calls, within the same limit, so a stop does not lose it.
   */
  track(work: Promise<unknown>): void {
    const done = work.then(
      () => undefined,
      () => undefined,
    );
    this.afterCalls.add(done);
    void done.finally(() => this.afterCalls.delete(done));
  }

  /** Calls being served right now. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /** Calls connected but waiting for a slot (AGI_MAX_CALLS). */
  get waitingCalls(): number {
    return this.waiting.length;
  }

  /** `listener` runs after each call connects or ends; returns the function that stops it. */
  onCallsChanged(listener: () => void): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  /**
   * Bytes of peer input held right now across every connection (a partial line, the block being
   * read, lines waiting for a slot, a 520 usage block). Bounded per connection by the limits
   * above: what a flood can cost, for tests and diagnostics.
   */
  get bufferedBytes(): number {
    let total = 0;
    for (const bytes of this.held.values()) total += bytes();
    return total;
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
    this.unwatch ??= watchCalls(() => ({ active: this.running, waiting: this.waiting.length }));
    this.options.logger.info({ host: this.options.host, port }, "FastAGI server listening");
    return { host: this.options.host, port };
  }

  /**
   * Graceful drain: stop accepting, let calls in progress, and the work they left running
   * (track()), finish for up to `timeoutMs`, then end the calls still connected. Resolves when
   * every socket is closed.
   */
  async drain(timeoutMs: number): Promise<{ finished: number; cut: number }> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const inProgress = this.calls.size;
    this.options.logger.info({ calls: inProgress, timeoutMs }, "draining FastAGI server");
    const callsEnded = async () => void (await Promise.allSettled([...this.calls]));
    // A call may leave work behind as it ends, and that work may start more: wait until none is left.
    const allDone = async () => {
      await callsEnded();
      while (this.afterCalls.size > 0) await Promise.allSettled([...this.afterCalls]);
    };
    const timedOut = await withDeadline(timeoutMs, allDone).then(
      () => false,
      (err: unknown) => (err instanceof DeadlineExceededError ? true : Promise.reject(err)),
    );
    if (timedOut && this.afterCalls.size > 0) {
      this.options.logger.warn({ unfinished: this.afterCalls.size, timeoutMs }, "drain limit reached: stopping without the work calls left running (voice description uploads, call records)");
    }
    const cut = timedOut ? this.sockets.size : 0;
    // Destroying a socket ends its call (HangupError, signal aborted). A script that ignores the
    // signal gets a short grace to return; it must not hold the shutdown past the limit.
    for (const socket of this.sockets) socket.destroy();
    await withDeadline(DRAIN_GRACE_MS, callsEnded).catch((err: unknown) => {
      if (!(err instanceof DeadlineExceededError)) throw err;
    });
    await closed;
    this.unwatch?.();
    this.unwatch = null;
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
    this.callsChanged();
    void call.finally(() => {
      this.calls.delete(call);
      this.callsChanged();
    });
  }

  private async serve(socket: Socket): Promise<void> {
    const baseLog = this.options.logger;
    const peer = socket.remoteAddress;
    // The socket's own 'error' (ECONNRESET…) must never become an uncaught exception.
    let connection: AgiConnection | null = null;
    let closeReason = "connection closed";
    const env: Record<string, string> = {};
    let envDone: (() => void) | null = null;
    let envFail: ((err: Error) => void) | null = null;
    let envLines = 0;
    let envBytes = 0;
    let buffer = "";
    // Lines that come after the block's empty line but before the connection exists (same chunk,
    // e.g. an immediate HANGUP, or while the call waits for a slot): kept and replayed, never read
    // as agi_* lines.
    let early: string[] | null = null;
    let earlyBytes = 0;
    // A caller who hangs up while the call waits for a slot: Asterisk sends HANGUP, then waits for
    // our close with no timeout, so the wait ends there instead of when a slot frees.
    let hangupWhileWaiting!: () => void;
    const hungUpEarly = new Promise<void>((resolve) => (hangupWhileWaiting = resolve));
    let socketClosed = false;
    this.held.set(socket, () => buffer.length + envBytes + earlyBytes + (connection?.bufferedBytes ?? 0));
    socket.once("close", () => this.held.delete(socket));

    /** Closes a connection that is not behaving as Asterisk does, saying why. */
    const drop = (reason: string) => {
      closeReason = reason;
      if (envFail) envFail(new Error(reason)); // logged where the block is awaited
      else baseLog.warn({ peer, reason }, "AGI connection closed");
      socket.destroy();
    };

    const onLine = (line: string) => {
      if (connection) return connection.onLine(line);
      const bytes = Buffer.byteLength(line) + 1;
      if (early) {
        earlyBytes += bytes;
        if (early.length >= MAX_EARLY_LINES || earlyBytes > MAX_EARLY_BYTES) {
          return drop(`more than ${MAX_EARLY_LINES} lines or ${MAX_EARLY_BYTES} bytes sent before the call started (Asterisk sends only HANGUP unasked)`);
        }
        if (line === "HANGUP") hangupWhileWaiting();
        return void early.push(line);
      }
      const pair = parseEnvLine(line);
      if (envLines++ === 0 && !pair) {
        // Asterisk's block starts with agi_network: a blank or foreign first line is not Asterisk.
        return drop(line === "" ? "empty agi_* block" : "first line is not an agi_* variable");
      }
      if (line === "") {
        early = [];
        return envDone?.();
      }
      envBytes += bytes;
      if (envLines > MAX_ENV_LINES || envBytes > MAX_ENV_BYTES) {
        return drop(`agi_* block over ${MAX_ENV_LINES} lines or ${MAX_ENV_BYTES} bytes`);
      }
      if (pair) env[pair[0]] = pair[1];
      else baseLog.debug({ line: line.slice(0, 80) }, "ignored malformed agi_* line");
    };

    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      const text = buffer + chunk;
      buffer = "";
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf("\n", start)) !== -1) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        const line = text.slice(start, end);
        start = nl + 1;
        onLine(line);
        // Dropped (or ended) while reading this chunk: the rest of it is not read at all.
        if (socket.destroyed) return;
      }
      buffer = text.slice(start);
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
      const envBlock = () => new Promise<void>((resolve, reject) => ((envDone = resolve), (envFail = reject)));
      await withDeadline(this.options.envTimeoutMs ?? ENV_DEADLINE_MS, envBlock);
    } catch (err) {
      const reason = err instanceof DeadlineExceededError ? "no complete agi_* block in time" : (err as Error).message;
      baseLog.warn({ peer, reason }, "AGI connection dropped before the call started");
      socket.destroy();
      return;
    } finally {
      envDone = null;
      envFail = null;
    }

    const request = buildRequest(env);
    const log = baseLog.child({ call: request.uniqueId, caller: maskPhone(request.callerId), script: request.script });
    if (request.uniqueId !== request.variables.uniqueid) {
      // Logged once, so an operator can match the derived id with Asterisk's CDR.
      log.info({ uniqueid: (request.variables.uniqueid ?? "").slice(0, 200) }, "agi_uniqueid is not usable as a call id, a derived id is used");
    }
    if (!(await this.acquireSlot(socket, hungUpEarly))) {
      log.info({ reason: socket.destroyed ? closeReason : "caller hung up" }, "call ended while waiting for a free slot");
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

  /** Waits (FIFO) for a running slot; false when the caller left first (hung up, or the socket closed). */
  private async acquireSlot(socket: Socket, hungUp: Promise<void>): Promise<boolean> {
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
    let onClose!: () => void;
    const closed = new Promise<void>((resolve) => socket.once("close", (onClose = resolve)));
    await Promise.race([slot, closed, hungUp]);
    socket.off("close", onClose);
    if (granted) return true; // ours even if the caller has just left: the connection sees the close
    this.waiting.splice(this.waiting.indexOf(grant), 1);
    return false;
  }

  private callsChanged(): void {
    for (const listener of this.callListeners) {
      try {
        listener();
      } catch (err) {
        this.options.logger.error({ err }, "a call-count listener failed");
      }
    }
  }

  /** A finished call hands its slot straight to the longest-waiting one. */
  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
