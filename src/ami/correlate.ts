import type { QueueCallRef } from "./port.js";

/**
 * Finds which of our calls a queue event is about. The IVR's call id is the uniqueid of the
 * channel that ran the AGI script; that channel goes on into the queue, so the event's Uniqueid is
 * the call id. When the dialplan put a Local channel in between, the AGI channel is the oldest of
 * the call instead, and the event's Linkedid is the call id.
 */
export function callIdOf(call: Pick<QueueCallRef, "uniqueId" | "linkedId">, isKnownCall: (callId: string) => boolean): string | null {
  if (call.uniqueId && isKnownCall(call.uniqueId)) return call.uniqueId;
  if (call.linkedId && isKnownCall(call.linkedId)) return call.linkedId;
  return null;
}
