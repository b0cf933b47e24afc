import type { AgiChannel, RecordOptions, RecordResult } from "../agi/index.js";
import { SPEAKING_SHARE } from "../api/contract.js";
import { HangupError } from "../agi/index.js";
import type { IvrDependencies, IvrSettings } from "./deps.js";
import type { PromptId } from "./prompt-ids.js";
import type { StepResult } from "./outcome.js";
import { DependencyUnavailableError, type CallbackReason, type IdentificationMethod, type PublicUser, type ServiceNode } from "./ports.js";
import { DeadlineExceededError, withDeadline, type DeadlineScope } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { callEnded } from "../shared/metrics.js";
import { signUser } from "./state.js";

/** Every key a phone can send: any of them may interrupt a prompt (barge-in). */
export const ALL_KEYS = "0123456789*#";
/** The options of a prompt any key interrupts (one object for every such prompt). */
const BARGE_IN = { escape: ALL_KEYS } as const;
/** Repeats the current menu (the thesis' "7 repetir"), unless an option of that menu uses it. */
export const REPEAT_KEY = "7";
export const BACK_KEY = "*";
export const TECHNICIAN_KEY = "0";
/** A caller who keeps asking for a repeat is eventually let go (the call also has a hard time limit). */
const MAX_REPEATS = 10;
/** Work that follows other work in one silence still gets this much time (ms) before it is given up. */
const MIN_SLICE_MS = 250;

export type Choice = { kind: "key"; key: string } | { kind: "back" } | { kind: "technician" } | { kind: "none" };
export type Entry = { kind: "digits"; digits: string } | { kind: "back" } | { kind: "none" };

export interface MenuSpec {
  /** Played before the menu the first time only (the greeting before the main menu). */
  intro?: string[];
  /**
   * Files played after `intro`, the first time only, that are still being fetched when the menu
   * starts (the announcements): they are awaited while `intro` plays, so fetching adds no silence.
   */
  introLater?: Promise<string[]>;
  /** Files played in order (the question and its options); the footer follows, then the key is awaited. */
  parts: string[];
  /** Option keys this menu accepts: `parts` must announce each of them. */
  keys: string;
  /** `*` goes back (announced by the footer). */
  back?: boolean;
  /** `0` asks for a technician (announced by the footer). */
  technician?: boolean;
  /** `7` plays the menu again, footer included (announced by the footer). */
  repeat?: boolean;
  /** Of `*`, `0`, `7`: those `parts` already announce in their own words (no footer fragment for them). */
  announced?: string;
  /** Repeats after no input or an invalid key; default IVR_NO_INPUT_RETRIES. */
  retries?: number;
}

/** The footer's fragments, one per key every menu may accept besides its options. */
const FOOTER = [
  { flag: "repeat", key: REPEAT_KEY, prompt: "footer-repeat" },
  { flag: "back", key: BACK_KEY, prompt: "footer-back" },
  { flag: "technician", key: TECHNICIAN_KEY, prompt: "footer-technician" },
] as const satisfies readonly { flag: keyof MenuSpec; key: string; prompt: PromptId }[];

/**
 * One call in progress: the channel, the dependencies, what is known so far (user, ticket, step)
 * and the caller-experience primitives every path uses (menus, digit entry, bounded waits).
 */
export class Call {
  step = "greeting";
  result: StepResult = "abandoned";
  user: PublicUser | null = null;
  /** How `user` proved who they are (the screen-pop and the call record show it). */
  identifiedBy: IdentificationMethod | null = null;
  /** The catalogue menu the caller was in when they asked for a technician. */
  serviceId: number | null = null;
  ticket: string | null = null;
  /**
   * The caller asked to be called back, and why: the technicians were closed, or their queue was
   * long. The ticket this call opens carries the request.
   */
  callbackReason: CallbackReason | null = null;
  /** The transfer's record on its way to the API; resolves to the desk phones' caller name. */
  transferred: Promise<string | null> | null = null;
  readonly startedAt: Date;
  private ttsDown = false;
  private readonly sent = new Map<string, string>();
  /** When the caller last heard something: the silence budget counts from here. */
  private quietSince = Date.now();
  /** Footer fragments the caller has heard in full in this call: they are not played again unless asked (7). */
  private readonly footerHeard = new Set<PromptId>();
  /** The catalogue as this call first fetched it (see catalogue()). */
  private services: ServiceNode[] | null = null;

