import { HangupError } from "../agi/index.js";
import type { Call } from "./call.js";
import { describeError } from "../shared/errors.js";
import { digitPrompts } from "./numbers.js";
import type { PromptId } from "./prompt-ids.js";

/** The number a technician can call back: the caller id, when it is one (anonymous and odd ids are not). */
export function callbackNumber(call: Call): string | null {
  const id = call.channel.request.callerId?.trim() ?? "";
  return /^\+?[0-9]{3,20}$/.test(id) ? id : null;
}

/**
 * After the ticket is opened for a caller who asked to be called back: the request goes on that
 * ticket with the number, and the caller hears where the call will come ("…com final 1001"), or
 * that it could not be recorded (the ticket itself is there either way). A hang-up does not stop
 * it: the ticket exists, so the request is finished too.
 */
export async function requestCallback(call: Call, ticketProtocol: string): Promise<PromptId[]> {
  const number = callbackNumber(call);
  if (!call.callbackRequested || !number) return [];
  try {
    await call.within("request callback", (signal) => call.deps.api.requestCallback({ callId: call.callId, ticketProtocol, number, reason: "closed" }, { signal }), {
      keepOnHangup: true,
    });
    call.log.info({ protocol: ticketProtocol }, "callback requested");
    return ["callback-registered", ...digitPrompts(number.slice(-4))];
  } catch (err) {
    if (call.channel.hungUp) throw new HangupError("caller hung up");
    call.log.warn({ err: describeError(err) }, "could not record the callback request");
    return ["callback-failed"];
  }
}
