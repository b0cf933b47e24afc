import type { AmiMessage } from "./protocol.js";
import type { QueueCallRef, QueueEvent, QueueMemberRef, QueueSummary } from "./port.js";

/**
 * The extension behind a queue member interface or a channel name:
 * "PJSIP/101" → 101, "SIP/101-0000002a" → 101, "Local/101@from-queue/n" → 101,
 * "PJSIP/101-00000007" → 101. Trunks and other names without digits give null.
 */
export function extensionOf(device: string): string | null {
  const match = /^[A-Za-z0-9_]+\/([0-9*#]+)(?:[-@;/].*)?$/.exec(device.trim());
  return match ? match[1]! : null;
}

/** Maps the AMI events the console uses to typed queue events; every other event gives null. */
export function toQueueEvent(event: AmiMessage, at: Date): QueueEvent | null {
  switch (event.Event) {
    case "AgentCalled":
      return { kind: "ringing", call: callRef(event), member: memberRef(event), at };
    case "AgentRingNoAnswer":
      return { kind: "not-answered", call: callRef(event), member: memberRef(event), ringSeconds: seconds(event.RingTime), at };
    case "AgentConnect":
      return { kind: "answered", call: callRef(event), member: memberRef(event), holdSeconds: seconds(event.HoldTime), ringSeconds: seconds(event.RingTime), at };
    case "QueueCallerAbandon":
      return { kind: "abandoned", call: callRef(event), position: seconds(event.Position), holdSeconds: seconds(event.HoldTime), at };
    case "AgentComplete":
      return { kind: "completed", call: callRef(event), member: memberRef(event), talkSeconds: seconds(event.TalkTime), reason: event.Reason ?? null, at };
    case "Hangup":
      if (!event.Uniqueid) return null;
      return { kind: "hung-up", uniqueId: event.Uniqueid, linkedId: event.Linkedid ?? event.Uniqueid, cause: event["Cause-txt"] ?? event.Cause ?? null, at };
    default:
      return null;
  }
}

function callRef(event: AmiMessage): QueueCallRef {
  const uniqueId = event.Uniqueid ?? "";
  return { uniqueId, linkedId: event.Linkedid ?? uniqueId, queue: event.Queue ?? "", callerNumber: known(event.CallerIDNum) };
}

function memberRef(event: AmiMessage): QueueMemberRef {
  const iface = event.Interface ?? "";
  // Interface is the member as configured; DestChannel is the channel actually rung (same extension).
  const extension = extensionOf(iface) ?? extensionOf(event.DestChannel ?? "") ?? known(event.DestCallerIDNum);
  return { interface: iface, memberName: event.MemberName ?? "", extension };
}

/**
 * The QueueSummary event of `queue` among a QueueSummary action's events (the action's Queue
 * filter compares names case-insensitively, as app_queue does); null when the PBX has no such queue.
 */
export function toQueueSummary(events: readonly AmiMessage[], queue: string): QueueSummary | null {
  const event = events.find((e) => e.Event === "QueueSummary" && e.Queue?.toLowerCase() === queue.toLowerCase());
  if (!event) return null;
  const count = (value: string | undefined) => seconds(value) ?? 0;
  return {
    callers: count(event.Callers),
    holdSeconds: count(event.HoldTime),
    longestHoldSeconds: count(event.LongestHoldTime),
    loggedIn: count(event.LoggedIn),
  };
}

/** Asterisk writes "<unknown>" for an absent caller id. */
function known(value: string | undefined): string | null {
  return value && value !== "<unknown>" ? value : null;
}

function seconds(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value)) return null;
  return Number(value);
}
