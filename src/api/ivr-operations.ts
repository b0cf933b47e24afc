import type { FastifyBaseLogger } from "fastify";
import { attachVoiceDescription, parseInput, type Actor, type CatalogueNode, type TicketView } from "../domain/index.js";
import {
  identifyByCallerRequest,
  identifyByCodeRequest,
  otpRequest,
  otpVerifyRequest,
  ticketStatusQuery,
  protocol as protocolRule,
  SPEAKING_SHARE,
  type AnnouncementsView,
  type CallbackRequestBody,
  type CallerMatch,
  type HoursView,
  type InformationView,
  type OpenTicketRequest,
  type OtpVerifyResult,
  type PublicUser,
  type RecordCallRequest,
  type RecordTransferRequest,
  type ServiceNode,
  type SurveyRequest,
} from "./contract.js";
import { publicUser, type ApiContext } from "./context.js";
import { ApiError } from "./errors.js";
import { IdentifyLimits } from "./identify-limits.js";

/**
 * Who asks: the audit actor (the token's name, the client's address; null in process) and where
 * the operation's own log lines go (the request's logger over HTTP, the API's in process).
 */
export interface Caller {
  actor: Actor;
  log?: FastifyBaseLogger;
}

/**
 * What the IVR asks of the API, once: the body of each IVR-facing route (its rate limits, audit
 * actor, logging, idempotency and budget rules). The fastify routes call these with the request's
 * caller; under `ura start` the IVR calls them directly (src/api-client/direct.ts), without HTTP,
 * JSON or the routes' schemas. Refusals are thrown as domain errors (or ApiError), which
 * `toApiError` turns into the same status and body on both paths; "not found" on a read is null,
 * which the route answers as its 404.
 *
 * Request shapes the domain does not check itself (codes, numbers, protocols) are checked here with
 * the contract's schemas, so a malformed one is a 400 `validation` whichever way it came; the
 * writes' bodies are parsed by the domain itself.
 */
export class IvrOperations {
  private readonly limits: IdentifyLimits;

  constructor(
    private readonly ctx: ApiContext,
    private readonly log: FastifyBaseLogger,
  ) {
    // Both identification lookups answer with a person's name: limited per token and per address, audited in aggregate.
    this.limits = new IdentifyLimits(ctx, log);
  }

  /** The API's clock: refusals say when a limit ends against it (toApiError). */
  now(): Date {
    return this.ctx.clock();
  }

  /** Writes the identification tallies still open (the API is closing). */
  close(): Promise<void> {
    return this.limits.close();
  }

  /** null: no active user with that code (the route's 404 `unknown_user`). */
  async identifyByCode(body: { code: string }, caller: Caller): Promise<PublicUser | null> {
    const { code } = parseInput(identifyByCodeRequest, body);
    this.limits.admit(caller.actor);
    const user = await this.ctx.store.users.coreByCode(code);
    const found = Boolean(user?.active);
    this.limits.result(caller.actor, found);
    return found ? publicUser(user!) : null;
  }

  async identifyByCaller(body: { number: string; internal?: boolean }, caller: Caller): Promise<CallerMatch> {
    const { number, internal = false } = parseInput(identifyByCallerRequest, body);
    this.limits.admit(caller.actor);
    const r = await this.ctx.store.users.byCaller(number);
    this.limits.result(caller.actor, r.match !== "none");
    if (r.match !== "unique") return { match: r.match };
    const identification = await this.ctx.store.identification.modeFor({ number, internal }, r.user);
    return { match: "unique", user: publicUser(r.user), identification };
  }

  async requestOtp(raw: { userCode: string; callId?: string; callerNumber?: string }, caller: Caller): Promise<{ expiresAt: string; phoneMasked: string }> {
    const { ctx } = this;
    const body = parseInput(otpRequest, raw);
    const sent = await ctx.store.codes.send(
      ctx.sender,
      { userCode: body.userCode, callId: body.callId ?? null, callerNumber: body.callerNumber ?? null },
      caller.actor,
      ctx.clock(),
      { timeoutMs: ctx.settings.SENDER_TIMEOUT_MS, ...(ctx.random ? { generate: ctx.random } : {}) },
    );
    this.logOf(caller).info({ user: body.userCode, to: sent.phoneMasked, driver: ctx.sender.driver }, "one-time code sent");
    return { expiresAt: sent.expiresAt.toISOString(), phoneMasked: sent.phoneMasked };
  }

  async verifyOtp(raw: { userCode: string; code: string }, caller: Caller): Promise<OtpVerifyResult> {
    const body = parseInput(otpVerifyRequest, raw);
    const result = await this.ctx.store.codes.verify({ userCode: body.userCode, code: body.code }, caller.actor, this.ctx.clock());
    this.logOf(caller).info({ user: body.userCode, ok: result.ok, reason: result.ok ? undefined : result.reason }, "one-time code checked");
    return result;
  }

