import type { Call } from "./call.js";
import { digitPrompts } from "./numbers.js";
import type { PromptId } from "./prompt-ids.js";

/** The number a technician can call back: the caller id, when it is one (anonymous and odd ids are not). */
export function callbackNumber(call: Call): string | null {
  const id = call.channel.request.callerId?.trim() ?? "";
  return /^\+?[0-9]{3,20}$/.test(id) ? id : null;
}

/**
 * After the ticket is opened for a caller who asked to be called back: the request goes on that
 * ticket with the number and the reason (closed, or a long queue), and the caller hears where the
 * call will come ("…com final 1001"), or that it could not be recorded (the ticket itself is there
 * either way). A hang-up does not stop it: the ticket exists, so the request is finished too.
 */
export async function requestCallback(call: Call, ticketProtocol: string): Promise<PromptId[]> {
  const number = callbackNumber(call);
  const reason = call.callbackReason;
  if (!reason || !number) return [];
  const recorded = await call.optional(
    "request callback",
    async (request) => {
      await call.deps.api.requestCallback({ callId: call.callId, ticketProtocol, number, reason }, request);
      return true;
    },
    { otherwise: false, note: "could not record the callback request" },
    { keepOnHangup: true },
  );
  if (!recorded) return [reason === "queue" ? "callback-failed-queue" : "callback-failed"];
  call.log.info({ protocol: ticketProtocol, reason }, "callback requested");
  return ["callback-registered", ...digitPrompts(number.slice(-4))];
}
