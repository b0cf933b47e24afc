import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { observeDeadAir, observeThinkTime } from "../shared/metrics.js";
import type { AgiChannel, AgiRequest, DataResult, RecordOptions, RecordResult, StreamResult } from "./channel.js";
import { AgiArgumentError, AgiCommandError, AgiTimeoutError, HangupError, PlaybackError, RecordingError } from "./errors.js";
import {
  buildCommand,
  checkName,
  escapeAndQuote,
  keyFromResult,
  parseResultLine,
  type AgiReply,
} from "./protocol.js";

/** A line longer than this without a newline is not Asterisk talking: the call is ended. */
export const MAX_LINE_BYTES = 16 * 1024;

/**
 * A 520 usage block is the command's documentation from Asterisk's XML docs: a few dozen lines,
 * a few kB. One that goes on past these bounds without its `520 End of proper usage.` line is not
 * Asterisk, and the call is ended instead of buffering it.
 */
export const MAX_USAGE_LINES = 200;
export const MAX_USAGE_BYTES = 64 * 1024;

/** After our FIN, how long a peer may take to close its side before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

interface Pending {
  line: string;
  /** The command's verb (`STREAM FILE`), the label of its think time. */
  verb: string;
  timeoutMs: number;
  resolve: (reply: AgiReply) => void;
  reject: (err: Error) => void;
  /** performance.now() past which its reply is late: set when it is sent. */
  deadline: number;
}

export interface ConnectionOptions {
  commandTimeoutMs: number;
  /** After a -1 from a playback, how long to wait for Asterisk's HANGUP before calling it a missing file. */
  hangupSettleMs?: number;
}

/**
 * The command side of one FastAGI connection, after the `agi_*` block has been read.
 *
 * One command in flight at a time (Asterisk reads the socket only between commands, and an
 * interrupted playback gets no reply), a FIFO behind it, a timeout per command, and hang-up as an
 * event: the HANGUP line, a 511, or the socket closing rejects the command in flight and every
 * later one with HangupError. Nothing here survives the call: `close()` clears every timer.
 */
export class AgiConnection implements AgiChannel {
  private readonly queue: Pending[] = [];
  private inFlight: Pending | null = null;
  private usage: string[] | null = null;
  private usageBytes = 0;
  private ended: Error | null = null;
  private readonly controller = new AbortController();
  private readonly hangupWaiters = new Set<() => void>();
  private hungUpFlag = false;
  /** performance.now() of Asterisk's last reply (or of the call's start): think time counts from here. */
  private lastReplyAt = performance.now();
  /** When a reply carried a key the caller pressed, until the next audio command (dead air). */
  private keyAt: number | null = null;
  /**
   * One timer for the connection's command timeouts, armed for the earliest deadline it must
   * catch: a command sent while it is armed for an earlier time costs no timer work (a timer set
   * and cleared per command was a measurable part of a command's CPU, issue 16). When it fires
   * early for the command in flight it is armed again for what is left.
   */
  private timer: NodeJS.Timeout | null = null;
  /** performance.now() at which `timer` fires. */
  private timerAt = 0;

