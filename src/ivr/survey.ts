import type { Call } from "./call.js";

/**
 * The satisfaction survey at the end of a ticket or status call: one question, answered 1 to 5
 * with one key. Silence or any other key skips it at once (no "invalid option", no repeat). The
 * answer is stored within the silence budget; a failure to store it is logged, never heard.
 * `ticket` is the ticket the answer is about: the one this call opened, or the last one whose
 * status the caller heard (not call.ticket, which is what the call opened, for the dialplan).
 */
export async function survey(call: Call, kind: "ticket" | "status", ticket: string | null): Promise<void> {
  if (!call.settings.IVR_SURVEY) return;
  const step = call.step;
  call.step = "survey";
  const choice = await call.menu({ parts: call.p("survey"), keys: "12345", retries: 0 });
  call.step = step;
  if (choice.kind !== "key") return;
  const answer = { callId: call.callId, userCode: call.user?.code ?? null, ticketProtocol: ticket, kind, score: Number(choice.key) };
  await call.optional("survey", (request) => call.deps.api.recordSurvey(answer, request), { otherwise: undefined, note: "could not store the survey answer" });
}
