/**
 * What the console needs from the PBX's queue, independent of how it is read (AMI today).
 * Events carry the queue caller's channel ids; `callIdOf` in correlate.ts turns them into the
 * call id the IVR recorded (Asterisk's uniqueid of the channel that ran the AGI script).
 */

/** The queue caller's channel: `uniqueId` is that channel's, `linkedId` the oldest channel of the call. */
export interface QueueCallRef {
  uniqueId: string;
  linkedId: string;
  queue: string;
  callerNumber: string | null;
}

/** The queue member (technician) involved: the member's interface and the extension read from it. */
export interface QueueMemberRef {
  /** As in queues.conf / FreePBX: "PJSIP/101", "SIP/101", "Local/101@from-queue/n". */
  interface: string;
  memberName: string;
  /** The extension behind the interface ("101"), null when the interface names none. */
  extension: string | null;
}

export type QueueEvent =
  /** A member's device rings for this caller (AgentCalled). */
  | { kind: "ringing"; call: QueueCallRef; member: QueueMemberRef; at: Date }
  /** The member did not answer in time; the queue tries someone else (AgentRingNoAnswer). */
  | { kind: "not-answered"; call: QueueCallRef; member: QueueMemberRef; ringSeconds: number | null; at: Date }
  /** The member answered and is talking to the caller (AgentConnect). */
  | { kind: "answered"; call: QueueCallRef; member: QueueMemberRef; holdSeconds: number | null; ringSeconds: number | null; at: Date }
  /** The caller hung up while waiting (QueueCallerAbandon). */
  | { kind: "abandoned"; call: QueueCallRef; position: number | null; holdSeconds: number | null; at: Date }
  /** The conversation ended (AgentComplete): `reason` is caller, agent or transfer. */
  | { kind: "completed"; call: QueueCallRef; member: QueueMemberRef; talkSeconds: number | null; reason: string | null; at: Date }
  /** A channel ended (Hangup): cleans up whatever a lost queue event left behind. */
  | { kind: "hung-up"; uniqueId: string; linkedId: string; cause: string | null; at: Date };

export type QueueLinkStatus = "connecting" | "connected" | "waiting" | "closed";

/** The PBX's queue events for the console: the AMI client, or nothing when AMI is not configured. */
export interface QueueEventSource {
  /** Every queue event from now on. Returns the unsubscribe function. */
  subscribe(listener: (event: QueueEvent) => void): () => void;
  /** Whether events can arrive right now (for the console's status line and `ura doctor`). */
  readonly status: QueueLinkStatus;
  start(): void;
  close(): Promise<void>;
}

/** One queue right now, from Asterisk's QueueSummary (app_queue.c manager_queues_summary). */
export interface QueueSummary {
  /** Callers waiting (Callers). */
  callers: number;
  /** The queue's rolling average wait before an answer, in seconds (HoldTime). */
  holdSeconds: number;
  /** The current longest wait, in seconds (LongestHoldTime). */
  longestHoldSeconds: number;
  /** Members whose device is reachable (LoggedIn). */
  loggedIn: number;
}

/** The queue's state on request, for the IVR (a long queue offers a callback). */
export interface QueueSummarySource {
  /** null when the PBX has no queue by this name; rejects when the PBX cannot say (not connected, no answer in time). */
  load(queue: string, options?: { signal?: AbortSignal }): Promise<QueueSummary | null>;
  readonly status: QueueLinkStatus;
  start(): void;
  close(): Promise<void>;
}
