import type { DeadlineScope } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { REPEAT_KEY, type Call } from "./call.js";
import { BackToMenu, EndCall } from "./outcome.js";
import { DependencyUnavailableError, LimitReachedError, type OpenTicketResult, type PublicUser, type ServiceNode } from "./ports.js";
import { describeProblem } from "./describe.js";
import { survey } from "./survey.js";
import { technician } from "./technician.js";
import { digitPrompts, protocolPrompts } from "./numbers.js";
import { requestCallback } from "./callback.js";

/** How many times the caller may ask to hear the protocol again. */
const MAX_PROTOCOL_REPEATS = 3;

/**
 * The catalogue menus, then the ticket. The call reads every menu from one catalogue version
 * (Call.catalogue: fetched once per call), so an admin's change is heard from the next call
 * without a restart. `start` is a key path (["2"] opens
 * the "Computador" sub-menu directly; a leaf opens the ticket at once), used by `ura/ticket`.
 */
export async function openTicketFlow(call: Call, user: PublicUser, start: string[] = []): Promise<void> {
  const path = [...start];
  /** Going back passes over the one-option menus that were opened without asking. */
  let goingBack = false;
  for (;;) {
    call.step = path.length ? `service-menu-${path.join(".")}` : "service-menu";
    const services = await call.catalogue();
    const node = resolvePath(services, path);
    if (node === undefined) {
      // The step script's path (`start`) is not in the catalogue (an admin removed it): start again from the top.
      call.log.info({ path: path.join(".") }, "catalogue path no longer exists");
      if (path.length === 0) throw new EndCall("error", "service-menu", ["no-services"], { offerTechnician: true });
      path.length = 0;
      continue;
    }
    if (node && node.children.length === 0) return createTicket(call, user, node);
    const options = node ? node.children : services;
    if (options.length === 0) throw new EndCall("error", "service-menu", ["no-services"], { offerTechnician: true });
    // A sub-menu with one option opens it without asking (a question with one answer is no question).
    const only = path.length > 0 && options.length === 1 ? options[0]! : null;
    if (only && goingBack) {
      path.pop();
      continue;
    }
    goingBack = false;
    if (only) {
      if (only.children.length === 0) return createTicket(call, user, only);
      path.push(only.key);
      continue;
    }

    const [head, spoken] = await Promise.all([menuHead(call, node), optionPrompts(call, options)]);
    const choice = await call.menu({
      parts: [...head, ...spoken],
      keys: options.map((o) => o.key).join(""),
      back: true,
      technician: true,
      // 7 repeats the menu unless an option of the menu is 7.
      repeat: !options.some((o) => o.key === REPEAT_KEY),
    });
    if (choice.kind === "none") throw new EndCall("abandoned", call.step, ["no-input-end"]);
    if (choice.kind === "back") {
      if (path.length === 0) throw new BackToMenu();
      path.pop();
      goingBack = true;
      continue;
    }
    if (choice.kind === "technician") {
      // The technician's card says what the caller was looking at.
      call.serviceId = node?.id ?? null;
      await technician(call, { offerTicket: true });
      continue;
    }
    // A leaf opens the ticket with the catalogue just heard.
    const picked = options.find((o) => o.key === choice.key);
    if (picked && picked.children.length === 0) return createTicket(call, user, picked);
    path.push(choice.key);
  }
}

/** undefined: the path does not exist; null: the top of the catalogue. */
export function resolvePath(services: ServiceNode[], path: string[]): ServiceNode | null | undefined {
  let node: ServiceNode | null = null;
  for (const key of path) {
    const next: ServiceNode | undefined = (node ? node.children : services).find((s) => s.key === key);
    if (!next) return undefined;
    node = next;
  }
  return node;
}

/** Finds a node by id anywhere in the catalogue, with its key path. */
export function findById(services: ServiceNode[], id: number, path: string[] = []): string[] | null {
  for (const s of services) {
    if (s.id === id) return [...path, s.key];
    const inner = findById(s.children, id, [...path, s.key]);
    if (inner) return inner;
  }
  return null;
}

/**
 * What begins a catalogue menu: the question at the top ("Qual serviço?"), and in a sub-menu the
 * label of the service just chosen ("Computador."), synthesised, which says where the caller is
 * in fewer words than a question; "Qual opção?" when TTS fails.
 */
