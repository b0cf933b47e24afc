import type { Logger } from "pino";
import { answers, type Reply } from "../api-client/index.js";
import { toApiError, type Caller, type IvrOperations } from "../api/index.js";
import type { TicketApi } from "../ivr/index.js";
import { errorBody, internalError } from "../shared/http-access.js";
import { dependencyFailed, observeDependency } from "../shared/metrics.js";

export interface DirectApiOptions {
  /** The name of the `ivr` token the IVR would send over HTTP: the audit actor and the identification limits' key. */
  client: string;
  /** IVR_API_BUDGET_MS: what the HTTP client announces as X-Ura-Budget-Ms, the ticket's commit deadline. */
  budgetMs: number;
  /** Where a failure of the API (what would be a 500) is logged with its stack. */
  logger: Logger;
}

/**
 * `ura start`'s TicketApi: the API's operations called in this process, without HTTP, JSON or
 * schemas (issue 16: that round trip, fastify's inject included, was about a third of a call's
 * CPU). The rules are the routes' own (IvrOperations: rate limits, audit actor, idempotency, the
 * ticket's budget); a refusal becomes the status and body the route would have answered
 * (toApiError) and is read by the HTTP client's `answers`, so the flow sees the same values and
 * errors on both paths. What only HTTP had is given up: the token and allow-list checks (the IVR is
 * this process) and the check of each answer against the contract (the types are the contract's).
 *
 * No deadline of its own: every request of the flow runs inside `Call.within`, which bounds it by
 * the same budget and turns its end into the same DependencyUnavailableError "timeout", and which
 * settles at a hang-up and does not start the request if the call has already ended. So the
 * request's signal is not read: an operation here cannot be stopped midway, and reading it would
 * make `withDeadline` create the AbortSignal it otherwise skips (issue 16).
 */
export function createDirectApiClient(ops: IvrOperations, options: DirectApiOptions): TicketApi {
  const caller: Caller = { actor: { client: options.client, address: null } };

  async function call<T>(what: string, work: () => Promise<T>, refused: (reply: Reply) => T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } catch (err) {
      return refused(replyOf(err, what));
    } finally {
      observeDependency("api", performance.now() - started);
    }
  }

  /** The status and body the route would have answered for this failure (http-access writes both). */
  function replyOf(err: unknown, what: string): Reply {
    const known = toApiError(err, ops.now());
    if (!known) options.logger.error({ err }, `${what}: the API failed`);
    const e = known ?? internalError();
    if (e.status >= 500) dependencyFailed("api", "server_error");
    return { status: e.status, body: errorBody(e) };
  }

  return {
    identifyByCode: (code) => call("identify by code", () => ops.identifyByCode({ code }, caller), answers.identifyByCode),
    identifyByCaller: (number) => call("identify by caller", () => ops.identifyByCaller(number, caller), answers.identifyByCaller),
    requestOtp: (input) => call("request one-time code", async () => ({ ok: true as const, ...(await ops.requestOtp(input, caller)) }), answers.requestOtp),
    verifyOtp: (input) => call("verify one-time code", () => ops.verifyOtp(input, caller), answers.verifyOtp),
    catalogue: () => call("catalogue", () => ops.catalogue(), answers.catalogue),
    openTicket: (input) => call("open ticket", () => ops.openTicket({ ...input, source: "phone" }, caller, options.budgetMs), answers.openTicket),
    ticketStatus: (protocol, userCode) => call("ticket status", () => ops.ticketStatus(protocol, { userCode }), answers.ticketStatus),
    attachVoiceDescription: (input) =>
      call(
        "attach voice description",
        async () => void (await ops.attachVoiceDescription(input, caller)),
        answers.attachVoiceDescription,
      ),
    hours: () => call("hours", () => ops.hours(), answers.hours),
    recordCall: (record) => call("record call", async () => void (await ops.recordCall(record, caller)), answers.recordCall),
    recordTransfer: (transfer) => call("record transfer", () => ops.recordTransfer(transfer, caller), answers.recordTransfer),
    recordSurvey: (answer) => call("record survey", async () => void (await ops.recordSurvey(answer)), answers.recordSurvey),
    announcements: () => call("announcements", () => ops.announcements(), answers.announcements),
    information: () => call("information", () => ops.information(), answers.information),
    requestCallback: (body) => call("request callback", async () => void (await ops.requestCallback(body, caller)), answers.requestCallback),
  };
}
