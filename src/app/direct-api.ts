import type { Logger } from "pino";
import { answers, type Reply } from "../api-client/index.js";
import { toApiError, type Caller, type IvrOperations } from "../api/index.js";
import { DependencyUnavailableError, type RequestOptions, type TicketApi } from "../ivr/index.js";
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
 * the same budget and turns its end into the same DependencyUnavailableError "timeout".
 */
export function createDirectApiClient(ops: IvrOperations, options: DirectApiOptions): TicketApi {
  const caller: Caller = { actor: { client: options.client, address: null } };

  async function call<T>(what: string, opts: RequestOptions | undefined, work: () => Promise<T>, refused: (reply: Reply) => T): Promise<T> {
    if (opts?.signal?.aborted) throw new DependencyUnavailableError("api", "unreachable", `${what}: abandoned (the call ended)`);
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
    identifyByCode: (code, opts) => call("identify by code", opts, () => ops.identifyByCode({ code }, caller), answers.identifyByCode),
    identifyByCaller: (number, opts) => call("identify by caller", opts, () => ops.identifyByCaller(number, caller), answers.identifyByCaller),
    requestOtp: (input, opts) => call("request one-time code", opts, async () => ({ ok: true as const, ...(await ops.requestOtp(input, caller)) }), answers.requestOtp),
    verifyOtp: (input, opts) => call("verify one-time code", opts, () => ops.verifyOtp(input, caller), answers.verifyOtp),
    catalogue: (opts) => call("catalogue", opts, () => ops.catalogue(), answers.catalogue),
    openTicket: (input, opts) => call("open ticket", opts, () => ops.openTicket({ ...input, source: "phone" }, caller, options.budgetMs), answers.openTicket),
    ticketStatus: (protocol, userCode, opts) => call("ticket status", opts, () => ops.ticketStatus(protocol, { userCode }), answers.ticketStatus),
    attachVoiceDescription: (input, opts) =>
      call(
        "attach voice description",
        opts,
        async () => void (await ops.attachVoiceDescription(input, caller)),
        answers.attachVoiceDescription,
      ),
    hours: (opts) => call("hours", opts, () => ops.hours(), answers.hours),
    recordCall: (record, opts) => call("record call", opts, async () => void (await ops.recordCall(record, caller)), answers.recordCall),
    recordTransfer: (transfer, opts) => call("record transfer", opts, () => ops.recordTransfer(transfer, caller), answers.recordTransfer),
    recordSurvey: (answer, opts) => call("record survey", opts, async () => void (await ops.recordSurvey(answer)), answers.recordSurvey),
    announcements: (opts) => call("announcements", opts, () => ops.announcements(), answers.announcements),
    information: (opts) => call("information", opts, () => ops.information(), answers.information),
    requestCallback: (body, opts) => call("request callback", opts, async () => void (await ops.requestCallback(body, caller)), answers.requestCallback),
  };
}