  constructor(
    readonly channel: AgiChannel,
    readonly deps: IvrDependencies,
  ) {
    this.startedAt = this.now();
  }

  get log() {
    return this.channel.log;
  }

  get settings(): IvrSettings {
    return this.deps.settings;
  }

  get callId(): string {
    return this.channel.request.uniqueId;
  }

  now(): Date {
    return (this.deps.clock ?? (() => new Date()))();
  }

  /** STREAM FILE references of prompt ids (sounds/prompts.pt-BR.txt: tsc refuses an id that is not there). */
  p(...ids: PromptId[]): string[] {
    return ids.map((id) => this.deps.promptFile(id));
  }

  /** Plays files in order, stopping at the first key of `escape`; returns that key. */
  async play(files: string[], escape = ""): Promise<string | null> {
    const options = { escape };
    for (const file of files) {
      const { key } = await this.heard(this.channel.streamFile(file, options));
      if (key !== null) return key;
    }
    return null;
  }

  /**
   * Records the caller (RECORD FILE). The caller was the one talking, or keeping quiet, so the
   * silence the budget counts starts when the recording ends, as after a prompt.
   */
  async recordCaller(file: string, options: RecordOptions): Promise<RecordResult> {
    return this.heard(this.channel.recordFile(file, options));
  }

  /**
   * Media commands end a silence, answered or failed. A reaction on the command's own promise
   * rather than an async wrapper: one promise less on every prompt (issue 16).
   */
  private heard<T>(command: Promise<T>): Promise<T> {
    return command.then(this.quietAfter, this.quietAfterFailure);
  }

  private readonly quietAfter = <T>(value: T): T => {
    this.quietSince = Date.now();
    return value;
  };

  private readonly quietAfterFailure = (err: unknown): never => {
    this.quietSince = Date.now();
    throw err;
  };

  /**
   * Plays `files` and collects up to `maxDigits` keys. Every part is interruptible; a key typed
   * during an early part starts the entry and the rest is collected by GET DATA on the last part
   * (whose playback the next key cuts at once).
   */
  async ask(files: string[], maxDigits: number, timeoutMs = this.settings.IVR_INPUT_TIMEOUT_MS): Promise<{ digits: string; timedOut: boolean; reachedLast: boolean }> {
    const last = files[files.length - 1];
    if (last === undefined) throw new Error("ask() needs at least one prompt");
    for (let i = 0; i < files.length - 1; i++) {
      const { key } = await this.heard(this.channel.streamFile(files[i]!, BARGE_IN));
      if (key === null) continue;
      if (key === "#") return { digits: "", timedOut: false, reachedLast: false };
      if (maxDigits === 1 || key === BACK_KEY) return { digits: key, timedOut: false, reachedLast: false };
      const rest = await this.heard(this.channel.getData(last, { timeoutMs, maxDigits: maxDigits - 1 }));
      return { digits: key + rest.digits, timedOut: false, reachedLast: false };
    }
    const { digits, timedOut } = await this.heard(this.channel.getData(last, { timeoutMs, maxDigits }));
    return { digits, timedOut, reachedLast: true };
  }

  /** A one-key ask() whose first files play while the next ones are still being fetched. */
  private async askAfter(first: string[], later: Promise<string[]>, rest: string[]): ReturnType<Call["ask"]> {
    const key = await this.play(first, ALL_KEYS);
    // "#" during a prompt is no choice, as in ask().
    if (key !== null) return { digits: key === "#" ? "" : key, timedOut: false, reachedLast: false };
    return this.ask([...(await later), ...rest], 1);
  }

  /**
   * The footer fragments of `spec` ("7 repete", "* volta", "0 técnico"): each plays the first
   * time a menu that accepts its key is heard in this call, and again when the caller asks for
   * the menu once more (7). So every key a menu accepts is announced, and the caller hears the
   * footer once, not after every menu.
   */
  private footer(spec: MenuSpec, all: boolean): PromptId[] {
    return FOOTER.filter((f) => spec[f.flag] && !spec.announced?.includes(f.key) && (all || !this.footerHeard.has(f.prompt))).map((f) => f.prompt);
  }

