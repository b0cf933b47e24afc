import { freePort } from "./processes.js";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { AgiServer } from "../../src/agi/index.js";
import { createApiClient } from "../../src/api-client/index.js";
import { buildApi, ivrOperationsOf } from "../../src/api/index.js";
import { createDirectApiClient } from "../../src/app/direct-api.js";
import { formatProtocol, openStore, systemActor, VOICE_DESCRIPTION_NAME, type MessageSender, type Store } from "../../src/domain/index.js";
import { createLogSender, lastOutboxMessage } from "../../src/whatsapp/log-sender.js";
import { createSender } from "../../src/whatsapp/index.js";
import type { RecordCallRequest, RecordTransferRequest, ServiceNode, SurveyRequest, TicketView } from "../../src/api/contract.js";
import { testSettings, type Settings, type SettingName } from "../../src/config/index.js";
import {
  DependencyUnavailableError,
  ivrScripts,
  signUser,
  type IvrDependencies,
  type OtpRequestResult,
  type QueueStatus,
  type RequestOptions,
  type TicketApi,
  type VoiceRecordings,
} from "../../src/ivr/index.js";
import { readPromptTexts, TtsUnavailableError, type SpeechSynthesizer } from "../../src/tts/index.js";
import { startAgiServer, type LogLine } from "./agi-server.js";
import { freshMysqlDatabase } from "./databases.js";
import { placeCall, type CallOptions, type CallResult, type Caller, type CallerAction, type CallState, type PromptEvent } from "./asterisk-emulator.js";

/**
 * Helpers for call-flow scenarios: an IVR on a free port wired to a TicketApi (the in-memory fake
 * below, or the real API through the HTTP client), a fake TTS engine whose files are named after
 * the text, and a caller wrapper that keeps type-ahead keys as Asterisk does.
 */

export const STATE_KEY = "scenario-state-key-0123456789abcdef";

