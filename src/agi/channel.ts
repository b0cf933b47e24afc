import type { Logger } from "pino";

/** What Asterisk told us about the call in the `agi_*` block, typed. */
export interface AgiRequest {
  /** Script path without query, e.g. `ura` or `ura/status` (from agi_network_script). */
  script: string;
  /** Query parameters of the script URL (`ura/ticket?service=2.3` → { service: "2.3" }). */
  params: Record<string, string>;
  /** agi_arg_1..N in order. */
  args: string[];
  /**
   * The call's id, safe for the API and logs: Asterisk's agi_uniqueid when it already is
   * (the domain's callId rule), else a derived `ura:<32 hex>` (see callIdFor). The original is
   * `variables.uniqueid`.
   */
  uniqueId: string;
  /**
   * Caller number: digits, with a leading `+` kept; null when Asterisk said `unknown`, sent no
   * digits, or more than 20 (see callerNumber). The original is `variables.callerid`.
   */
  callerId: string | null;
  callerIdName: string | null;
  channel: string;
  /**
   * The device the call comes from, read from agi_channel: `PJSIP/1001-0000002a` → { tech: "PJSIP",
   * name: "1001" }. Asterisk names a SIP/IAX2 channel after the endpoint that authenticated it (a
   * registered phone, or a trunk), so this is the PBX's word, not the caller id's. null when unreadable.
   */
  endpoint: { tech: string; name: string } | null;
  context: string;
  extension: string;
  language: string;
  /** Every agi_* variable as received (without the `agi_` prefix). */
  variables: Record<string, string>;
}

export interface StreamResult {
  /** The escape key that interrupted playback, or null when it played to the end. */
  key: string | null;
  /** Samples played (8 per ms at 8 kHz). */
  endpos: number;
}

export interface DataResult {
  /** Digits typed (`#` ends entry and is not included). */
  digits: string;
  /** True when Asterisk stopped waiting because no (more) keys came. */
  timedOut: boolean;
}

export interface RecordOptions {
  /** Asterisk's format name, also the file's extension: `wav` (8 kHz 16-bit PCM with a header), `sln` (headerless). */
  format: string;
  /** Keys that end the recording (Asterisk cuts the last 200 ms, the key's tone). Default `#`. */
  escape?: string;
  /** Longest recording in ms. */
  maxMs: number;
  /** Asterisk plays its own `beep` sound before recording. */
  beep?: boolean;
  /** Whole seconds of silence that end the recording (Asterisk keeps 1 s of it). */
  silenceSeconds?: number;
}

export interface RecordResult {
  /** What ended it: one of the escape keys, or `timeout` (the longest length, or silence). */
  endedBy: "key" | "timeout";
  key: string | null;
  /** Samples in the file as Asterisk left it (8 per ms at 8 kHz), after its trimming. */
  endpos: number;
}

/**
 * One call, as the flow sees it. Every method sends exactly one AGI command (never pipelined)
 * and rejects with HangupError once the caller has gone, with AgiTimeoutError when Asterisk does
 * not answer in time, and with AgiCommandError for 510/520 replies.
 */
export interface AgiChannel {
  readonly request: AgiRequest;
  /** Child logger carrying the call's uniqueid and masked caller id. */
  readonly log: Logger;
  /** Aborted when the call ends (hang-up, timeout, error): pass it to slow work the call waits on. */
  readonly signal: AbortSignal;
  readonly hungUp: boolean;

  answer(): Promise<void>;
  /** Plays a file (no extension); stops at one of `escape`'s keys. */
  streamFile(file: string, options?: { escape?: string }): Promise<StreamResult>;
  /** Plays a prompt then collects digits (keys during the prompt interrupt it and count). */
  getData(file: string, options?: { timeoutMs?: number; maxDigits?: number }): Promise<DataResult>;
  /** Speaks digits one by one with Asterisk's own digit sounds. Returns the escape key pressed, if any. */
  sayDigits(digits: string, options?: { escape?: string }): Promise<string | null>;
  /**
   * Records the caller into `file` (no extension; the format adds it) on the PBX's file system.
   * A hang-up while recording rejects with HangupError (the file may exist, partly written);
   * a file Asterisk cannot write rejects with RecordingError.
   */
  recordFile(file: string, options: RecordOptions): Promise<RecordResult>;
  /** Waits for one key; null on timeout. */
  waitForDigit(timeoutMs: number): Promise<string | null>;
  setVariable(name: string, value: string): Promise<void>;
  /** Channel variable or dialplan function value; null when unset. */
  getVariable(name: string): Promise<string | null>;
  /** Runs a dialplan application; returns its result code. */
  exec(application: string, args?: string): Promise<number>;
  verbose(message: string, level?: number): Promise<void>;
  hangup(): Promise<void>;
}

/** A routed AGI script: runs one call to its end. Throwing ends only this call. */
export type AgiScript = (channel: AgiChannel) => Promise<void>;