  /** A one-key menu: repeat on no input, "invalid option" on a wrong key, limited tries. */
  async menu(spec: MenuSpec): Promise<Choice> {
    const retries = spec.retries ?? this.settings.IVR_NO_INPUT_RETRIES;
    let failures = 0;
    let repeats = 0;
    let notice: string[] = spec.intro ?? [];
    let later = spec.introLater;
    let again = false;
    for (;;) {
      const footer = this.footer(spec, again);
      const { digits: key, timedOut, reachedLast } = later
        ? await this.askAfter(notice, later, [...spec.parts, ...this.p(...footer)])
        : await this.ask([...notice, ...spec.parts, ...this.p(...footer)], 1);
      later = undefined;
      // Heard in full only when the caller did not cut the menu before its last part.
      if (reachedLast) for (const f of footer) this.footerHeard.add(f);
      again = false;
      if (key === "" && timedOut) {
        if (++failures > retries) return { kind: "none" };
        notice = this.p("no-input");
        continue;
      }
      if (spec.keys.includes(key) && key !== "") return { kind: "key", key };
      if (spec.repeat && key === REPEAT_KEY) {
        if (++repeats > MAX_REPEATS) return { kind: "none" };
        notice = [];
        again = true;
        continue;
      }
      if (spec.back && key === BACK_KEY) return { kind: "back" };
      if (spec.technician && key === TECHNICIAN_KEY) return { kind: "technician" };
      if (++failures > retries) return { kind: "none" };
      notice = this.p("invalid-option");
    }
  }

  /** Digit entry ended by `#` (or by maxDigits); `*` anywhere goes back. */
  async digits(parts: string[], maxDigits: number): Promise<Entry> {
    const retries = this.settings.IVR_NO_INPUT_RETRIES;
    let failures = 0;
    let notice: string[] = [];
    for (;;) {
      const { digits } = await this.ask([...notice, ...parts], maxDigits);
      if (digits.includes(BACK_KEY)) return { kind: "back" };
      if (digits !== "") return { kind: "digits", digits };
      if (++failures > retries) return { kind: "none" };
      notice = this.p("no-input");
    }
  }

  /**
   * Runs slow work (an API request, a synthesis) under the silence budget: it is aborted and
   * rejected with DependencyUnavailableError when the budget runs out, and aborted and rejected
   * with what ended the call (HangupError…) when the call ends, unless `keepOnHangup` (the call
   * record, a ticket being created). Either way it settles then, even if the work ignores its
   * signal. The budget is what is left of the current silence, less SPEAKING_SHARE, so two requests
   * in a row (code lookup, then sending the one-time code) together stay within it and the caller
   * hears why by the budget's end; each still gets MIN_SLICE_MS. `work` gets the request's options
   * (`{ signal }`): pass them on as they are (`(request) => api.catalogue(request)`), so a request
   * that never reads its signal (the API's operations in this process) costs no AbortSignal.
   */
  async within<T>(
    what: string,
    work: (request: DeadlineScope) => Promise<T>,
    options: { dependency?: "api" | "tts"; keepOnHangup?: boolean; fullBudget?: boolean } = {},
  ): Promise<T> {
    const dependency = options.dependency ?? "api";
    if (!options.keepOnHangup && this.channel.signal.aborted) throw new HangupError("caller hung up");
    const full = this.settings.IVR_API_BUDGET_MS;
    const usable = Math.floor(full * (1 - SPEAKING_SHARE));
    const budgetMs = options.fullBudget ? full : Math.max(usable - (Date.now() - this.quietSince), Math.min(MIN_SLICE_MS, usable));
    try {
      return await withDeadline(budgetMs, work, { signal: options.keepOnHangup ? undefined : this.channel.signal });
    } catch (err) {
      if (!(err instanceof DeadlineExceededError)) throw err;
      throw new DependencyUnavailableError(dependency, "timeout", `${what}: no answer within ${budgetMs} ms`, { cause: err });
    }
  }

  /**
   * The catalogue menus, fetched once per call: every menu of the call is read from one version
   * (the API's last ready one), so keys never shift under a caller between two menus, and a
   * call costs one request for them instead of one per menu (issue 16). An admin's change is
   * heard from the next call. A failed fetch is not kept: the next menu asks again.
   */
  async catalogue(): Promise<ServiceNode[]> {
    this.services ??= await this.within("catalogue", (request) => this.deps.api.catalogue(request));
    return this.services;
  }