  constructor(
    private readonly socket: Socket,
    readonly request: AgiRequest,
    readonly log: Logger,
    private readonly options: ConnectionOptions,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get hungUp(): boolean {
    return this.hungUpFlag;
  }

  get isEnded(): boolean {
    return this.ended !== null;
  }

  /** Bytes of peer input this call holds (an unfinished 520 usage block). */
  get bufferedBytes(): number {
    return this.usageBytes;
  }

  /** Feeds one line received after the variable block. */
  onLine(line: string): void {
    // Once the call is over nothing read can matter (and nothing is kept).
    if (this.ended) return;
    if (this.usage !== null) {
      // Inside a multi-line 520 usage block: read through to the "520 End of proper usage." line.
      if (line.startsWith("520 ")) {
        const usage = this.usage.join("\n");
        this.usage = null;
        this.usageBytes = 0;
        return this.refused(520, usage || line.slice(4));
      }
      this.usageBytes += Buffer.byteLength(line) + 1;
      if (this.usage.length >= MAX_USAGE_LINES || this.usageBytes > MAX_USAGE_BYTES) {
        this.usage = null;
        this.usageBytes = 0;
        return this.protocolError(`520 usage block over ${MAX_USAGE_LINES} lines or ${MAX_USAGE_BYTES} bytes without its end`);
      }
      this.usage.push(line);
      return;
    }
    if (line === "HANGUP") {
      this.markHangup("caller hung up");
      return;
    }
    if (line.startsWith("520-")) {
      this.usage = [line.slice(4)];
      this.usageBytes = Buffer.byteLength(line) + 1;
      return;
    }
    // The status code is the three characters before a space or a dash; anything else is unexpected.
    const separator = line.charCodeAt(3);
    const code = separator === 32 || separator === 45 ? line.slice(0, 3) : "";
    switch (code) {
      case "100": // GOSUB's "Trying...": the real reply follows.
        return;
      case "200": {
        const reply = parseResultLine(line);
        if (!reply) return this.protocolError(`unreadable reply "${line.slice(0, 80)}"`);
        const p = this.replied();
        if (!p) return;
        p.resolve(reply);
        // Our own HANGUP succeeded: the call is over before anything queued behind it is sent.
        if (p.verb === "HANGUP" && reply.result === "1") this.markHangup("hung up by the script");
        this.pump();
        return;
      }
      case "510":
        return this.refused(510, line.slice(4));
      case "511":
        this.markHangup("command refused on a dead channel (511)");
        return;
      case "520":
        return this.refused(520, line.slice(4));
      default:
        this.protocolError(`unexpected line "${line.slice(0, 80)}"`);
    }
  }

  /** The socket closed or failed: nothing more will come. */
  onClose(reason: string): void {
    if (!this.hungUpFlag && !this.ended) this.markHangup(reason);
  }

  /**
   * Ends the call from our side: rejects what is pending, clears timers and closes the socket
   * (nothing more can be sent, and after a hang-up Asterisk waits for the close with no timeout,
   * however long the script itself takes to return). Idempotent.
   */
  end(error: Error): void {
    if (this.ended) return;
    this.ended = error;
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of pending) p.reject(error);
    for (const wake of [...this.hangupWaiters]) wake();
    this.hangupWaiters.clear();
    if (!this.controller.signal.aborted) this.controller.abort(error);
    this.closeSocket();
  }

  /** Half-closes (flushing what was written); a peer that does not close its side is cut after a grace period. */
  private closeSocket(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    socket.end();
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  }

  private markHangup(reason: string): void {
    this.hungUpFlag = true;
    this.log.debug({ reason }, "hang-up");
    this.end(new HangupError(reason));
  }

  private protocolError(message: string): void {
    this.log.warn({ detail: message }, "AGI protocol error, ending call");
    this.end(new AgiCommandError(0, this.inFlight?.line ?? "", message));
    this.socket.destroy();
  }

  /** The command in flight, now answered (null when a reply came with none in flight). */
  private replied(): Pending | null {
    const p = this.inFlight;
    if (!p) {
      this.log.debug("reply with no command in flight ignored");
      return null;
    }
    this.lastReplyAt = performance.now();
    this.inFlight = null;
    return p;
  }

  /** A 510 or 520 for the command in flight. */
  private refused(code: 510 | 520, message: string): void {
    const p = this.replied();
    if (!p) return;
    p.reject(new AgiCommandError(code, p.line, message));
    this.pump();
  }

  /**
   * Sends one command, its verb named once (the line and the think-time label both come from
   * it), the parts already made safe with escapeAndQuote or checkName, and waits for its reply.
   */
  private command(verb: string, parts: readonly string[] = [], timeoutMs = this.options.commandTimeoutMs): Promise<AgiReply> {
    if (this.ended) return Promise.reject(this.ended);
    const line = buildCommand(verb, parts);
    return new Promise<AgiReply>((resolve, reject) => {
      const pending: Pending = { line, verb, timeoutMs, resolve, reject, deadline: 0 };
      // The usual case, nothing in flight or waiting: sent at once, without a pass through the queue.
      if (this.inFlight === null && this.queue.length === 0) this.send(pending);
      else {
        this.queue.push(pending);
        this.pump();
      }
    });
  }