async function menuHead(call: Call, node: ServiceNode | null): Promise<string[]> {
  if (!node) return call.p("service-menu");
  const label = await call.speak(node.label);
  return label ? [label] : call.p("sub-menu");
}

/**
 * One file per option: the catalogue's own sentence, synthesised (the TTS cache makes repeats
 * instant). When TTS fails, a recorded "opção" + the key, so the menu still works.
 */
export async function optionPrompts(call: Call, options: Pick<ServiceNode, "key" | "prompt">[]): Promise<string[]> {
  const spoken = await Promise.all(options.map((o) => call.speak(o.prompt)));
  const files: string[] = [];
  options.forEach((o, i) => {
    const file = spoken[i];
    if (file) files.push(file);
    else files.push(...call.p("option", ...digitPrompts(o.key)));
  });
  return files;
}

/**
 * Opens the ticket, not aborted by a hang-up: a ticket being created is finished and recorded,
 * never half-made. When the API does not answer within the budget the ticket may be committed all
 * the same (a stalled API or database, issue 14 item 5), so instead of telling the caller the
 * system failed the IVR asks again with the same call id, which the API answers with that call's
 * ticket if the first request made one, while the caller hears "um momento". A caller who hangs up
 * meanwhile still gets the ticket into the call record.
 */
async function openTicket(call: Call, open: (request: DeadlineScope) => Promise<OpenTicketResult>): Promise<OpenTicketResult> {
  try {
    return await call.within("open ticket", open, { keepOnHangup: true });
  } catch (err) {
    if (!(err instanceof DependencyUnavailableError) || err instanceof LimitReachedError) throw err;
    call.log.warn({ err: describeError(err) }, "no answer to the ticket opening in time: asking again for this call's ticket");
    const again = call.background(call.within("open ticket again", open, { keepOnHangup: true, fullBudget: true }));
    const interrupted = await call.play(call.p("ticket-wait")).then(
      () => null,
      (playErr: unknown) => playErr,
    );
    const result = await again.catch((againErr: unknown) => {
      throw interrupted ?? againErr;
    });
    if (interrupted) {
      call.ticket = result.ticket.protocol;
      call.result = "ticket";
      throw interrupted;
    }
    return result;
  }
}

async function createTicket(call: Call, user: PublicUser, service: ServiceNode): Promise<void> {
  const description = await describeProblem(call);
  call.step = "open-ticket";
  const { ticket, created } = await openTicket(call, (request) =>
    call.deps.api.openTicket(
      { userCode: user.code, serviceId: service.id, callId: call.callId, call: { callerNumber: call.channel.request.callerId, identifiedBy: call.identifiedBy } },
      request,
    ),
  ).catch(async (err: unknown) => {
    await description?.discard();
    throw err;
  });
  call.ticket = ticket.protocol;
  call.result = "ticket";
  call.log.info({ protocol: ticket.protocol, serviceId: service.id, created }, "ticket opened");
  // The ticket exists: what rides on it goes on while the protocol is spoken, not before. The
  // description is sent in the background (to the end, whatever the caller does: describe.ts); the
  // callback's answer is needed only after the protocol, when "um técnico vai retornar…" is said.
  if (description) {
    // Started here whether or not anything tracks it (`track?.(…)` would not even start it without one).
    const upload = call.background(description.attachTo(ticket.protocol));
    call.deps.track?.(upload);
  }
  const callback = call.background(requestCallback(call, ticket.protocol));
  call.step = "protocol";
  await call.setVariables({ URA_RESULT: "ticket", URA_TICKET: ticket.protocol });

  let choice = await call.menu({
    intro: call.p("ticket-opened", ...protocolPrompts(ticket.protocol)),
    introLater: callback.then((ids) => call.p(...ids)),
    parts: call.p("protocol-repeat"),
    keys: "12",
    retries: 0,
  });
  for (let repeats = 0; repeats < MAX_PROTOCOL_REPEATS && choice.kind === "key" && choice.key === "1"; repeats++) {
    choice = await call.menu({ parts: call.p("protocol-is", ...protocolPrompts(ticket.protocol), "protocol-repeat"), keys: "12", retries: 0 });
  }
  await survey(call, "ticket", call.ticket);
  throw new EndCall("ticket", "protocol");
}