  /**
   * Work the call can go on without (the announcements, a callback request, a survey answer, the
   * business hours): run under the silence budget as within() runs it; when it fails or is too
   * slow, `note` is logged and `otherwise` returned, so the caller carries on. A hang-up still
   * ends the call (HangupError), so nothing is said to an empty line.
   */
  async optional<T, F>(
    what: string,
    work: (request: DeadlineScope) => Promise<T>,
    fallback: { otherwise: F; note: string },
    options: { keepOnHangup?: boolean; fullBudget?: boolean } = {},
  ): Promise<T | F> {
    try {
      return await this.within(what, work, options);
    } catch (err) {
      if (this.channel.hungUp) throw new HangupError("caller hung up");
      this.log.warn({ err: describeError(err) }, fallback.note);
      return fallback.otherwise;
    }
  }

  /** Starts work now and lets the flow await it later (e.g. while a prompt plays). */
  background<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return work;
  }

  /**
   * Synthesised speech for catalogue text or a name; null when TTS fails or is too slow, and the
   * flow then falls back to recorded prompts. After one failure TTS is skipped for the rest of the
   * call, so a broken engine costs the caller one budget, not one per menu.
   */
  async speak(text: string): Promise<string | null> {
    if (this.ttsDown) return null;
    // Heard a moment ago: no deadline to set up for an answer already in memory.
    const ready = this.channel.hungUp ? null : (this.deps.speech.ready?.(text) ?? null);
    if (ready !== null) return ready;
    try {
      return await this.within("tts", (request) => this.deps.speech.synthesize(text, request), { dependency: "tts" });
    } catch (err) {
      return this.speechFailed(err);
    }
  }

  /** After a failed or too slow synthesis: recorded prompts for the rest of the call. */
  private speechFailed(err: unknown): null {
    if (this.channel.hungUp) throw new HangupError("caller hung up");
    this.ttsDown = true;
    this.log.warn({ err: describeError(err) }, "speech synthesis failed, using recorded prompts");
    return null;
  }

  /** Marks the caller as identified and tells the dialplan (signed, for step scripts). */
  async identified(user: PublicUser, how: IdentificationMethod | null = null): Promise<void> {
    this.user = user;
    this.identifiedBy = how;
    await this.setVariables({ URA_USER: user.code, URA_AUTH: signUser(this.deps.stateKey, this.callId, user.code) });
  }

  /** Sets channel variables, skipping values the channel already has from us. */
  async setVariables(vars: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(vars)) {
      if (this.sent.get(name) === value) continue;
      await this.channel.setVariable(name, value);
      this.sent.set(name, value);
    }
  }

  /** The outcome for the dialplan (while the channel is up) and the call record (always, bounded). */
  async finish(options: { record: boolean }): Promise<void> {
    callEnded(this.result, this.step);
    if (!this.channel.hungUp) {
      const vars: Record<string, string> = { URA_RESULT: this.result };
      if (this.ticket) vars.URA_TICKET = this.ticket;
      // The desk phones show who is calling: the dialplan copies it into CALLERID(name) before the queue.
      const callerName = this.result === "transfer" && this.transferred ? await this.transferred : null;
      if (callerName) vars.URA_CALLER_NAME = callerName;
      await this.setVariables(vars).catch((err: unknown) => this.log.debug({ err: describeError(err) }, "could not set the outcome variables"));
    }
    if (!options.record) return;
    const recording = this.record();
    // A caller still on the line must not wait for the record (the queue, the dialplan's goodbye):
    // the request runs on, bounded by the budget, after the AGI session ends.
    if (this.channel.hungUp) await recording;
    else this.deps.track?.(recording);
  }

  private async record(): Promise<void> {
    const outcome = this.result === "identified" || this.result === "back" ? "abandoned" : this.result;
    try {
      await this.within(
        "record call",
        (request) =>
          this.deps.api.recordCall(
            {
              callId: this.callId,
              callerNumber: this.channel.request.callerId,
              userCode: this.user?.code ?? null,
              identifiedBy: this.user ? this.identifiedBy : null,
              outcome,
              step: this.step.slice(0, 64),
              ticketProtocol: this.ticket,
              startedAt: this.startedAt.toISOString(),
              durationMs: Math.max(0, this.now().getTime() - this.startedAt.getTime()),
            },
            request,
          ),
        { keepOnHangup: true, fullBudget: true },
      );
    } catch (err) {
      this.log.warn({ err: describeError(err) }, "could not record the call");
    }
  }
}
