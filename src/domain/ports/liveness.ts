import { z } from "zod";
import type { EventSource } from "../../shared/event-bus.js";

/**
 * Seed 002's centraliser for our own parts: every part reports a heartbeat, a part silent for
 * SILENCE_MS is OFFLINE, and a heartbeat after that makes it ONLINE again. What crosses the API
 * (the heartbeat, the status table) is described here once, as zod schemas.
 */

/** How often each part reports. */
export const HEARTBEAT_EVERY_MS = 10_000;
/** Silent this long: OFFLINE (three heartbeats missed). */
export const SILENCE_MS = 30_000;

/** The kinds of part: an IVR node, the API, the WhatsApp service and its session, and the dependencies the API checks. */
export const PART_KINDS = ["ivr", "api", "whatsapp", "whatsapp-session", "tts", "database", "glpi", "telegram"] as const;
export const partKind = z.enum(PART_KINDS);
export type PartKind = z.infer<typeof partKind>;

/** One heartbeat: who is alive, on which host, running which version, in what state. */
export const heartbeatSchema = z.object({
  /** Unique per part: `ivr@pbx1`, `api`, `database`, `whatsapp`, `tts@pbx1`. */
  name: z.string().regex(/^[A-Za-z0-9._@:-]{1,100}$/, "letters, digits and . _ @ : - (at most 100)"),
  kind: partKind,
  version: z.string().max(40),
  host: z.string().max(255),
  /** The part's own word for how it is (`ok`, `3 calls`, the WhatsApp session's state). */
  state: z.string().max(200),
  /**
   * An IVR node's calls as numbers, so nobody parses `state` (the wallboard sums them): `active`
   * is every call connected to the node, `waiting` those of them still waiting for a slot
   * (AGI_MAX_CALLS). Absent for other parts, and from nodes older than this field.
   */
  calls: z.object({ active: z.number().int().min(0).max(1_000_000), waiting: z.number().int().min(0).max(1_000_000) }).optional(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const LIVENESS = ["ONLINE", "OFFLINE"] as const;
export type Liveness = (typeof LIVENESS)[number];

export const partStatusSchema = heartbeatSchema.extend({
  liveness: z.enum(LIVENESS),
  /** ISO-8601: the last heartbeat. */
  lastSeenAt: z.string(),
  /** ISO-8601: since when it is ONLINE or OFFLINE. */
  since: z.string(),
});
export type PartStatus = z.infer<typeof partStatusSchema>;

/** A part went OFFLINE (silent for SILENCE_MS) or came back ONLINE. Never for a part's first heartbeat. */
export interface PartStatusChanged {
  type: "part-status-changed";
  part: PartStatus;
}

/** The calls in the IVR right now (summed over the ONLINE IVR nodes) changed. */
export interface IvrCallsChanged {
  type: "ivr-calls-changed";
  inIvr: number;
}

/**
 * The port other rooms subscribe to (the wallboard's critical_alert, the Telegram notice): one
 * event per transition, so an alert is raised once however long the part stays down.
 */
export type LivenessEvents = EventSource<PartStatusChanged>;

/** What the wallboard reads from the board: its transitions, and the calls in the IVR now with their changes. */
export interface LivenessView {
  readonly events: LivenessEvents;
  /** Calls connected to the IVR right now, summed over the IVR nodes that are ONLINE. */
  callsInIvr(): number;
  readonly callChanges: EventSource<IvrCallsChanged>;
}
