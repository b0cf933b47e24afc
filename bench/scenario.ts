import { currentMenu, type Caller, type CallerAction, type CallState, type PromptEvent } from "../src/emulator/asterisk-emulator.js";
import type { CallPlan } from "./load.js";
import type { OutboxReader } from "./outbox.js";
import { PROMPT_IDS } from "../src/ivr/prompt-ids.js";

/** A test user: what the caller types and where the one-time code goes. */
export interface BenchUser {
  code: string;
  name: string;
  /** Registered mobile (E.164): the outbox is keyed by it. */
  phone: string;
  /** The number the call comes from: an extension registered to nobody, so the flow asks for the code. */
  callerId: string;
  /** An extension registered to this user (the own-extension happy paths call from it). */
  extension?: string;
}

/**
 * The user of the own-extension happy paths: extension 2999 is registered to them, and the call
 * comes from that extension's phone (channel PJSIP/2999-…), so no code and no one-time code.
 */
export const EXTENSION_USER: BenchUser = { code: "699999", name: "Ana Silva", phone: "+5545979999999", callerId: "2999", extension: "2999" };

/** Keys of the own-extension paths, answered at each question (see OpenTicketKeys). */
export const OWN_EXTENSION_TICKET_KEYS: OpenTicketKeys = {
  byPrompt: {
    "main-menu": ["1"],
    "service-menu": ["2"],
    "sub-menu": ["1"],
    // The voice description is skipped with one key (its own cost is not what the targets measure).
    "describe-problem": ["1"],
    "protocol-repeat": ["2"],
    survey: ["5"],
  },
};
export const ownExtensionStatusKeys = (protocol: string): OpenTicketKeys => ({
  byPrompt: { "main-menu": ["2"], "ask-ticket-number": [`${protocol}#`], "status-more": ["2"], survey: ["5"] },
});

/** Names are shared by many users so a pre-warmed TTS cache covers them all (a name is synthesised once). */
const FIRST = ["Ana", "Bruno", "Carla", "Diego", "Elaine", "Fábio", "Gabriela", "Hugo", "Isabela", "João"];
const LAST = ["Silva", "Souza", "Oliveira", "Pereira", "Costa"];
export const BENCH_NAMES = FIRST.flatMap((f) => LAST.map((l) => `${f} ${l}`));

export function benchUsers(n: number): BenchUser[] {
  return Array.from({ length: n }, (_, i) => ({
    code: String(700000 + i),
    name: BENCH_NAMES[i % BENCH_NAMES.length]!,
    // +55 45 9xxxx-xxxx: a valid Brazilian mobile, distinct per user (per-number hourly caps).
    phone: `+55459${String(80000000 + i).padStart(8, "0")}`,
    callerId: String(30000 + i),
  }));
}

/** Users handed out one call at a time: nobody is in two calls at once (a new code would void the other's). */
export class UserPool {
  private readonly free: BenchUser[];
  constructor(users: BenchUser[]) {
    this.free = [...users];
  }
  take(): BenchUser {
    const u = this.free.shift();
    if (!u) throw new Error("user pool exhausted: more concurrent calls than test users");
    return u;
  }
  give(u: BenchUser): void {
    this.free.push(u);
  }
}

export interface Scenario {
  name: "open-ticket";
  /** URA_RESULT a successful call ends with. */
  expectedResult: string;
  plan(seq: number): CallPlan;
}

/**
 * The open-ticket path, answered at once (every key pressed 0 ms into its prompt): main menu 1,
 * user code, the one-time code read from the outbox, a service, a sub-service, protocol heard (no
 * repeat). Prompt ids are those of the flow in src/ivr and
 * sounds/prompts.pt-BR.txt.
 */
export function openTicketScenario(pool: UserPool, outbox: OutboxReader, keys: OpenTicketKeys = DEFAULT_KEYS): Scenario {
  return {
    name: "open-ticket",
    expectedResult: "ticket",
    plan: () => {
      const user = pool.take();
      const since = Date.now();
      return {
        callerId: user.callerId,
        caller: new OpenTicketCaller(user, outbox, since, keys),
        release: () => pool.give(user),
      };
    },
  };
}

/** Prompts that begin a menu: a menu's question (its GET DATA) is named after the last of them heard since the previous question. */
const MENU_HEADS = new Set(["main-menu", "service-menu", "sub-menu", "confirm-name", "confirm-caller", "protocol-repeat", "status-more", "offer-ticket", "offer-technician"]);
const PROMPTS: ReadonlySet<string> = new Set(PROMPT_IDS);
/** What the IVR may say before a menu it plays again. */
const NOTICES = new Set(["invalid-option", "no-input"]);

/**
 * The head of the menu whose parts these are (what played since the previous question): the last
 * head prompt among them, or "sub-menu" for a catalogue sub-menu, which begins with the chosen
 * service's label, synthesised (a file that is no prompt: a TTS cache name, or a test's fake).
 */
