import { connect, type Socket } from "node:net";
import { statSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import { parseArgs } from "./parse-args.js";

/**
 * Plays Asterisk's side of a FastAGI connection, as res_agi.c (Asterisk 20/22) does: the `agi_*`
 * block in Asterisk's order, replies in Asterisk's formats, one command at a time, HANGUP lines
 * and dead-channel 511s after a hang-up, 510/520 for bad commands (parsed with Asterisk's own
 * parse_args rules). A `Caller` decides what the person on the phone does at each prompt.
 *
 * Media time is virtual by default: a prompt "plays" for its real duration (from the `.sln` size:
 * 8 kHz, 16-bit = 16 bytes/ms) but the reply is sent at once, so tests and benchmarks run fast while
 * `perceivedMs` still reports what the caller would have lived through. With `mediaTimeScale` the
 * reply waits for the media to play (1 = real time), as Asterisk's does: the paced bench's callers.
 */

export interface CallOptions {
  port: number;
  host?: string;
  /** Script path with optional query, e.g. `ura` or `ura/ticket?service=2`. */
  script?: string;
  callerId?: string;
  callerIdName?: string;
  /** agi_channel: the device the call comes from (default `PJSIP/1001-00000001`, extension 1001's phone). */
  channel?: string;
  uniqueId?: string;
  args?: string[];
  context?: string;
  extension?: string;
  /** Channel variables already set in the dialplan (readable with GET VARIABLE). */
  variables?: Record<string, string>;
  caller?: Caller;
  /** Duration of a played file in ms; default: size of `<file>.sln` if it exists, else 2000. */
  soundDurationMs?: (file: string) => number | null;
  /** A file that does not exist plays as Asterisk plays a missing file: `result=-1`. Default false. */
  strictFiles?: boolean;
  /** After a hang-up, how long to wait for the server to close before giving up (Asterisk waits forever). */
  deadChannelTimeoutMs?: number;
  /** Set AGIEXITONHANGUP=yes behaviour: leave right after sending HANGUP. */
  exitOnHangup?: boolean;
  /** Hang up (unsolicited HANGUP) if the server sends nothing for this long. */
  hangupAfterIdleMs?: number;
  /**
   * Hang up just before the command with this index (0-based) arrives: it then meets a dead
   * channel (HANGUP line, then 511 unless it is allowed on a dead channel).
   */
  hangupBeforeCommand?: number;
  /**
   * 0 (default): media time is virtual and replies go out at once. Above 0: each reply waits for its
   * media time × this factor (1 = real time; 0.05 = twenty times faster, for smoke tests). A
   * function is asked at each reply (a caller can skip ahead, then listen in real time).
   */
  mediaTimeScale?: number | (() => number);
  /** Where RECORD FILE puts a relative file name (Asterisk: `<astdatadir>/sounds`). Default: the working directory. */
  soundsDir?: string;
}

/** What the person on the phone does while a command runs. */
export type CallerAction =
  | { kind: "listen" }
  /** Keys typed `atMs` after the prompt started (before its end = barge-in). */
  | { kind: "press"; keys: string; atMs?: number }
  /** Hang up `atMs` into this command (default: at once). */
  | { kind: "hangup"; atMs?: number }
  /** Let this command finish, then hang up before the next one (unsolicited HANGUP). */
  | { kind: "hangup-after" }
  /**
   * At a RECORD FILE: talk for `ms`, then press a key (`"#"`), stay silent until the recording
   * ends (`"silence"`), or hang up (`"hangup"`). Elsewhere it is listening.
   */
  | { kind: "speak"; ms: number; then: string };

export interface PromptEvent {
  command: string;
  /** The file played (prompt reference), or `digits:<n>` for SAY DIGITS. */
  file: string;
  /** prompt id: the file's base name without directories. */
  prompt: string;
  escape: string;
}

export interface Caller {
  react(event: PromptEvent, call: CallState): CallerAction | Promise<CallerAction>;
}

export interface CommandRecord {
  line: string;
  name: string;
  args: string[];
  reply: string[];
  /** Real ms since the call started when the command arrived. */
  at: number;
  /** Server think time: real ms from our previous reply to this command. */
  thinkMs: number;
  /** Virtual media ms the caller lived through during this command. */
  mediaMs: number;
}

export interface CallState {
  commands: CommandRecord[];
  /** Prompt ids played, in order (interrupted ones included). */
  heard: string[];
  variables: Record<string, string>;
  hungUp: boolean;
}

export interface CallResult extends CallState {
  /** Who closed: the server ended the AGI (normal), or we gave up waiting after a hang-up. */
  closedBy: "server" | "timeout";
  /** What Asterisk would set as AGISTATUS. */
  agiStatus: "SUCCESS" | "FAILURE" | "HANGUP";
  /** Virtual caller time: media + the server's real think time. */
  perceivedMs: number;
  /** Sum of the server's think times. */
  thinkMs: number;
  /** ms from the hang-up to the server closing the socket (null if the caller never hung up). */
  closeAfterHangupMs: number | null;
  executed: { app: string; args: string }[];
}

const DEAD_OK = new Set(["EXEC", "GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "DATABASE", "NOOP", "VERBOSE", "ASYNCAGI"]);

/**
 * The prompt ids of the menu being asked, as a caller lives it: what played since the previous
 * GET DATA (the question of the previous menu), up to and including the current command. A menu's
 * head ("service-menu") is at its start; its last part, the one that waits for the key, may be an
 * option or a footer fragment, so callers that answer "at the question" look here.
 */
export function currentMenu(state: CallState): string[] {
  const media = state.commands.filter((c) => c.name === "STREAM FILE" || c.name === "GET DATA");
  let start = media.length - 2;
  while (start >= 0 && media[start]!.name !== "GET DATA") start--;
  return media.slice(start + 1).map((c) => (c.args[0] ?? "").split("/").pop() ?? "");
}

export function defaultSoundDuration(file: string): number | null {
  for (const ext of [".sln", ".wav", ".ulaw", ".alaw"]) {
    try {
      const size = statSync(file + ext).size;
      return ext === ".sln" ? size / 16 : ext === ".wav" ? (size - 44) / 16 : size / 8;
    } catch {
      continue;
    }
  }
  return null;
}

/** Places one emulated call and resolves when the server has closed the connection. */
export function placeCall(options: CallOptions): Promise<CallResult> {
  return new EmulatedCall(options).run();
}

class EmulatedCall {
  private readonly state: CallState = { commands: [], heard: [], variables: {}, hungUp: false };
  private readonly executed: { app: string; args: string }[] = [];
  private socket!: Socket;
  private buffer = "";
  private readonly started = Date.now();
  private lastReplyAt = Date.now();
  private mediaMs = 0;
  private hangupAt: number | null = null;
  private failed = false;
  private pendingHangupAfter = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: CallOptions) {
    this.state.variables = { ...(o.variables ?? {}) };
  }

  run(): Promise<CallResult> {
    return new Promise((resolve, reject) => {
      this.socket = connect({ port: this.o.port, host: this.o.host ?? "127.0.0.1" });
      this.socket.setEncoding("utf8");
      let deadTimer: NodeJS.Timeout | undefined;
      let closedBy: CallResult["closedBy"] = "server";
      this.socket.on("connect", () => {
        this.socket.write(this.envBlock());
        this.lastReplyAt = Date.now();
        this.armIdle();
      });
      this.socket.on("data", (chunk: string) => {
        this.buffer += chunk;
        let nl: number;
        while ((nl = this.buffer.indexOf("\n")) !== -1) {
          const line = this.buffer.slice(0, nl);
          this.buffer = this.buffer.slice(nl + 1);
          this.queue = this.queue.then(() => this.onCommand(line)).catch((err: unknown) => {
            this.socket.destroy(err as Error);
          });
        }
      });
      this.socket.on("error", (err) => {
        if ((err as NodeJS.ErrnoException).code === "ECONNRESET") return;
        reject(err);
      });
      this.socket.on("close", () => {
        clearTimeout(deadTimer);
        clearTimeout(this.idleTimer);
        void this.queue.then(() => {
          const thinkMs = this.state.commands.reduce((s, c) => s + c.thinkMs, 0);
          resolve({
            ...this.state,
            closedBy,
            agiStatus: this.state.hungUp ? "HANGUP" : this.failed ? "FAILURE" : "SUCCESS",
            perceivedMs: Math.round(this.mediaMs + thinkMs),
            thinkMs,
            closeAfterHangupMs: this.hangupAt === null ? null : Date.now() - this.hangupAt,
            executed: this.executed,
          });
        });
      });
      const watchDead = () => {
        deadTimer = setTimeout(() => {
          closedBy = "timeout";
          this.socket.destroy();
        }, this.o.deadChannelTimeoutMs ?? 5000);
      };
      this.onHangup = watchDead;
    });
  }

  private onHangup: () => void = () => undefined;

  private envBlock(): string {
    const script = this.o.script ?? "ura";
    const env: [string, string][] = [
      ["agi_network", "yes"],
      ...(script ? [["agi_network_script", script] as [string, string]] : []),
      ["agi_request", `agi://127.0.0.1:${this.o.port}/${script}`],
      ["agi_channel", this.o.channel ?? "PJSIP/1001-00000001"],
      ["agi_language", "pt_BR"],
      ["agi_type", "PJSIP"],
      ["agi_uniqueid", this.o.uniqueId ?? `${Math.floor(Date.now() / 1000)}.${Math.floor(Math.random() * 1e6)}`],
      ["agi_version", "22.11.0"],
      ["agi_callerid", this.o.callerId ?? "unknown"],
      ["agi_calleridname", this.o.callerIdName ?? "unknown"],
      ["agi_callingpres", "0"],
      ["agi_callingani2", "0"],
      ["agi_callington", "0"],
      ["agi_callingtns", "0"],
      ["agi_dnid", "unknown"],
      ["agi_rdnis", "unknown"],
      ["agi_context", this.o.context ?? "ura-chamados"],
      ["agi_extension", this.o.extension ?? "s"],
      ["agi_priority", "2"],
      ["agi_enhanced", "0.0"],
      ["agi_accountcode", ""],
      ["agi_threadid", "140352918927040"],
      ...(this.o.args ?? []).map((a, i) => [`agi_arg_${i + 1}`, a] as [string, string]),
    ];
    return env.map(([k, v]) => `${k}: ${v}\n`).join("") + "\n";
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.o.hangupAfterIdleMs === undefined || this.state.hungUp) return;
    this.idleTimer = setTimeout(() => this.hangUp(), this.o.hangupAfterIdleMs);
  }

  private write(lines: string[]): void {
    if (this.socket.destroyed) return;
    this.socket.write(lines.map((l) => `${l}\n`).join(""));
  }

  private hangUp(): void {
    if (this.state.hungUp) return;
    this.state.hungUp = true;
    this.hangupAt = Date.now();
    this.write(["HANGUP"]);
    if (this.o.exitOnHangup) {
      this.write(["HANGUP"]);
      this.socket.end();
      return;
    }
    this.onHangup();
  }

  private duration(file: string): number | null {
    return (this.o.soundDurationMs ?? defaultSoundDuration)(file);
  }

  private async onCommand(line: string): Promise<void> {
    clearTimeout(this.idleTimer);
    const now = Date.now();
    const args = parseArgs(line);
    const name = commandName(args);
    const record: CommandRecord = {
      line,
      name,
      args: args.slice(name.split(" ").length),
      reply: [],
      at: now - this.started,
      thinkMs: now - this.lastReplyAt,
      mediaMs: 0,
    };
    this.state.commands.push(record);
    if (this.o.hangupBeforeCommand === this.state.commands.length - 1 && !this.state.hungUp) this.hangUp();
    const reply = (lines: string[]) => {
      record.reply = lines;
      this.write(lines);
      this.lastReplyAt = Date.now();
    };

    if (this.state.hungUp) {
      if (DEAD_OK.has(name) || DEAD_OK.has(name.split(" ")[0]!)) reply(this.deadCommand(name, record.args));
      else reply(["511 Command Not Permitted on a dead channel or intercept routine"]);
      return;
    }

    const lines = await this.liveCommand(name, record);
    const scale = typeof this.o.mediaTimeScale === "function" ? this.o.mediaTimeScale() : (this.o.mediaTimeScale ?? 0);
    if (scale > 0 && record.mediaMs > 0) await new Promise((r) => setTimeout(r, record.mediaMs * scale));
    reply(lines);
    if (this.state.hungUp) {
      // Case (b) of agi-facts §1: HANGUP right after the reply of the interrupted command.
      this.hangupAt = Date.now();
      this.write(["HANGUP"]);
      if (this.o.exitOnHangup) {
        this.write(["HANGUP"]);
        this.socket.end();
      } else this.onHangup();
    } else if (this.pendingHangupAfter) {
      this.pendingHangupAfter = false;
      this.hangUp();
    } else {
      this.armIdle();
    }
  }

  private deadCommand(name: string, args: string[]): string[] {
    if (name === "SET VARIABLE") return this.setVariable(args);
    if (name === "GET VARIABLE") return this.getVariable(args);
    return ["200 result=0"];
  }

  private async liveCommand(name: string, record: CommandRecord): Promise<string[]> {
    const a = record.args;
    switch (name) {
      case "ANSWER":
        return ["200 result=0"];
      case "NOOP":
        return ["200 result=0"];
      case "VERBOSE":
        return ["200 result=1"];
      case "SET VARIABLE":
        return this.setVariable(a);
      case "GET VARIABLE":
        return this.getVariable(a);
      case "EXEC": {
        if (a.length < 1) return usage();
        this.executed.push({ app: a[0]!, args: a[1] ?? "" });
        return ["200 result=0"];
      }
      case "HANGUP":
        this.state.hungUp = true;
        return ["200 result=1"];
      case "STREAM FILE":
        if (a.length < 2 || a.length > 3) return usage();
        return this.play(record, "STREAM FILE", a[0]!, a[1]!);
      case "SAY DIGITS":
        if (a.length !== 2 || !/^\d+$/.test(a[0]!)) return usage();
        return this.play(record, "SAY DIGITS", `digits:${a[0]}`, a[1]!, a[0]!.length * 600);
      case "GET DATA":
        if (a.length < 1 || a.length > 3) return usage();
        return this.getData(record, a[0]!, Number(a[1] ?? 0), Number(a[2] ?? 1024));
      case "WAIT FOR DIGIT":
        if (a.length !== 1) return usage();
        return this.waitForDigit(record, Number(a[0]));
      case "RECORD FILE":
        if (a.length < 4 || !/^-?\d+$/.test(a[3]!)) return usage();
        return this.recordFile(record, a);
      default:
        return ["510 Invalid or unknown command"];
    }
  }

  private setVariable(a: string[]): string[] {
    if (a.length !== 2) return usage();
    this.state.variables[a[0]!] = a[1]!;
    return ["200 result=1"];
  }

  private getVariable(a: string[]): string[] {
    if (a.length !== 1) return usage();
    const name = a[0]!;
    if (name === "CALLERID(num)") return this.o.callerId ? [`200 result=1 (${this.o.callerId})`] : ["200 result=0"];
    const value = this.state.variables[name];
    return value === undefined ? ["200 result=0"] : [`200 result=1 (${value})`];
  }

  private async act(command: string, file: string, escape: string): Promise<CallerAction> {
    const prompt = file.startsWith("digits:") ? file : (file.split("/").pop() ?? file);
    this.state.heard.push(prompt);
    if (!this.o.caller) return { kind: "listen" };
    return this.o.caller.react({ command, file, prompt, escape }, this.state);
  }

  private async play(record: CommandRecord, command: string, file: string, escape: string, fixedMs?: number): Promise<string[]> {
    const known = fixedMs ?? this.duration(file);
    if (known === null && this.o.strictFiles) {
      this.failed = true;
      this.state.heard.push(`missing:${file}`);
      return ["200 result=-1 endpos=0"];
    }
    const duration = known ?? 2000;
    const action = await this.act(command, file, escape);
    if (action.kind === "hangup") {
      const at = Math.min(action.atMs ?? 0, duration);
      this.media(record, at);
      this.state.hungUp = true;
      return [`200 result=-1 endpos=${Math.round(at * 8)}`];
    }
    if (action.kind === "hangup-after") this.pendingHangupAfter = true;
    if (action.kind === "press") {
      const at = action.atMs ?? 0;
      const key = [...action.keys].find((k) => escape.includes(k));
      if (key !== undefined && at < duration) {
        this.media(record, at);
        return [`200 result=${key.charCodeAt(0)} endpos=${Math.round(at * 8)}`];
      }
    }
    this.media(record, duration);
    return [`200 result=0 endpos=${Math.round(duration * 8)}`];
  }

  private async getData(record: CommandRecord, file: string, timeout: number, maxDigits: number): Promise<string[]> {
    const known = this.duration(file);
    if (known === null && this.o.strictFiles) {
      this.failed = true;
      this.state.heard.push(`missing:${file}`);
      return ["200 result=-1"];
    }
    const duration = known ?? 2000;
    // Asterisk: 0 → 6 s for the first digit (2 s between digits); >0 → that value for both.
    const firstWait = timeout > 0 ? timeout : 6000;
    const action = await this.act("GET DATA", file, "0123456789*#");
    if (action.kind === "hangup") {
      this.media(record, Math.min(action.atMs ?? 0, duration + firstWait));
      this.state.hungUp = true;
      return ["200 result=-1"];
    }
    if (action.kind === "hangup-after") this.pendingHangupAfter = true;
    if (action.kind !== "press" || action.keys === "") {
      this.media(record, duration + firstWait);
      return ["200 result= (timeout)"];
    }
    const at = action.atMs ?? 0;
    let digits = "";
    let ended = false;
    for (const k of action.keys) {
      if (k === "#") {
        ended = true;
        break;
      }
      digits += k;
      if (digits.length >= maxDigits) {
        ended = true;
        break;
      }
    }
    // Typing takes time too: ~250 ms a key for a caller who types "as soon as allowed".
    const typing = action.keys.length * 250;
    const start = Math.min(at, duration) + (at >= duration ? at - duration : 0);
    this.media(record, start + typing + (ended ? 0 : firstWait));
    return ended ? [`200 result=${digits}`] : [`200 result=${digits} (timeout)`];
  }

  private async waitForDigit(record: CommandRecord, timeout: number): Promise<string[]> {
    const action = await this.act("WAIT FOR DIGIT", "wait-for-digit", "0123456789*#");
    if (action.kind === "hangup") {
      this.state.hungUp = true;
      return ["200 result=-1"];
    }
    if (action.kind === "press" && action.keys.length > 0) {
      this.media(record, action.atMs ?? 0);
      return [`200 result=${action.keys.charCodeAt(0)}`];
    }
    this.media(record, timeout < 0 ? 0 : timeout);
    return ["200 result=0"];
  }

  /**
   * RECORD FILE as res_agi.c does it: the optional beep (a word without `=` after the time-out),
   * then the caller's audio written to `<file>.<format>` until an escape key (the last 200 ms, the
   * key's tone, cut off), the time-out, `s=N` seconds of silence (all but 1 s of it cut off), or a
   * hang-up (the file stays as it was). The audio is real: 8 kHz 16-bit mono, a voice-like tone
   * while the caller "speaks", zeros while silent.
   */
  private async recordFile(record: CommandRecord, a: string[]): Promise<string[]> {
    const [file, format, escape, timeoutText, ...rest] = a as [string, string, string, string, ...string[]];
    const maxMs = Number(timeoutText) < 0 ? Infinity : Number(timeoutText);
    const beep = rest.some((r, i) => !r.includes("=") && !(i === 0 && /^\d+$/.test(r)));
    const silenceArg = rest.find((r) => r.startsWith("s="));
    const silenceMs = silenceArg ? Math.max(0, Number.parseInt(silenceArg.slice(2), 10) || 0) * 1000 : 0;
    const ext = { wav: "wav", sln: "sln", slin: "sln", raw: "raw" }[format.toLowerCase()];
    const path = `${isAbsolute(file) ? file : join(this.o.soundsDir ?? process.cwd(), file)}.${ext ?? format}`;
    const action = await this.act("RECORD FILE", `record:${basename(file)}`, escape);
    if (beep) this.media(record, BEEP_MS);
    if (ext === undefined) return ["200 result=-1 (writefile)"];

    // What the caller does, as: talk for `speechMs`, then `end`.
    let speechMs = 0;
    let end: "silence" | "hangup" | string = "silence";
    if (action.kind === "speak") [speechMs, end] = [action.ms, action.then];
    else if (action.kind === "press") [speechMs, end] = [action.atMs ?? 0, [...action.keys].find((k) => escape.includes(k)) ?? "silence"];
    // A hang-up `atMs` into the recording, the caller silent until then.
    let quietMs = 0;
    if (action.kind === "hangup") [quietMs, end] = [Math.min(action.atMs ?? 0, maxMs), "hangup"];
    else if (action.kind === "hangup-after") this.pendingHangupAfter = true;
    const key = end !== "silence" && end !== "hangup" && escape.includes(end) ? end : null;
    if (end !== "hangup" && key === null) end = "silence";

    let voiceMs = Math.min(speechMs, maxMs);
    let silentMs = 0;
    let reply: string;
    if (voiceMs < speechMs || (end === "silence" && silenceMs === 0) || (end === "silence" && voiceMs + silenceMs >= maxMs)) {
      // The longest length came first.
      silentMs = maxMs === Infinity ? 0 : maxMs - voiceMs;
      reply = `200 result=0 (timeout) endpos=${Math.round((voiceMs + silentMs) * 8)}`;
      this.media(record, voiceMs + silentMs);
    } else if (end === "hangup") {
      this.state.hungUp = true;
      silentMs = quietMs;
      reply = `200 result=-1 (hangup) endpos=${Math.round((voiceMs + silentMs) * 8)}`;
      this.media(record, voiceMs + silentMs);
    } else if (key !== null) {
      this.media(record, voiceMs);
      voiceMs = Math.max(0, voiceMs - 200);
      reply = `200 result=${key.charCodeAt(0)} (dtmf) endpos=${Math.round(voiceMs * 8)}`;
    } else {
      this.media(record, voiceMs + silenceMs);
      silentMs = Math.min(1000, silenceMs);
      // Asterisk sends its last wait's return value here: the ms left of the time-out.
      reply = `200 result=${Math.max(1, Math.round(maxMs === Infinity ? 1 : maxMs - voiceMs - silenceMs))} (timeout) endpos=${Math.round((voiceMs + silentMs) * 8)}`;
    }
    try {
      writeFileSync(path, recordedAudio(ext, voiceMs, silentMs));
    } catch {
      return ["200 result=-1 (writefile)"];
    }
    return [reply];
  }

  private media(record: CommandRecord, ms: number): void {
    record.mediaMs += ms;
    this.mediaMs += ms;
  }
}

/** Asterisk's `beep` sound, roughly. */
const BEEP_MS = 250;

/** `voiceMs` of a voice-like signal (two tones, syllable-rate swell, about −20 dBov) then `silentMs` of zeros. */
function recordedAudio(ext: string, voiceMs: number, silentMs: number): Buffer {
  const samples = Math.round((voiceMs + silentMs) * 8);
  const voiced = Math.round(voiceMs * 8);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < voiced; i++) {
    const t = i / 8000;
    const swell = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
    const v = 3300 * swell * (Math.sin(2 * Math.PI * 180 * t) + 0.6 * Math.sin(2 * Math.PI * 720 * t));
    pcm.writeInt16LE(Math.round(v), i * 2);
  }
  if (ext !== "wav") return pcm;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

function usage(): string[] {
  return [
    "520-Invalid command syntax.  Proper usage follows:",
    "Usage: see 'agi show commands'",
    "    (usage text of the command, possibly several lines)",
    "520 End of proper usage.",
  ];
}

const TWO_WORD = new Set(["STREAM", "GET", "SET", "SAY", "WAIT", "DATABASE", "CONTROL", "RECORD", "SPEECH", "CHANNEL", "RECEIVE", "SEND", "GOSUB"]);

function commandName(args: string[]): string {
  const first = (args[0] ?? "").toUpperCase();
  if (!TWO_WORD.has(first)) return first;
  const second = (args[1] ?? "").toUpperCase();
  if (first === "WAIT" && second === "FOR") return `WAIT FOR ${(args[2] ?? "").toUpperCase()}`;
  if (first === "GET" && second === "FULL") return "GET FULL VARIABLE";
  return `${first} ${second}`;
}
