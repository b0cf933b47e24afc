import { HangupError, type AgiChannel, type AgiScript } from "../agi/index.js";
import { userCode } from "../api/contract.js";
import { announcements } from "./announcements.js";
import { Call } from "./call.js";
import { describeError } from "../shared/errors.js";
import type { IvrDependencies } from "./deps.js";
import { identify } from "./identify.js";
import { informationFlow } from "./information.js";
import { BackToMenu, EndCall } from "./outcome.js";
import { DependencyUnavailableError, LimitReachedError, type CallerMatch, type PublicUser } from "./ports.js";
import { findById, openTicketFlow } from "./services.js";
import { verifyUser } from "./state.js";
import { fromOwnExtension } from "./origin.js";
import { statusFlow } from "./status.js";
import { callAgain, fetchHours, offerTechnician, technician } from "./technician.js";

/**
 * The AGI scripts by path: `ura` is the whole call; the `ura/…` step scripts let a FreePBX admin
 * build the menus in the GUI and point options at them (state travels in signed channel variables).
 */
export function ivrScripts(deps: IvrDependencies): Record<string, AgiScript> {
  return {
    ura: (channel) => run(channel, deps, fullCall),
    "ura/identify": (channel) => run(channel, deps, identifyStep),
    "ura/ticket": (channel) => run(channel, deps, ticketStep),
    "ura/status": (channel) => run(channel, deps, statusStep),
    "ura/hours": (channel) => run(channel, deps, hoursStep),
  };
}

type Body = (call: Call) => Promise<void>;

/**
 * Runs one script to its end. Whatever happens, the caller hears why the call ends (never
 * silence), the dialplan gets URA_RESULT/URA_TICKET/URA_USER, and the API gets the call record,
 * also after a hang-up (the channel is gone but HTTP still works; the request is bounded).
 */
async function run(channel: AgiChannel, deps: IvrDependencies, body: Body): Promise<void> {
  const call = new Call(channel, deps);
  try {
    await channel.answer();
    await body(call);
  } catch (err) {
    let pending: unknown = err;
    // Ending can itself end differently (a failure sentence, then the caller picks a technician).
    for (let depth = 0; pending !== null && depth < 3; depth++) {
      const current = pending;
      pending = null;
      try {
        await conclude(call, current);
      } catch (next) {
        pending = next;
      }
    }
  } finally {
    await call.finish({ record: call.result !== "identified" && call.result !== "back" });
  }
}

async function conclude(call: Call, err: unknown): Promise<void> {
  if (call.channel.hungUp || err instanceof HangupError) {
    call.log.info({ step: call.step }, "caller hung up");
    return;
  }
  if (err instanceof EndCall) {
    call.result = err.result;
    if (err.step) call.step = err.step;
    const hours = err.options.offerTechnician || err.options.limit ? call.background(fetchHours(call)) : null;
    await call.play(call.p(...err.prompts));
    if (hours) await offerTechnician(call, hours, { callBack: err.options.limit === true });
    if (err.result !== "transfer" && !err.options.handBack) await call.play(call.p("goodbye"));
    return;
  }
  if (err instanceof BackToMenu) {
    call.result = "back";
    return;
  }
  call.result = "error";
  if (err instanceof DependencyUnavailableError) {
    call.log.warn({ err: describeError(err), dependency: err.dependency, reason: err.reason, step: call.step }, "a dependency failed, telling the caller");
    const hours = call.background(fetchHours(call));
    // A limit that ends by itself (the API's 429 on identification): when to try again, and out of
    // hours when the desk opens, as for the one-time code's limits (issue 13).
    const limited = err instanceof LimitReachedError;
    await call.play(call.p("system-unavailable", ...(limited ? callAgain(call, err.until.toISOString()) : [])));
    await offerTechnician(call, hours, { callBack: limited });
    await call.play(call.p("goodbye"));
    return;
  }
  // A bug or a missing prompt file (Asterisk then sets AGISTATUS=FAILURE). The caller was told
  // nothing, so URA_ERROR=internal sends the dialplan to its fallback (queue or recorded apology).
  call.log.error({ err, step: call.step }, "call flow failed");
  await call.setVariables({ URA_ERROR: "internal" }).catch(() => undefined);
}

/** Caller-id lookup started at answer time, so it is ready when identification starts. */
function lookupCaller(call: Call): Promise<CallerMatch> | null {
  const number = call.channel.request.callerId;
  if (!number) return null;
  return call.background(
    call
      .within("identify by caller", (request) => call.deps.api.identifyByCaller({ number, internal: fromOwnExtension(call) }, request))
      .catch((err: unknown): CallerMatch => {
        if (call.channel.hungUp) throw new HangupError("caller hung up");
        // Not fatal: the caller types their code (and meets the failure then if the API is down).
        call.log.warn({ err: describeError(err) }, "caller lookup failed, asking for the user code");
        return { match: "none" };
      }),
  );
}