export function menuHead(parts: string[]): string | undefined {
  const head = parts.filter((p) => MENU_HEADS.has(p)).at(-1);
  if (head !== undefined) return head;
  const menu = parts.filter((p) => !NOTICES.has(p));
  return menu.length > 1 && !PROMPTS.has(menu[0]!) ? "sub-menu" : undefined;
}

/**
 * Which question a GET DATA asks: the menu's head ("service-menu") when it belongs to a menu
 * (its last part may be an option or a footer fragment), else the prompt itself ("ask-otp").
 */
export function questionOf(event: PromptEvent, state: CallState): string {
  return menuHead(currentMenu(state)) ?? event.prompt;
}

/**
 * What the caller presses, by question (`questionOf`: the GET DATA that ends a menu or asks for
 * digits), at 0 ms into it. A list is used in order. `{code}` is the user code, `{otp}` the
 * one-time code.
 */
export interface OpenTicketKeys {
  byPrompt: Record<string, string[]>;
}

export const DEFAULT_KEYS: OpenTicketKeys = {
  byPrompt: {
    "main-menu": ["1"],
    "ask-user-code": ["{code}#"],
    "ask-otp": ["{otp}#"],
    // "Computador" (2), then "Formatação" (1): a two-level path of the seed catalogue.
    "service-menu": ["2"],
    "sub-menu": ["1"],
    // Issue 13's voice description, skipped with one key.
    "describe-problem": ["1"],
    "protocol-repeat": ["2"],
    // Issue 13's satisfaction survey after the protocol: one key.
    survey: ["5"],
  },
};

export class OpenTicketCaller implements Caller {
  /** Keys typed (every answer goes to a GET DATA, which takes them all). */
  typed = 0;
  private readonly used = new Map<string, number>();

  constructor(
    private readonly user: BenchUser,
    private readonly outbox: OutboxReader,
    private readonly since: number,
    private readonly keys: OpenTicketKeys,
  ) {}

  async react(event: PromptEvent, state: CallState): Promise<CallerAction> {
    if (event.command !== "GET DATA") return { kind: "listen" };
    const slot = questionOf(event, state);
    const list = this.keys.byPrompt[slot];
    if (list === undefined) return { kind: "listen" };
    const n = this.used.get(slot) ?? 0;
    this.used.set(slot, n + 1);
    const template = list[Math.min(n, list.length - 1)]!;
    let keys = template.replace("{code}", this.user.code);
    if (keys.includes("{otp}")) {
      const otp = await this.outbox.codeFor(this.user.phone, this.since - 5);
      if (otp === null) return { kind: "hangup" };
      keys = keys.replace("{otp}", otp);
    }
    this.typed += keys.length;
    return { kind: "press", keys, atMs: 0 };
  }
}

/**
 * The fastest caller (for the caller-perceived time, not the load): knows the menus, so it types
 * each answer 0 ms into the first prompt that accepts a key (barge-in), except that it listens to
 * what it called for: the protocol number before hanging up.
 * The one-time code is typed as soon as it is in the outbox. A key typed into a STREAM FILE ends
 * it and only that key counts; the flow collects the rest of an entry with GET DATA.
 */
export class BargeInCaller implements Caller {
  /** Keys actually consumed by the IVR. */
  typed = 0;
  private readonly entries: { keys: string; waitFor?: string; otp?: boolean }[];
  private next = 0;
  /** What is left of the entry being typed. */
  private rest: string | null = null;

  constructor(
    private readonly user: BenchUser,
    private readonly outbox: OutboxReader,
    private readonly since: number,
  ) {
    this.entries = [
      { keys: "1" },
      { keys: `${user.code}#` },
      { keys: "", otp: true },
      { keys: "2" },
      { keys: "1" },
      // The voice description: skipped.
      { keys: "1", waitFor: "describe-problem" },
      { keys: "2", waitFor: "protocol-repeat" },
      { keys: "5", waitFor: "survey" },
    ];
  }

  async react(event: PromptEvent): Promise<CallerAction> {
    if (event.escape === "") return { kind: "listen" };
    if (this.rest === null) {
      const entry = this.entries[this.next];
      if (entry === undefined) return { kind: "listen" };
      if (entry.waitFor !== undefined && event.prompt !== entry.waitFor) return { kind: "listen" };
      let keys = entry.keys;
      if (entry.otp) {
        await this.outbox.refresh();
        const otp = await this.outbox.codeFor(this.user.phone, this.since - 5, 0);
        if (otp === null) return { kind: "listen" };
        keys = `${otp}#`;
      }
      this.next++;
      this.rest = keys;
    }
    const keys = this.rest;
    if (event.command === "GET DATA") {
      this.rest = null;
      this.typed += keys.length;
      return { kind: "press", keys, atMs: 0 };
    }
    // STREAM FILE (or SAY DIGITS): the first key interrupts it; GET DATA collects what follows.
    this.rest = keys.length > 1 ? keys.slice(1) : null;
    this.typed += 1;
    return { kind: "press", keys: keys[0]!, atMs: 0 };
  }
}