export interface IvrUnderTest {
  port: number;
  server: AgiServer;
  logs: LogLine[];
  settings: Settings;
  /** Resolves when work that outlives calls (call records) is done. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Every prompt id of sounds/prompts.pt-BR.txt: the flow may only use these. */
const PROMPT_IDS = new Set(readPromptTexts("sounds").keys());

/** Prompt ids → files, refusing ids the prompt file does not have (as the real PromptSet does). */
export function strictPrompts(dir = "/sounds/pt-BR"): (id: string) => string {
  return (id) => {
    if (!PROMPT_IDS.has(id)) throw new Error(`prompt "${id}" is not in sounds/prompts.pt-BR.txt`);
    return `${dir}/${id}`;
  };
}

export async function startIvr(options: {
  api: TicketApi;
  speech?: SpeechSynthesizer;
  settings?: Partial<Record<SettingName, string>>;
  clock?: () => Date;
  promptFile?: (id: string) => string;
  /** Offers the voice description, recorded there (off by default, as in the scenarios before it). */
  voice?: VoiceRecordings;
  /** The technicians' queue's state (the AMI client against the stand-in); none: no long-queue offer. */
  queue?: QueueStatus;
}): Promise<IvrUnderTest> {
  const settings = testSettings({ IVR_API_BUDGET_MS: "400", IVR_INPUT_TIMEOUT_MS: "3000", ...options.settings });
  const deps: IvrDependencies = {
    api: options.api,
    speech: options.speech ?? new FakeSpeech(),
    promptFile: options.promptFile ?? strictPrompts(),
    settings,
    stateKey: STATE_KEY,
    clock: options.clock,
    voice: options.voice,
    queue: options.queue,
    track: (work) => {
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
  };
  const pending = new Set<Promise<unknown>>();
  const ivr = await startAgiServer(ivrScripts(deps), { commandTimeoutMs: 10_000 });
  const settled = async () => void (await Promise.allSettled([...pending]));
  return {
    ...ivr,
    settings,
    settled,
    close: async () => {
      await settled();
      await ivr.close();
    },
  };
}

let callCounter = 0;
/** A fresh Asterisk-like uniqueid per call. */
export function uniqueId(): string {
  return `${1741700000 + process.pid}.${++callCounter}`;
}

/** Places a call and waits for its call record to be written. */
export async function dial(ivr: IvrUnderTest, options: Omit<CallOptions, "port"> & { caller?: Caller }): Promise<CallResult & { uniqueId: string }> {
  const id = options.uniqueId ?? uniqueId();
  const result = await placeCall({ ...options, caller: options.caller ? new TypeAhead(options.caller) : undefined, port: ivr.port, uniqueId: id });
  // After a hang-up the server closes the socket at once while the script finishes (call record).
  for (let i = 0; ivr.server.activeCalls > 0 && i < 1000; i++) await new Promise((r) => setTimeout(r, 5));
  await ivr.settled();
  return { ...result, uniqueId: id };
}

/** Signed step-mode state, as `ura/identify` leaves it on the channel. */
export function identifiedVariables(uniqueId: string, userCode: string): Record<string, string> {
  return { URA_USER: userCode, URA_AUTH: signUser(STATE_KEY, uniqueId, userCode) };
}

/** TTS that "renders" instantly to a file named after the text, so tests can hear what was said. */
export class FakeSpeech implements SpeechSynthesizer {
  readonly engine = "espeak" as const;
  readonly texts: string[] = [];
  mode: "ok" | "fail" | "hang" = "ok";

  async synthesize(text: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    this.texts.push(text);
    if (this.mode === "fail") throw new TtsUnavailableError("engine failed");
    if (this.mode === "hang") {
      await new Promise((_, reject) => options.signal?.addEventListener("abort", () => reject(new TtsUnavailableError("aborted"))));
    }
    return `/var/cache/tts/say:${text}`;
  }
}

/** One synthesis of SlowSpeech: when it started and ended (real ms), and whether it was cut. */
export interface SynthesisRun {
  text: string;
  startedAt: number;
  endedAt: number | null;
  aborted: boolean;
  done: Promise<void>;
}

/** TTS that takes `delayMs` per text (a cold espeak-ng or Polly), and stops when its signal aborts. */
export class SlowSpeech implements SpeechSynthesizer {
  readonly engine = "espeak" as const;
  readonly runs: SynthesisRun[] = [];
  constructor(readonly delayMs: number) {}

  /** The synthesis of `text` (the first one asked for). */
  run(text: string): SynthesisRun {
    const found = this.runs.find((r) => r.text === text);
    if (!found) throw new Error(`"${text}" was never synthesised`);
    return found;
  }

  synthesize(text: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    let settle!: () => void;
    const run: SynthesisRun = { text, startedAt: Date.now(), endedAt: null, aborted: false, done: new Promise<void>((r) => (settle = r)) };
    this.runs.push(run);
    return new Promise<string>((resolve, reject) => {
      const end = () => {
        run.endedAt = Date.now();
        options.signal?.removeEventListener("abort", onAbort);
        settle();
      };
      const timer = setTimeout(() => {
        end();
        resolve(`/var/cache/tts/say:${text}`);
      }, this.delayMs);
      const onAbort = () => {
        clearTimeout(timer);
        run.aborted = true;
        end();
        reject(new TtsUnavailableError("synthesis aborted"));
      };
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** What the caller heard from TTS: `say:<text>` prompts. */
export const said = (text: string) => `say:${text}`;

/**
 * A caller who types ahead: keys pressed during a STREAM FILE interrupt it with the first key,
 * and Asterisk queues the rest for the next GET DATA. The emulator drops them, so this wrapper
 * re-sends them at the next prompt that collects digits.
 */
export class TypeAhead implements Caller {
  private pending = "";
  constructor(private readonly inner: Caller) {}

  async react(event: PromptEvent, state: CallState): Promise<CallerAction> {
    const collects = event.command === "GET DATA" || event.command === "WAIT FOR DIGIT";
    if (this.pending && collects) {
      const keys = this.pending;
      this.pending = "";
      return { kind: "press", keys, atMs: 0 };
    }
    const action = await this.inner.react(event, state);
    if (!collects && action.kind === "press" && !action.atMs) {
      const first = [...action.keys].findIndex((k) => event.escape.includes(k));
      if (first >= 0) this.pending = action.keys.slice(first + 1);
    }
    return action;
  }
}

// ── the in-memory TicketApi ───────────────────────────────────────────────────────────────────

export interface FakeUser {
  code: string;
  name: string;
  phone: string | null;
  /** Numbers that identify the user by caller id. */
  numbers: string[];
  department?: string | null;
}

export type IdentificationMode = "extension" | "extension-otp" | "code-otp";

type Method = keyof TicketApi;

/** The seed catalogue (thesis Table 1), as the API serves it. */
export function seedCatalogue(): ServiceNode[] {
  const leaf = (id: number, key: string, label: string): ServiceNode => ({ id, key, label, prompt: `${label}, ${key}.`, children: [] });
  const menu = (id: number, key: string, label: string, children: ServiceNode[]): ServiceNode => ({ ...leaf(id, key, label), children });
  return [
    menu(1, "1", "Sistemas", [leaf(101, "1", "Atualização do portal"), leaf(102, "2", "Problemas diversos")]),
    menu(2, "2", "Computador", [leaf(201, "1", "Formatação"), leaf(202, "2", "Não liga"), leaf(203, "3", "Sem conexão com a impressora")]),
    menu(3, "3", "Impressoras", [leaf(301, "1", "Instalar"), leaf(302, "2", "Configurar")]),
    menu(4, "4", "Acessos", [leaf(401, "1", "Privilégio IPM"), leaf(402, "2", "Wi-Fi")]),
    menu(5, "5", "Projetor", [leaf(501, "1", "Reserva")]),
    menu(6, "6", "Ramal", [leaf(601, "1", "Problema com ramal")]),
  ];
}

/**
 * Behaves like the ticket API (codes, one-time codes with attempts, tickets idempotent per call,
 * hours) and can be told to fail: `down` (unreachable), `slow` (answers after the abort only),
 * `sender` (the one-time-code sender is down).
 */
export class FakeTicketApi implements TicketApi {
  users: FakeUser[] = [
    { code: "1234", name: "Maria Souza", phone: "+5545999991234", numbers: ["1001"], department: "Saúde" },
    { code: "5678", name: "João Lima", phone: "+5545988885678", numbers: ["2000"] },
    { code: "9012", name: "Ana Costa", phone: "+5545977779012", numbers: ["2000"] },
  ];
  services = seedCatalogue();
  hoursView: Awaited<ReturnType<TicketApi["hours"]>> = { open: true, reason: "open", holidayName: null, nextOpenAt: null, nextOpenAtLocal: null };
  readonly outbox: { userCode: string; code: string }[] = [];
  readonly tickets: (TicketView & { callId: string })[] = [];
  readonly calls: RecordCallRequest[] = [];
  readonly transfers: RecordTransferRequest[] = [];
  readonly surveys: SurveyRequest[] = [];
  /** What callers hear before the main menu (the API's playing announcements). */
  announcementTexts: string[] = [];
  /** Voice descriptions attached, by protocol. */
  readonly voiceDescriptions = new Map<string, Uint8Array>();
  /** The information menu's content (GET /information). */
  informationView: Awaited<ReturnType<TicketApi["information"]>> = { schedule: [], guidance: [] };
  /** Callback requests, by call. */
  readonly callbacks: Parameters<TicketApi["requestCallback"]>[0][] = [];
  readonly requests: Method[] = [];
  readonly failures = new Map<Method | "all", "down" | "slow" | "sender">();
  /** Rules by `department:<name>` or `extension:<digits>` (the API's identification_rules). */
  readonly identificationRules = new Map<string, IdentificationMode>();
  private readonly otps = new Map<string, { code: string; attemptsLeft: number }>();
  private nextSequence = 1;

  lastCode(userCode = "1234"): string {
    const entry = [...this.outbox].reverse().find((o) => o.userCode === userCode);
    if (!entry) throw new Error(`no one-time code was sent to ${userCode}`);
    return entry.code;
  }

  private async gate(method: Method, options?: RequestOptions): Promise<void> {
    this.requests.push(method);
    const mode = this.failures.get(method) ?? this.failures.get("all");
    if (mode === "down") throw new DependencyUnavailableError("api", "unreachable", `${method}: ECONNREFUSED`);
    if (mode === "slow") {
      await new Promise((_, reject) => {
        const abort = () => reject(new DependencyUnavailableError("api", "timeout", `${method}: aborted`));
        if (options?.signal?.aborted) abort();
        options?.signal?.addEventListener("abort", abort);
      });
    }
  }

  private publicUser(u: FakeUser) {
    return { code: u.code, name: u.name, department: u.department ?? null, phoneMasked: u.phone ? `+55******${u.phone.slice(-4)}` : null };
  }

  async identifyByCode(code: string, options?: RequestOptions) {
    await this.gate("identifyByCode", options);
    const u = this.users.find((x) => x.code === code);
    return u ? this.publicUser(u) : null;
  }

  async identifyByCaller({ number, internal }: { number: string; internal: boolean }, options?: RequestOptions) {
    await this.gate("identifyByCaller", options);
    const found = this.users.filter((u) => u.numbers.includes(number));
    if (found.length === 1) {
      const u = found[0]!;
      const rule = this.identificationRules.get(`extension:${number}`) ?? this.identificationRules.get(`department:${u.department ?? ""}`);
      const identification: IdentificationMode = internal ? (rule ?? "extension") : "code-otp";
      return { match: "unique" as const, user: this.publicUser(u), identification };
    }
    return { match: found.length ? ("shared" as const) : ("none" as const) };
  }

  async requestOtp(input: { userCode: string }, options?: RequestOptions): Promise<OtpRequestResult> {
    await this.gate("requestOtp", options);
    if (this.failures.get("requestOtp") === "sender") return { ok: false, reason: "sender_unavailable" };
    const u = this.users.find((x) => x.code === input.userCode);
    if (!u) return { ok: false, reason: "unknown_user" };
    if (!u.phone) return { ok: false, reason: "no_phone" };
    const code = String(100000 + this.outbox.length * 7919);
    this.otps.set(u.code, { code, attemptsLeft: 3 });
    this.outbox.push({ userCode: u.code, code });
    return { ok: true, phoneMasked: this.publicUser(u).phoneMasked!, expiresAt: new Date(Date.now() + 300_000).toISOString() };
  }

  async verifyOtp(input: { userCode: string; code: string }, options?: RequestOptions) {
    await this.gate("verifyOtp", options);
    const otp = this.otps.get(input.userCode);
    if (!otp) return { ok: false as const, reason: "none" as const, attemptsLeft: 0 };
    if (otp.code === input.code) {
      this.otps.delete(input.userCode);
      return { ok: true as const };
    }
    otp.attemptsLeft--;
    if (otp.attemptsLeft <= 0) this.otps.delete(input.userCode);
    return { ok: false as const, reason: "wrong" as const, attemptsLeft: Math.max(0, otp.attemptsLeft) };
  }

  async catalogue(options?: RequestOptions) {
    await this.gate("catalogue", options);
    return structuredClone(this.services);
  }

  async openTicket(input: { userCode: string; serviceId: number; callId: string }, options?: RequestOptions) {
    await this.gate("openTicket", options);
    const existing = this.tickets.find((t) => t.callId === input.callId);
    if (existing) return { ticket: existing, created: false };
    const u = this.users.find((x) => x.code === input.userCode)!;
    const now = new Date().toISOString();
    const ticket = {
      callId: input.callId,
      protocol: formatProtocol("1", this.nextSequence++),
      status: "open" as const,
      service: { id: input.serviceId, label: String(input.serviceId), path: String(input.serviceId) },
      requester: { code: u.code, name: u.name },
      description: null,
      source: "phone" as const,
      createdAt: now,
      updatedAt: now,
      updatedAtLocal: "2025-03-10T14:05:00-03:00",
    };
    this.tickets.push(ticket);
    return { ticket, created: true };
  }

  async ticketStatus(protocol: string, userCode: string, options?: RequestOptions) {
    await this.gate("ticketStatus", options);
    return this.tickets.find((t) => t.protocol === protocol && t.requester.code === userCode) ?? null;
  }

  async hours(options?: RequestOptions) {
    await this.gate("hours", options);
    return this.hoursView;
  }

  async recordSurvey(answer: SurveyRequest, options?: RequestOptions) {
    await this.gate("recordSurvey", options);
    const i = this.surveys.findIndex((s) => s.callId === answer.callId);
    if (i >= 0) this.surveys[i] = answer;
    else this.surveys.push(answer);
  }

  async announcements(options?: RequestOptions) {
    await this.gate("announcements", options);
    return { playing: this.announcementTexts.map((text, i) => ({ id: i + 1, text })), scheduled: [] };
  }

  async requestCallback(body: Parameters<TicketApi["requestCallback"]>[0], options?: RequestOptions) {
    await this.gate("requestCallback", options);
    const i = this.callbacks.findIndex((c) => c.callId === body.callId);
    if (i >= 0) this.callbacks[i] = body;
    else this.callbacks.push(body);
  }

  async information(options?: RequestOptions) {
    await this.gate("information", options);
    return structuredClone(this.informationView);
  }

  async recordCall(call: RecordCallRequest, options?: RequestOptions) {
    await this.gate("recordCall", options);
    const i = this.calls.findIndex((c) => c.callId === call.callId);
    if (i >= 0) this.calls[i] = call;
    else this.calls.push(call);
  }

  async attachVoiceDescription(input: { protocol: string; callId: string; audio: Uint8Array }, options?: RequestOptions) {
    await this.gate("attachVoiceDescription", options);
    const ticket = this.tickets.find((t) => t.protocol === input.protocol && t.callId === input.callId);
    if (!ticket) throw new DependencyUnavailableError("api", "rejected", "attach voice description: HTTP 404 not_found");
    if (!this.voiceDescriptions.has(input.protocol)) this.voiceDescriptions.set(input.protocol, input.audio);
  }

  async recordTransfer(transfer: RecordTransferRequest, options?: RequestOptions) {
    await this.gate("recordTransfer", options);
    this.transfers.push(transfer);
    const user = this.users.find((u) => u.code === transfer.userCode);
    return { callerName: user ? `${user.name} · ${user.code}` : null };
  }
}

// ── backends: the same scenarios against the fake and against the real API ────────────────────

/** Fixed instants (São Paulo, UTC-3): a Tuesday in and out of business hours. */
export const TUESDAY_10H = new Date("2025-03-11T13:00:00Z");
export const TUESDAY_19H = new Date("2025-03-11T22:00:00Z");
export const WEDNESDAY_8H_LOCAL = "2025-03-12T08:00:00-03:00";

export interface CallRow {
  outcome: string;
  step: string | null;
  ticketProtocol: string | null;
  userCode: string | null;
  identifiedBy?: string | null;
}

/** What the technicians' screen-pop was told about a transferred call. */
export interface TransferRow {
  userCode: string | null;
  identifiedBy: string | null;
  serviceId: number | null;
}

export interface TicketRow {
  protocol: string;
  userCode: string;
  serviceId: number;
}

/**
 * What a scenario needs from the system behind the IVR. Every backend has the same people:
 * 1234 Maria Souza (extension 1001), 5678 João Lima and 9012 Ana Costa (sharing 2000), and the
 * seed catalogue (thesis Table 1).
 */
export interface Backend {
  readonly name: string;
  readonly api: TicketApi;
  /** The clock both the API and the IVR read. */
  readonly clock: () => Date;
  /**
   * The silence budget (IVR_API_BUDGET_MS) for an IVR in front of this backend, and its client's
   * timeout: 400 ms for the in-memory API, which answers at once; production's 3000 ms for the
   * real API and database, which a loaded CI machine cannot hold to 400 ms (the caller then hears
   * "sistema indisponível" where the scenario expects the API's answer).
   */
  readonly budgetMs: number;
  /** The newest one-time code delivered to a user (the `log` sender's outbox). */
  lastCode(userCode: string): Promise<string>;
  tickets(): Promise<TicketRow[]>;
  callRecord(callId: string): Promise<CallRow | null>;
  transfer(callId: string): Promise<TransferRow | null>;
  /** The voice description attached to a ticket (its WAV), or null. */
  voiceDescription(protocol: string): Promise<Uint8Array | null>;
  /** The survey answer stored for a call. */
  surveyOf(callId: string): Promise<{ score: number; kind: string; ticketProtocol: string | null } | null>;
  /** The wallboard's KPIs over the whole test (customerSatisfaction, surveyCount). */
  surveySummary(): Promise<{ customerSatisfaction: number | null; surveyCount: number }>;
  /** open: Tuesday 10:00 · closed: Tuesday 19:00 · holiday: Tuesday 10:00 on a holiday. */
  setHours(state: "open" | "closed" | "holiday"): Promise<void>;
  /** A ticket owned by a user (for the status path). */
  ticketFor(userCode: string): Promise<string>;
  /** An identification rule (null removes it), as an admin sets it in the API. */
  setIdentification(scope: "department" | "extension", subject: string, mode: IdentificationMode | null): Promise<void>;
  /** Renames a catalogue option (admin change while calls go on). */
  renameService(id: number, prompt: string): Promise<void>;
  /**
   * The WhatsApp sender behind the API: ok, down (refuses at once: the API answers 503) or slow
   * (never answers: the API gives up only after its SENDER_TIMEOUT_MS, beyond the IVR's budget).
   */
  setSender(mode: SenderMode): Promise<void>;
  /**
   * Makes the API unreachable (connections refused) or reachable again, in the middle of a call.
   * Only over HTTP: under `ura start` the IVR calls the API in its own process.
   */
  setApiReachable?(reachable: boolean): Promise<void>;
  close(): Promise<void>;
}

export type SenderMode = "ok" | "down" | "slow";

export function fakeBackend(api = new FakeTicketApi()): Backend & { fake: FakeTicketApi } {
  let now = TUESDAY_10H;
  let n = 0;
  return {
    name: "in-memory",
    api,
    fake: api,
    clock: () => now,
    // The IVR keeps the budget's last tenth to speak (SPEAKING_SHARE): 150 ms covers a loaded machine's late timers, 40 ms of 400 did not.
    budgetMs: 1500,
    lastCode: async (userCode) => api.lastCode(userCode),
    tickets: async () => api.tickets.map((t) => ({ protocol: t.protocol, userCode: t.requester.code, serviceId: t.service.id })),
    callRecord: async (callId) => api.calls.find((c) => c.callId === callId) ?? null,
    async transfer(callId) {
      const t = [...api.transfers].reverse().find((x) => x.callId === callId);
      return t ? { userCode: t.userCode, identifiedBy: t.identifiedBy, serviceId: t.serviceId } : null;
    },
    voiceDescription: async (protocol) => api.voiceDescriptions.get(protocol) ?? null,
    surveyOf: async (callId) => api.surveys.find((s) => s.callId === callId) ?? null,
    surveySummary: async () => {
      const n = api.surveys.length;
      const mean = n ? Math.round((api.surveys.reduce((t, s) => t + s.score, 0) / n) * 10) / 10 : null;
      return { customerSatisfaction: mean, surveyCount: n };
    },
    async setHours(state) {
      now = state === "closed" ? TUESDAY_19H : TUESDAY_10H;
      api.hoursView =
        state === "open"
          ? { open: true, reason: "open", holidayName: null, nextOpenAt: null, nextOpenAtLocal: null }
          : { open: false, reason: state === "holiday" ? "holiday" : "outside_hours", holidayName: state === "holiday" ? "Carnaval" : null, nextOpenAt: "2025-03-12T11:00:00.000Z", nextOpenAtLocal: WEDNESDAY_8H_LOCAL };
    },
    async ticketFor(userCode) {
      const { ticket } = await api.openTicket({ userCode, serviceId: 101, callId: `seed-${++n}-${userCode}` });
      return ticket.protocol;
    },
    async setIdentification(scope, subject, mode) {
      if (mode) api.identificationRules.set(`${scope}:${subject}`, mode);
      else api.identificationRules.delete(`${scope}:${subject}`);
    },
    async renameService(id, prompt) {
      const visit = (nodes: ServiceNode[]) => {
        for (const s of nodes) {
          if (s.id === id) s.prompt = prompt;
          visit(s.children);
        }
      };
      visit(api.services);
    },
    async setSender(mode) {
      if (mode === "ok") api.failures.delete("requestOtp");
      else api.failures.set("requestOtp", mode === "down" ? "sender" : "slow");
    },
    async setApiReachable(reachable) {
      if (reachable) api.failures.delete("all");
      else api.failures.set("all", "down");
    },
    close: async () => undefined,
  };
}

const IVR_TOKEN = "scenario-ivr-token-0123456789";

export interface RealBackendOptions {
  /**
   * How the IVR reaches the API: `direct` calls its operations in process, as `ura start` does
   * (the default); `http` goes through the HTTP client and a socket, as `ura ivr` on another host.
   */
  path?: "direct" | "http";
  /** A database name unique to the test file (MariaDB). */
  database?: string;
  /** The IVR client's timeout (its IVR_API_BUDGET_MS); default production's 3000 ms. */
  timeoutMs?: number;
  /** More settings of the API's side (TICKET_BACKEND=glpi, TELEGRAM_…). */
  settings?: Partial<Record<SettingName, string>>;
  /** Opens the store as `ura start` does with other settings (default: openStore, builtin tickets). */
  openStore?: (settings: Settings) => Promise<Store>;
}

/** The API's SENDER_TIMEOUT_MS in the real backend: this much longer than the IVR's budget, so a stuck sender outlasts the budget. */
const SENDER_PAST_BUDGET_MS = 1000;

/**
 * A TCP relay in front of the API, so a test can make the real API unreachable mid-call: down
 * closes the listening socket (new connections are refused, as with a stopped process) and cuts the
 * kept-alive ones; up listens again on the same port.
 */
async function apiRelay(targetPort: number): Promise<{ port: number; setUp(up: boolean): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const listen = (server: TcpServer, port: number) => new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", () => resolve()));
  const makeServer = () =>
    createTcpServer((client) => {
      const upstream = tcpConnect(targetPort, "127.0.0.1");
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  let server: TcpServer | null = makeServer();
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  const stop = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return {
    port,
    async setUp(up) {
      if (up && !server) {
        server = makeServer();
        await listen(server, port);
      } else if (!up) await stop();
    },
    close: stop,
  };
}

/** A sender that accepts the message and never answers (its driver ignores the abort, as a stuck one would). */
const stuckSender: MessageSender = { driver: "venom", send: () => new Promise<never>(() => undefined) };

/**
 * The real ticket API (fastify, src/api) over a real store, listening on a free port, with the
 * `log` sender writing one-time codes to an outbox file that the scripted caller reads — the
 * same way `ura call` shows them. The IVR talks to it through the real HTTP client.
 */
export async function realBackend(driver: "sqlite" | "mysql", options: RealBackendOptions = {}): Promise<Backend & { apiUrl: string; store: Store; settings: Settings; advanceClock(ms: number): void }> {
  const dir = mkdtempSync(join(tmpdir(), "ura-ivr-"));
  let now = TUESDAY_10H;
  const clock = () => now;
  const timeoutMs = options.timeoutMs ?? 3000;
  const database = driver === "mysql" ? await freshMysqlDatabase(options.database ?? `ura_ivr_${process.pid}`) : null;
  const settings = testSettings({
    DB_DRIVER: driver,
    DATA_DIR: dir,
    ...(database ? { DATABASE_URL: database.url } : {}),
    OTP_SECRET: "scenario-otp-secret-0123456789abcdef",
    OTP_MAX_PER_HOUR: "100",
    OTP_MAX_FAILURES: "100",
    IDENTIFY_MAX_PER_MINUTE: "100000",
    IDENTIFY_MAX_MISSES_PER_MINUTE: "100000",
    API_TOKENS: `ivr:ivr:${IVR_TOKEN}`,
    SENDER_TIMEOUT_MS: String(timeoutMs + SENDER_PAST_BUDGET_MS),
    ...options.settings,
  });
  const store = options.openStore ? await options.openStore(settings) : await openStore(settings, { migrate: true });
  const outbox = join(dir, "outbox.jsonl");
  // "down" is the real venom driver (SENDER_DRIVER=venom) pointed at a port nothing listens on.
  const senders: Record<SenderMode, MessageSender> = {
    ok: createLogSender(outbox),
    down: createSender({ ...settings, SENDER_DRIVER: "venom", WHATSAPP_URL: `http://127.0.0.1:${await closedPort()}`, WHATSAPP_TOKEN: "scenario-whatsapp-token" }),
    slow: stuckSender,
  };
  let sender = senders.ok;
  const switching: MessageSender = { driver: "log", send: (message, opts) => sender.send(message, opts) };
  const app = await buildApi({ settings, store, sender: switching, logger: pino({ level: "silent" }), clock });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const relay = await apiRelay((app.server.address() as { port: number }).port);
  const apiUrl = `http://127.0.0.1:${relay.port}`;
  const path = options.path ?? "direct";
  const api =
    path === "http"
      ? createApiClient({ baseUrl: apiUrl, token: IVR_TOKEN, timeoutMs })
      : createDirectApiClient(ivrOperationsOf(app), { client: "ivr", budgetMs: timeoutMs, logger: pino({ level: "silent" }) });

  const people = [
    { code: "1234", name: "Maria Souza", phone: "+5545999991234", department: "Saúde", extensions: ["1001"] },
    { code: "5678", name: "João Lima", phone: "+5545988885678", extensions: ["2000"] },
    { code: "9012", name: "Ana Costa", phone: "+5545977779012", extensions: ["2000"] },
  ];
  for (const p of people) await store.users.create(p, systemActor, now);
  let seeded = 0;
  // The first request to each route of a cold API (JIT, prepared statements) is the slowest: make
  // them once before the first call.
  await api.identifyByCode("0000");
  await api.identifyByCaller({ number: "1001", internal: false });
  await api.catalogue();
  await api.hours();
  await api.openTicket({ userCode: "9012", serviceId: 101, callId: "warm-up.1" });
  await api.ticketStatus("000000", "9012");
  await api.requestOtp({ userCode: "9012", callId: "warm-up.1" });
  await api.verifyOtp({ userCode: "9012", code: "000000" });
  // The voice description's route (its body parser, the ticket read): a refused upload warms it without storing anything.
  await api.attachVoiceDescription?.({ protocol: "000000", callId: "warm-up.1", audio: new Uint8Array(64) }).catch(() => undefined);
  await api.recordCall({ callId: "warm-up.1", callerNumber: null, userCode: null, outcome: "abandoned", step: "warm-up", ticketProtocol: null, startedAt: now.toISOString(), durationMs: 0 });

  return {
    name: `${driver} (${path})`,
    api,
    apiUrl,
    store,
    settings,
    clock,
    budgetMs: timeoutMs,
    async lastCode(userCode) {
      const phone = people.find((p) => p.code === userCode)!.phone;
      const message = await lastOutboxMessage(outbox, phone);
      const code = message ? /\b(\d{4,12})\b/.exec(message.text)?.[1] : undefined;
      if (!code) throw new Error(`no one-time code in the outbox for ${userCode}`);
      return code;
    },
    async tickets() {
      const { tickets } = await store.tickets.list({ limit: 10_000, offset: 0 });
      return tickets.map((t) => ({ protocol: t.protocol, userCode: t.requester.code, serviceId: t.service.id }));
    },
    async callRecord(callId) {
      return store.calls.get(callId);
    },
    async transfer(callId) {
      const t = await store.calls.transfer(callId);
      return t ? { userCode: t.user?.code ?? null, identifiedBy: t.identifiedBy, serviceId: t.service?.id ?? null } : null;
    },
    async voiceDescription(protocol) {
      const detail = await store.tickets.get(protocol);
      const attachment = detail?.attachments.find((a) => a.name === VOICE_DESCRIPTION_NAME);
      if (!attachment) return null;
      return (await store.tickets.readAttachment(protocol, attachment.id))?.data ?? null;
    },
    async surveyOf(callId) {
      const row = await store.db.get<{ score: number; kind: string; ticket_protocol: string | null }>("SELECT score, kind, ticket_protocol FROM surveys WHERE call_id = ?", [callId]);
      return row ? { score: Number(row.score), kind: row.kind, ticketProtocol: row.ticket_protocol } : null;
    },
    async surveySummary() {
      return store.surveys.summary(new Date(0), new Date(now.getTime() + 1));
    },
    async setHours(state) {
      now = state === "closed" ? TUESDAY_19H : TUESDAY_10H;
      const holidays = await store.hours.holidays();
      if (state === "holiday" && !holidays.some((h) => h.date === "2025-03-11")) await store.hours.putHoliday("2025-03-11", "Carnaval", systemActor, now);
      if (state !== "holiday" && holidays.some((h) => h.date === "2025-03-11")) await store.hours.deleteHoliday("2025-03-11", systemActor, now);
    },
    async ticketFor(userCode) {
      const { ticket } = await store.tickets.open({ userCode, serviceId: 101, source: "web", callId: `seed.${++seeded}` }, systemActor, now);
      return ticket.protocol;
    },
    async setIdentification(scope, subject, mode) {
      if (mode) await store.identification.put(scope, subject, { mode }, systemActor, now);
      else await store.identification.delete(scope, subject, systemActor, now).catch(() => undefined);
    },
    async renameService(id, prompt) {
      await store.catalogue.update(id, { prompt }, systemActor, now);
    },
    async setSender(mode) {
      sender = senders[mode];
    },
    /** Moves the API's and the IVR's clock on (a limit that ends by itself); setHours sets it back. */
    advanceClock(ms) {
      now = new Date(now.getTime() + ms);
    },
    ...(path === "http" ? { setApiReachable: (reachable: boolean) => relay.setUp(reachable) } : {}),
    async close() {
      await relay.close();
      await app.close();
      senders.ok.close?.();
      await store.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback port nothing listens on: connections to it are refused at once. */
/** A loopback port nothing listens on (bound, then released): connecting to it is refused. */
export const closedPort = freePort;