  /**
   * As callers hear it: a change reaches them once its sentences are synthesised (CatalogueRepository.forCallers).
   * Read once per CATALOGUE_KEPT_MS, not per call: a change here is heard by the next call.
   */
  async catalogue(): Promise<ServiceNode[]> {
    return (await this.ctx.store.catalogue.forCallers({ recent: true })).map(toServiceNode);
  }

  /**
   * Opens a ticket, idempotent on callId. `budgetMs`: how long the client waits for the answer
   * (X-Ura-Budget-Ms over HTTP), counted from now: a ticket the database cannot commit within it is
   * rolled back (DeadlinePassedError, 503 `deadline_passed`), since the caller was told it failed.
   * The client started counting before the request got here, and the commit still has to come
   * back: the last TRANSIT_SHARE of the budget is kept for both, so a ticket is not committed just
   * after the caller heard it failed, and before it the IVR's SPEAKING_SHARE, since the IVR stops
   * waiting that much before the budget's end.
   */
  async openTicket(body: OpenTicketRequest, caller: Caller, budgetMs?: number): Promise<{ ticket: TicketView; created: boolean }> {
    const options = budgetMs === undefined ? {} : { notAfter: Date.now() + budgetMs * (1 - TRANSIT_SHARE - SPEAKING_SHARE) };
    const result = await this.ctx.store.tickets.open(body, caller.actor, this.ctx.clock(), options);
    if (result.created) this.logOf(caller).info({ protocol: result.ticket.protocol, call: body.callId }, "ticket opened");
    return result;
  }

  /** null: no such ticket, or someone else's (the same 404, so protocols cannot be probed). */
  async ticketStatus(protocol: string, query: { userCode: string }): Promise<TicketView | null> {
    const number = parseInput(protocolRule, protocol);
    const { userCode } = parseInput(ticketStatusQuery, query);
    return this.ctx.store.tickets.forRequester(number, userCode);
  }

  async attachVoiceDescription(input: { protocol: string; callId: string; audio: Uint8Array }, caller: Caller) {
    const result = await attachVoiceDescription(this.ctx.store.tickets, input, caller.actor, this.ctx.clock());
    if (result.created) this.logOf(caller).info({ protocol: input.protocol, call: input.callId, size: result.attachment.size }, "voice description attached");
    return result;
  }

  hours(): Promise<HoursView> {
    return this.ctx.store.hours.at(this.ctx.clock());
  }

  recordCall(body: RecordCallRequest, caller: Caller): Promise<{ created: boolean }> {
    return this.ctx.store.calls.record(body, caller.actor, this.ctx.clock());
  }

  async recordTransfer(body: RecordTransferRequest, caller: Caller): Promise<{ callId: string; callerName: string | null }> {
    const transfer = await this.ctx.store.calls.recordTransfer(body, caller.actor, this.ctx.clock());
    this.logOf(caller).info({ call: transfer.callId, identified: transfer.user !== null }, "call transferred to the technicians");
    return { callId: transfer.callId, callerName: callerName(transfer.user) };
  }

  recordSurvey(body: SurveyRequest): Promise<{ created: boolean }> {
    return this.ctx.store.surveys.record(body, this.ctx.clock());
  }

  async announcements(): Promise<AnnouncementsView> {
    const { playing, scheduled } = await this.ctx.store.announcements.forCallers(this.ctx.clock(), { recent: true });
    return { playing: playing.map((a) => ({ id: a.id, text: a.text })), scheduled: scheduled.map((a) => ({ id: a.id, text: a.text, startsAt: a.startsAt })) };
  }

  async information(): Promise<InformationView> {
    const [schedule, guidance] = await Promise.all([this.ctx.store.hours.schedule(), this.ctx.store.guidance.forCallers()]);
    return { schedule, guidance: guidance.map((g) => ({ key: g.key, title: g.title, prompt: g.prompt, text: g.text })) };
  }

  async requestCallback(body: CallbackRequestBody, caller: Caller): Promise<{ created: boolean }> {
    if (!(await this.ctx.store.tickets.get(body.ticketProtocol))) throw new ApiError(404, "not_found", `no ticket ${body.ticketProtocol}`, "ticketProtocol");
    return this.ctx.store.callbacks.request(body, caller.actor, this.ctx.clock());
  }

  private logOf(caller: Caller): FastifyBaseLogger {
    return caller.log ?? this.log;
  }
}

/** The part of a client's budget the API does not spend: the request's way here and the commit's way back (openTicket). */
const TRANSIT_SHARE = 0.2;

const toServiceNode = (n: CatalogueNode): ServiceNode => ({
  id: n.id,
  key: n.key,
  label: n.label,
  prompt: n.prompt,
  children: n.children.map(toServiceNode),
});

/**
 * What the desk phones show (CALLERID(name)): "Ana Souza · 1234", the name and the user code. Kept
 * short and free of characters a SIP header or the dialplan would choke on.
 */
export function callerName(user: { name: string; code: string } | null): string | null {
  if (!user) return null;
  const name = user.name.replace(/["\\\r\n]/g, " ").replace(/\s+/g, " ").trim().slice(0, 40);
  return `${name} · ${user.code}`;
}