  private pump(): void {
    if (this.inFlight || this.ended) return;
    const next = this.queue.shift();
    if (next) this.send(next);
  }

  private send(next: Pending): void {
    this.inFlight = next;
    const now = performance.now();
    observeThinkTime(next.verb, now - this.lastReplyAt);
    if (this.keyAt !== null && AUDIO_VERBS.has(next.verb)) {
      observeDeadAir(now - this.keyAt);
      this.keyAt = null;
    }
    next.deadline = now + next.timeoutMs;
    if (this.timer === null || next.deadline < this.timerAt) this.armTimer(next.timeoutMs, next.deadline);
    this.socket.write(`${next.line}\n`);
  }

  private armTimer(ms: number, at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, ms);
    this.timerAt = at;
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    const p = this.inFlight;
    // Nothing in flight: the next command arms it again.
    if (!p || this.ended) return;
    const left = p.deadline - performance.now();
    if (left > 0) return this.armTimer(left, p.deadline);
    const err = new AgiTimeoutError(p.line, p.timeoutMs);
    this.log.warn({ command: p.line.split(" ", 2).join(" "), timeoutMs: p.timeoutMs }, "AGI command timed out, ending call");
    // A late reply would be read as the answer to the next command: this call is over.
    this.end(err);
    this.socket.destroy();
  };

  /** A -1 from a playback is either a hang-up (HANGUP follows at once) or a missing file. */
  private async failedPlayback(file: string, failure: () => Error = () => new PlaybackError(file)): Promise<never> {
    const settleMs = this.options.hangupSettleMs ?? 200;
    if (!this.ended) {
      await new Promise<void>((resolve) => {
        const waiters = this.hangupWaiters;
        // When the delay is up, decide only after one more pass of I/O (setImmediate runs after the
        // poll phase): on a busy event loop the timer can fire before a HANGUP that has already
        // arrived is read, and a hang-up would be reported as a missing file.
        let immediate: NodeJS.Immediate | undefined;
        const timer = setTimeout(() => (immediate = setImmediate(done)), settleMs);
        function done() {
          clearTimeout(timer);
          if (immediate) clearImmediate(immediate);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
    if (this.ended) throw this.ended;
    throw failure();
  }

  /** A key in a reply starts the dead air the caller hears until our next audio command. */
  private pressed(key: string | null): string | null {
    if (key !== null) this.keyAt = this.lastReplyAt;
    return key;
  }

  // ── typed commands ─────────────────────────────────────────────────────────────────────────

  async answer(): Promise<void> {
    const r = await this.command("ANSWER");
    if (r.result === "-1") throw new AgiCommandError(200, "ANSWER", "answer failed");
  }

  async streamFile(file: string, options: { escape?: string } = {}): Promise<StreamResult> {
    const r = await this.command("STREAM FILE", [escapeAndQuote(file), escapeAndQuote(options.escape ?? "")]);
    if (r.result === "-1") return this.failedPlayback(file);
    return { key: this.pressed(keyFromResult(r.result)), endpos: r.endpos ?? 0 };
  }

  async getData(file: string, options: { timeoutMs?: number; maxDigits?: number } = {}): Promise<DataResult> {
    const timeout = String(Math.max(1, Math.round(options.timeoutMs ?? 5000)));
    const max = String(Math.max(1, Math.round(options.maxDigits ?? 1024)));
    // Asterisk's own wait (prompt + timeouts) must fit inside our command timeout.
    const r = await this.command("GET DATA", [escapeAndQuote(file), timeout, max]);
    if (r.result === "-1") return this.failedPlayback(file);
    if (r.result !== "") this.keyAt = this.lastReplyAt;
    return { digits: r.result, timedOut: r.data === "timeout" };
  }

  async sayDigits(digits: string, options: { escape?: string } = {}): Promise<string | null> {
    if (!/^\d+$/.test(digits)) throw new AgiCommandError(0, "SAY DIGITS", `not digits: "${digits}"`);
    const r = await this.command("SAY DIGITS", [digits, escapeAndQuote(options.escape ?? "")]);
    if (r.result === "-1") return this.failedPlayback(`digits ${digits}`);
    return this.pressed(keyFromResult(r.result));
  }

  async recordFile(file: string, options: RecordOptions): Promise<RecordResult> {
    if (!/^[a-z0-9]+$/i.test(options.format)) throw new AgiArgumentError(`invalid recording format "${options.format}"`);
    const maxMs = Math.round(options.maxMs);
    if (!(maxMs > 0)) throw new AgiArgumentError("a recording needs a longest length above 0 ms");
    const silence = options.silenceSeconds === undefined ? null : Math.round(options.silenceSeconds);
    // res_agi reads argv[6..]: a word without "=" (BEEP) plays the beep, `s=N` is the silence that ends it.
    const parts = [escapeAndQuote(file), options.format, escapeAndQuote(options.escape ?? "#"), String(maxMs)];
    if (options.beep) parts.push("BEEP");
    if (silence !== null && silence > 0) parts.push(`s=${silence}`);
    // Asterisk answers only when the recording ends: wait at least its longest length, and the beep.
    const timeoutMs = Math.max(this.options.commandTimeoutMs, maxMs + 30_000);
    const r = await this.command("RECORD FILE", parts, timeoutMs);
    const endpos = r.endpos ?? 0;
    switch (r.data) {
      case "dtmf":
        return { endedBy: "key", key: this.pressed(keyFromResult(r.result)), endpos };
      // The result of a time-out is whatever Asterisk's last wait returned (often ms left, not 0).
      case "timeout":
        return { endedBy: "timeout", key: null, endpos };
      case "hangup":
        this.markHangup("caller hung up while recording");
        throw this.ended!;
      case "randomerror": {
        // The beep was cut: by a key of `escape` (nothing recorded), or by a hang-up or a failure (-1).
        const key = keyFromResult(r.result);
        if (key !== null) return { endedBy: "key", key: this.pressed(key), endpos: 0 };
        return this.failedPlayback(file, () => new RecordingError(file, "beep failed"));
      }
      default:
        // writefile (the PBX cannot write there), waitfor (the channel failed): a hang-up, or a failure.
        return this.failedPlayback(file, () => new RecordingError(file, r.data ?? `result ${r.result}`));
    }
  }

  async waitForDigit(timeoutMs: number): Promise<string | null> {
    const r = await this.command("WAIT FOR DIGIT", [String(Math.round(timeoutMs))]);
    if (r.result === "-1") return this.failedPlayback("WAIT FOR DIGIT");
    return this.pressed(keyFromResult(r.result));
  }

  async setVariable(name: string, value: string): Promise<void> {
    await this.command("SET VARIABLE", [checkName("variable", name), escapeAndQuote(value)]);
  }

  async getVariable(name: string): Promise<string | null> {
    const r = await this.command("GET VARIABLE", [checkName("variable", name)]);
    return r.result === "1" ? (r.data ?? "") : null;
  }

  async exec(application: string, args = ""): Promise<number> {
    const r = await this.command("EXEC", [checkName("application", application), escapeAndQuote(args)]);
    return Number(r.result);
  }

  async verbose(message: string, level = 1): Promise<void> {
    await this.command("VERBOSE", [escapeAndQuote(message), String(level)]);
  }

  async hangup(): Promise<void> {
    await this.command("HANGUP");
  }
}

/** Commands the caller hears: the first one after a key ends the dead air. */
const AUDIO_VERBS = new Set(["STREAM FILE", "GET DATA", "SAY DIGITS", "RECORD FILE"]);
