import { protocol } from "../api/contract.js";
import type { Call } from "./call.js";
import { BackToMenu, EndCall } from "./outcome.js";
import type { PublicUser } from "./ports.js";
import type { PromptId } from "./prompt-ids.js";
import { survey } from "./survey.js";
import { whenPrompts } from "./when.js";

/**
 * "Consultar um chamado": the caller types a protocol and hears its status and last update. Only
 * the caller's own tickets: the API answers someone else's ticket exactly like an unknown one.
 */
export async function statusFlow(call: Call, user: PublicUser): Promise<void> {
  let parts = call.p("ask-ticket-number");
  let misses = 0;
  for (;;) {
    call.step = "ticket-number";
    const entry = await call.digits(parts, 16);
    if (entry.kind === "back") throw new BackToMenu();
    if (entry.kind === "none") throw new EndCall(call.result === "status" ? "status" : "abandoned", call.step, ["no-input-end"]);
    const ticket = protocol.safeParse(entry.digits).success
      ? await call.within("ticket status", (request) => call.deps.api.ticketStatus(entry.digits, user.code, request))
      : null;
    if (!ticket) {
      call.log.info({ misses: misses + 1 }, "ticket not found for this caller");
      if (++misses >= call.settings.IVR_CODE_TRIES) {
        throw new EndCall(call.result === "status" ? "status" : "abandoned", call.step, ["ticket-not-found", "too-many-tries"]);
      }
      parts = call.p("ticket-not-found", "ask-ticket-number");
      continue;
    }
    call.result = "status";
    call.step = "status";
    const when = whenPrompts(ticket.updatedAtLocal, call.now(), call.settings.URA_TIMEZONE);
    const updated: PromptId[] = when.length ? ["updated-at", ...when] : [];
    const heard = call.p(`status-${ticket.status}` as const, ...updated, "status-more");
    const choice = await call.menu({ parts: heard, keys: "12", back: true, announced: "*", retries: 0 });
    if (choice.kind === "back") throw new BackToMenu();
    if (choice.kind === "key" && choice.key === "1") {
      parts = call.p("ask-ticket-number");
      misses = 0;
      continue;
    }
    // About the ticket just heard: after several checks, the last one.
    await survey(call, "status", ticket.protocol);
    throw new EndCall("status", "status");
  }
}
