import { callIdFor } from "../agi/index.js";
import type { QueueCallRef } from "./port.js";

/**
 * Finds which of our calls a queue event is about. The IVR's call id is the uniqueid of the
 * channel that ran the AGI script (through callIdFor, the one rule for call ids); that channel
 * goes on into the queue, so the event's Uniqueid gives the call id. When the dialplan put a Local
 * channel in between, the AGI channel is the oldest of the call instead: Linkedid gives it.
 */
export function callIdOf(call: Pick<QueueCallRef, "uniqueId" | "linkedId">, isKnownCall: (callId: string) => boolean): string | null {
  for (const uniqueId of [call.uniqueId, call.linkedId]) {
    if (uniqueId === "") continue;
    const callId = callIdFor(uniqueId);
    if (isKnownCall(callId)) return callId;
  }
  return null;
}
