import type {
  AnnouncementsView,
  CallbackRequestBody,
  CallerMatch,
  InformationView,
  OpenTicketRequest,
  HoursView,
  IdentificationMethod,
  OtpVerifyResult,
  PublicUser,
  RecordCallRequest,
  RecordTransferRequest,
  ServiceNode,
  SurveyRequest,
  TicketView,
} from "../api/contract.js";
import type { PromptId } from "./prompt-ids.js";

/**
 * The ports the call flow is written against. The flow never sees HTTP, SQL or a TTS engine:
 * `src/api-client` implements TicketApi over the API contract, `src/tts` the synthesizer, and
 * tests put in-memory fakes behind the same interfaces.
 */

/** Every request may carry the call's signal so a hang-up stops waiting for an answer. */
export interface RequestOptions {
  signal?: AbortSignal;
}

export type OtpRequestResult =
  | { ok: true; phoneMasked: string; expiresAt: string }
  | {
      ok: false;
      /** rate_limited: the hourly caps · locked: this calling number is cooling down after wrong codes. */
      reason: "rate_limited" | "locked";
      /** When the limit ends by itself (ISO 8601), to say when to call back; absent if the API did not say. */
      until?: string;
      /** locked: whose cool-down, the calling number's or (called without one) the user's codes · rate_limited: whose hourly cap, the calling number's or the user's. */
      scope?: "caller" | "user";
    }
  | { ok: false; reason: "no_phone" | "undeliverable" | "sender_unavailable" | "unknown_user" };

/** What the call tells the ticket about itself: the number called from and how the caller was identified. */
export type CallFacts = NonNullable<OpenTicketRequest["call"]>;

export interface OpenTicketResult {
  ticket: TicketView;
  created: boolean;
}

/** The ticket API as the IVR uses it. Network errors, timeouts and 5xx reject with DependencyUnavailableError. */
export interface TicketApi {
  /** null when no user has this code. */
  identifyByCode(code: string, options?: RequestOptions): Promise<PublicUser | null>;
  /** `internal`: the call comes from the PBX's own registered extension with this number (see origin.ts). */
  identifyByCaller(caller: { number: string; internal: boolean }, options?: RequestOptions): Promise<CallerMatch>;
  requestOtp(input: { userCode: string; callId: string; callerNumber?: string }, options?: RequestOptions): Promise<OtpRequestResult>;
  verifyOtp(input: { userCode: string; code: string }, options?: RequestOptions): Promise<OtpVerifyResult>;
  catalogue(options?: RequestOptions): Promise<ServiceNode[]>;
  openTicket(input: { userCode: string; serviceId: number; callId: string; call?: CallFacts }, options?: RequestOptions): Promise<OpenTicketResult>;
  /** null when the ticket does not exist or belongs to someone else (the API does not say which). */
  ticketStatus(protocol: string, userCode: string, options?: RequestOptions): Promise<TicketView | null>;
  hours(options?: RequestOptions): Promise<HoursView>;
  recordCall(call: RecordCallRequest, options?: RequestOptions): Promise<void>;
  /**
   * The call goes to the technicians' queue: the facts their screens show. Answers the name the
   * desk phones show (CALLERID(name)), null when the caller was not identified. Optional: an IVR
   * without it transfers the same, without a screen-pop.
   */
  recordTransfer?(transfer: RecordTransferRequest, options?: RequestOptions): Promise<{ callerName: string | null }>;
  /**
   * The caller's voice description (a WAV), attached to the ticket this call opened. Optional: an
   * IVR whose API lacks it does not offer the description.
   */
  attachVoiceDescription?(input: { protocol: string; callId: string; audio: Uint8Array }, options?: RequestOptions): Promise<void>;
  /** The satisfaction survey's answer (1 to 5) for this call. */
  recordSurvey(answer: SurveyRequest, options?: RequestOptions): Promise<void>;
  /** The announcements callers hear before the main menu now, and those that start later. */
  announcements(options?: RequestOptions): Promise<AnnouncementsView>;
  /** The information menu: the weekly schedule and the guidance texts. */
  information(options?: RequestOptions): Promise<InformationView>;
  /** The caller asked to be called back about the ticket this call opened, at this number. */
  requestCallback(request: CallbackRequestBody, options?: RequestOptions): Promise<void>;
}

/** Why the caller asked to be called back: the technicians were closed, or their queue was long. */
export type CallbackReason = CallbackRequestBody["reason"];

/** A dependency (API, sender behind it, TTS) did not answer usefully within its budget. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: "api" | "tts",
    readonly reason: "unreachable" | "timeout" | "server_error" | "rejected" | "bad_response" | "limited",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DependencyUnavailableError";
  }
}

/**
 * The API refused for now and said until when (429 on identification: too many lookups from this
 * client). A DependencyUnavailableError, so a flow that does not catch it still tells the caller
 * the system is unavailable and offers a technician; catch it to say when to call back.
 */
export class LimitReachedError extends DependencyUnavailableError {
  constructor(
    /** When the limit ends by itself. */
    readonly until: Date,
    message: string,
  ) {
    super("api", "limited", message);
    this.name = "LimitReachedError";
  }
}

/**
 * Where Asterisk writes the caller's voice description (RECORD FILE) and where this host reads it
 * back (VOICE_DIR / VOICE_PBX_DIR). The flow never touches files: this port does.
 */
export interface VoiceRecordings {
  /** RECORD FILE's target for a call: the file as the PBX sees it (no extension) and its format. */
  target(callId: string): { file: string; format: string };
  /** The call's recording; null when it is not here (the PBX wrote it where this host does not see). */
  read(callId: string): Promise<Uint8Array | null>;
  /** Removes the call's recording, if there is one. */
  remove(callId: string): Promise<void>;
}

/** The technicians' queue right now, as the PBX counts it (Asterisk's QueueSummary). */
export interface QueueLoad {
  /** Callers waiting in the queue now. */
  callers: number;
  /** The queue's average wait before a technician answered, over recent calls (seconds). */
  holdSeconds: number;
  /** How long the caller who has waited longest has been waiting (seconds). */
  longestHoldSeconds: number;
  /** Technicians whose phones are reachable. */
  loggedIn: number;
}

/** The PBX's queue state (AMI today). Rejects when the PBX cannot say (not connected, no answer). */
export interface QueueStatus {
  /** null when the PBX has no queue by this name. */
  load(queue: string, options?: RequestOptions): Promise<QueueLoad | null>;
}

/** The wall clock the flow uses to say "today"/"tomorrow" (injectable for tests). */
export type Clock = () => Date;

/** STREAM FILE reference of a prompt id from the prompt set (`sounds/prompts.pt-BR.txt`). */
export type PromptLookup = (id: PromptId) => string;

export type { AnnouncementsView, CallbackRequestBody, CallerMatch, InformationView, HoursView, IdentificationMethod, OtpVerifyResult, PublicUser, RecordCallRequest, RecordTransferRequest, ServiceNode, SurveyRequest, TicketView };
