import type { SpeechSynthesizer } from "../tts/index.js";
import type { Clock, PromptLookup, QueueStatus, TicketApi, VoiceRecordings } from "./ports.js";

/** The settings the flow reads (a subset of `Settings`, so tests can pass plain values). */
export interface IvrSettings {
  /** Longest silence a dependency may cause before the caller is told (IVR_API_BUDGET_MS). */
  IVR_API_BUDGET_MS: number;
  IVR_INPUT_TIMEOUT_MS: number;
  IVR_NO_INPUT_RETRIES: number;
  IVR_CODE_TRIES: number;
  /** Transferred calls are recorded by the dialplan: the caller is told, and URA_RECORD=yes is set. */
  IVR_RECORD_TRANSFERS: boolean;
  /** Longest voice description, and the silence that ends one (IVR_VOICE_MAX_SECONDS, IVR_VOICE_SILENCE_SECONDS). */
  IVR_VOICE_MAX_SECONDS: number;
  IVR_VOICE_SILENCE_SECONDS: number;
  /** Ask the one-question satisfaction survey at the end of a ticket or status call. */
  IVR_SURVEY: boolean;
  /**
   * The technicians' queue counts as long (a callback is offered before the transfer) from this many
   * callers waiting, or this average or longest wait in seconds; 0 turns that test off.
   */
  QUEUE_LONG_CALLERS: number;
  QUEUE_LONG_HOLD_SECONDS: number;
  OTP_POLICY: "by-origin" | "always" | "unregistered-only" | "never";
  URA_TIMEZONE: string;
}

/** What the IVR scripts need from the outside world (filled in by src/app). */
export interface IvrDependencies {
  api: TicketApi;
  speech: SpeechSynthesizer;
  /** STREAM FILE reference of a prompt id. */
  promptFile: PromptLookup;
  settings: IvrSettings;
  /** Where voice descriptions are recorded (IVR_VOICE_DESCRIPTION); absent: the caller is not offered one. */
  voice?: VoiceRecordings;
  /** HMAC key that signs URA_USER between step scripts (see state.ts). */
  stateKey: string;
  clock?: Clock;
  /** The technicians' queue as the PBX sees it (AMI); absent: a technician request transfers without asking. */
  queue?: QueueStatus;
  /** Receives work that outlives the AGI session (the voice description's upload, the call record), so a stop waits for it. */
  track?: (work: Promise<unknown>) => void;
}
