import type { Call } from "./call.js";
import { describeError } from "../shared/errors.js";
import { EndCall } from "./outcome.js";
import type { HoursView } from "./ports.js";
import type { PromptId } from "./prompt-ids.js";
import { untilPrompts, whenPrompts } from "./when.js";
import { callbackNumber } from "./callback.js";

/** Business hours, or null when the API cannot say within the budget. */
export async function fetchHours(call: Call): Promise<HoursView | null> {
  return call.optional("hours", (request) => call.deps.api.hours(request), { otherwise: null, note: "business hours unavailable" });
}

/**
 * Whether the technicians' queue (the dialplan's URA_QUEUE) is long now: QUEUE_LONG_CALLERS callers
 * waiting, or QUEUE_LONG_HOLD_SECONDS of average or longest wait, or nobody's phone reachable to
 * answer. False whenever the PBX cannot say within the budget (no AMI, AMI down or silent): the
 * caller is then transferred as before, never held up by the question.
 */
async function queueIsLong(call: Call): Promise<boolean> {
  const status = call.deps.queue;
  const { QUEUE_LONG_CALLERS: callers, QUEUE_LONG_HOLD_SECONDS: hold } = call.settings;
  if (!status || (callers === 0 && hold === 0)) return false;
  const queue = await call.channel.getVariable("URA_QUEUE");
  if (!queue) {
    call.log.warn("URA_QUEUE is not set on the channel: the queue's length is not checked (docs/freepbx.md, ura-settings)");
    return false;
  }
  const load = await call.optional("queue status", (request) => status.load(queue, request), { otherwise: null, note: "queue status unavailable, transferring as usual" });
  if (!load) return false;
  const long =
    (callers > 0 && load.callers >= callers) || (hold > 0 && Math.max(load.holdSeconds, load.longestHoldSeconds) >= hold) || load.loggedIn === 0;
  call.log.info({ queue, ...load, long }, "queue status");
  return long;
}

/** Hands the call back to the dialplan, which sends it to the technicians' queue. */
export async function transfer(call: Call): Promise<never> {
  call.result = "transfer";
  // Set before the prompt so a hang-up during it still leaves the outcome on the channel.
  const record = call.settings.IVR_RECORD_TRANSFERS;
  await call.setVariables(record ? { URA_RESULT: "transfer", URA_RECORD: "yes" } : { URA_RESULT: "transfer" });
  // The technicians' screens learn who is coming while "transferring" plays; the answer (the
  // desk phones' caller name) is awaited only when the outcome variables are set, after it.
  call.transferred = call.background(recordTransfer(call));
  throw new EndCall("transfer", call.step, [record ? "transferring-recorded" : "transferring"]);
}

/** The screen-pop's facts for the API; never fails the call (no screen-pop is still a transfer). */
async function recordTransfer(call: Call): Promise<string | null> {
  const record = call.deps.api.recordTransfer;
  if (!record) return null;
  const user = call.user;
  try {
    const { callerName } = await call.within(
      "record transfer",
      (request) =>
        record.call(
          call.deps.api,
          { callId: call.callId, callerNumber: call.channel.request.callerId, userCode: user?.code ?? null, identifiedBy: user ? call.identifiedBy : null, serviceId: call.serviceId },
          request,
        ),
      { fullBudget: true },
    );
    return callerName;
  } catch (err) {
    if (call.channel.hungUp) return null;
    call.log.warn({ err: describeError(err) }, "could not record the transfer: no screen-pop for this call");
    return null;
  }
}

/**
 * "Falar com um técnico": open (or hours unknown: the queue and the dialplan's own time check
 * decide) → transfer, unless the queue is long and the call has a number to call: then 1 asks to
 * be called back instead, anything else waits in the queue. Closed → say why and when it opens,
 * and offer to open a ticket instead, or (3, when the call has a number to call) a ticket that
 * asks to be called back. Returns only when the caller chose a ticket (`call.callbackReason`
 * says whether it carries a callback request, and why).
 */
export async function technician(call: Call, options: { offerTicket: boolean }): Promise<void> {
  call.step = "technician";
  const callBack = callbackNumber(call) !== null;
  // Asked together with the hours: one silence for both.
  const long = options.offerTicket && callBack ? call.background(queueIsLong(call)) : null;
  const hours = await fetchHours(call);
  if (!hours || hours.open) {
    if (!long || !(await long)) return transfer(call);
    call.step = "technician-queue-long";
    const choice = await call.menu({ parts: call.p("queue-long", "offer-queue-callback"), keys: "12", retries: 0 });
    if (choice.kind === "key" && choice.key === "1") {
      call.callbackReason = "queue";
      return;
    }
    return transfer(call);
  }
  call.step = "technician-closed";
  const when = whenPrompts(hours.nextOpenAtLocal, call.now(), call.settings.URA_TIMEZONE);
  const opens: PromptId[] = when.length ? ["opens-at", ...when] : [];
  const ids: PromptId[] = [hours.reason === "holiday" ? "closed-holiday" : "closed-now", ...opens];
  if (!options.offerTicket) throw new EndCall("abandoned", call.step, ids);
  const parts = call.p(...ids);
  const offers = call.p("offer-ticket", ...(callBack ? (["offer-callback"] as const) : []));
  const choice = await call.menu({ parts: [...parts, ...offers], keys: callBack ? "123" : "12", retries: 1 });
  if (choice.kind === "key" && choice.key === "3") call.callbackReason = "closed";
  if (choice.kind === "key" && (choice.key === "1" || choice.key === "3")) return;
  throw new EndCall("abandoned", call.step);
}

/**
 * After a failure the caller was told about: during business hours (or when hours cannot be
 * fetched, since a person can still answer the queue) offer a technician. Out of hours, a caller
 * who reached a limit (`callBack`) hears when to call back: when the desk opens.
 * `hours` was started before the failure sentence played so it adds no silence.
 */
export async function offerTechnician(call: Call, hours: Promise<HoursView | null>, options: { callBack?: boolean } = {}): Promise<void> {
  const h = await hours;
  if (h && !h.open) {
    const when = options.callBack ? whenPrompts(h.nextOpenAtLocal, call.now(), call.settings.URA_TIMEZONE) : [];
    if (when.length) await call.play(call.p("call-back", ...when));
    return;
  }
  const choice = await call.menu({ parts: call.p("offer-technician"), keys: "0", retries: 0 });
  if (choice.kind === "key") await transfer(call);
}

/**
 * When the caller may try again after a limit that ends by itself: "Ligue novamente hoje às dez e
 * trinta", from the end the API reported (`until`, rounded up to the minute); "Tente novamente mais
 * tarde" when it did not say. The technician offer (or when the desk opens) follows it.
 */
export function callAgain(call: Call, until: string | undefined): PromptId[] {
  const when = untilPrompts(until, call.now(), call.settings.URA_TIMEZONE);
  return when.length ? ["call-again", ...when] : ["try-later"];
}