/**
 * The whole call. `ura?greeting=no` is the main menu without the greeting (the dialplan's
 * `ura-chamados,menu,1`, where step mode's "*" and a finished `ura/identify` lead): a caller a
 * step already identified is not asked again.
 */
async function fullCall(call: Call): Promise<void> {
  const menuOnly = call.channel.request.params.greeting === "no";
  const callerLookup = menuOnly && (await verifiedUser(call)) ? null : lookupCaller(call);
  let greeted = menuOnly;
  // Fetched at answer and heard after the greeting: the caller told of a known problem may hang up here.
  const notices = menuOnly ? null : call.background(announcements(call));
  for (;;) {
    call.step = "main-menu";
    // "main-menu" announces 1, 2, 3 or 0 for a technician, and 4; the footer adds 7.
    const choice = await call.menu({
      intro: greeted ? [] : call.p("greeting"),
      introLater: greeted || !notices ? undefined : notices,
      parts: call.p("main-menu"),
      keys: "12340",
      repeat: true,
    });
    greeted = true;
    if (choice.kind !== "key") throw new EndCall("abandoned", "main-menu", ["no-input-end"]);
    try {
      if (choice.key === "2") {
        await statusFlow(call, await identify(call, callerLookup));
      } else if (choice.key === "4") {
        await informationFlow(call);
      } else {
        if (choice.key === "3" || choice.key === "0") await technician(call, { offerTicket: true });
        await openTicketFlow(call, await identify(call, callerLookup));
      }
    } catch (err) {
      if (err instanceof BackToMenu) continue;
      throw err;
    }
  }
}

// ── step scripts ─────────────────────────────────────────────────────────────────────────────

async function identifyStep(call: Call): Promise<void> {
  await identify(call, lookupCaller(call));
  call.result = "identified";
}

async function ticketStep(call: Call): Promise<void> {
  const user = await requireUser(call);
  const path = await servicePath(call);
  await openTicketFlow(call, user, path);
}

async function statusStep(call: Call): Promise<void> {
  await statusFlow(call, await requireUser(call));
}

async function hoursStep(call: Call): Promise<void> {
  await technician(call, { offerTicket: true });
  const user = (await verifiedUser(call)) ?? (await identify(call, lookupCaller(call)));
  await openTicketFlow(call, user);
}

/** The user a previous step identified, if its signature holds for this call. */
async function verifiedUser(call: Call): Promise<PublicUser | null> {
  const code = await call.channel.getVariable("URA_USER");
  if (!code) return null;
  const signature = (await call.channel.getVariable("URA_AUTH")) ?? "";
  if (!userCode.safeParse(code).success || !verifyUser(call.deps.stateKey, call.callId, code, signature)) {
    call.log.warn("URA_USER without a valid URA_AUTH for this call ignored");
    return null;
  }
  call.user = { code, name: "", department: null, phoneMasked: null };
  return call.user;
}

async function requireUser(call: Call): Promise<PublicUser> {
  const user = await verifiedUser(call);
  if (user) return user;
  call.step = "needs-identify";
  await call.setVariables({ URA_ERROR: "needs-identify" });
  throw new EndCall("error", "needs-identify", [], { handBack: true });
}

/** `service=2.3` or `service=23` (keys from the top menu) or `serviceId=17`; none = the whole catalogue. */
async function servicePath(call: Call): Promise<string[]> {
  const { service, serviceId } = call.channel.request.params;
  if (service !== undefined && service !== "") {
    // Keys are single digits, so "2.3" and "23" (what a dialplan extension can carry) are the same path.
    if (/^[0-9](\.?[0-9])*$/.test(service)) return service.replace(/\./g, "").split("");
    return badParameter(call, `service="${service}" is not a key path like 2.3`);
  }
  if (serviceId !== undefined && serviceId !== "") {
    const id = Number(serviceId);
    if (!Number.isInteger(id) || id <= 0) return badParameter(call, `serviceId="${serviceId}" is not an id`);
    const services = await call.catalogue();
    return findById(services, id) ?? badParameter(call, `serviceId=${id} is not in the catalogue`);
  }
  return [];
}

async function badParameter(call: Call, message: string): Promise<never> {
  call.log.error({ script: call.channel.request.script }, `bad step-script parameter: ${message}`);
  call.step = "bad-parameter";
  await call.setVariables({ URA_ERROR: "bad-parameter" });
  throw new EndCall("error", "bad-parameter", ["system-unavailable"]);
}
