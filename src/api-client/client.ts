import type { z } from "zod";
import {
  API_PREFIX,
  BUDGET_HEADER,
  announcementsResponse,
  catalogueResponse,
  errorBody,
  hoursResponse,
  identifyByCallerResponse,
  identifyByCodeResponse,
  informationResponse,
  openTicketResponse,
  otpRequestResponse,
  otpVerifyResponse,
  recordTransferResponse,
  ticketStatusResponse,
  voiceDescriptionResponse,
  type AnnouncementsView,
  type CallerMatch,
  type HoursView,
  type InformationView,
  type OtpVerifyResult,
  type PublicUser,
  type ServiceNode,
  type TicketView,
} from "../api/contract.js";
import { DependencyUnavailableError, LimitReachedError, type OpenTicketResult, type OtpRequestResult, type RequestOptions, type TicketApi } from "../ivr/index.js";
import { HttpRequestError, requestJson, type JsonResponse } from "../shared/http-client.js";

export interface ApiClientOptions {
  /** API base URL without the /api/v1 prefix (API_URL). */
  baseUrl: string;
  /** Bearer token with scope `ivr` (API_TOKEN). */
  token: string;
  /** Longest wait for one request, answer body included (IVR_API_BUDGET_MS). */
  timeoutMs: number;
  /** Injectable for tests; default the global fetch. */
  fetch?: typeof fetch;
}

/**
 * The ticket API over HTTP, as the IVR's TicketApi port. Answers are parsed with the contract's
 * schemas. Expected refusals (unknown code, rate limit, sender down…) become values; the network
 * failing, the budget running out, a 5xx or an answer that breaks the contract reject with
 * DependencyUnavailableError, which the flow turns into a sentence for the caller.
 */
export function createApiClient(options: ApiClientOptions): TicketApi {
  const base = options.baseUrl.replace(/\/+$/, "") + API_PREFIX;

  async function request(method: "GET" | "POST" | "PUT", path: string, body: unknown, opts: RequestOptions & { raw?: { contentType: string; data: Uint8Array }; headers?: Record<string, string> } = {}): Promise<Reply> {
    const what = `${method} ${path.split("?")[0]}`;
    let response: JsonResponse;
    try {
      response = await requestJson(base + path, {
        method,
        body,
        raw: opts.raw,
        headers: { ...opts.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        timeoutMs: options.timeoutMs,
        signal: opts.signal,
        fetch: options.fetch,
        dependency: "api",
      });
    } catch (err) {
      throw err instanceof HttpRequestError ? unavailable(what, err, options.timeoutMs) : err;
    }
    if (response.notJson) {
      throw new DependencyUnavailableError("api", "bad_response", `${what}: answer is not JSON (HTTP ${response.status})`);
    }
    return { status: response.status, body: response.body ?? null };
  }

  return {
    identifyByCode: async (code, opts) => answers.identifyByCode(await request("POST", "/identify/code", { code }, opts)),
    identifyByCaller: async (caller, opts) => answers.identifyByCaller(await request("POST", "/identify/caller", caller, opts)),
    requestOtp: async (input, opts) => answers.requestOtp(await request("POST", "/otp/request", input, opts)),
    verifyOtp: async (input, opts) => answers.verifyOtp(await request("POST", "/otp/verify", input, opts)),
    catalogue: async (opts) => answers.catalogue(await request("GET", "/catalogue", undefined, opts)),
    // The API does not commit a ticket past our wait: by then we would have told the caller it failed.
    openTicket: async (input, opts) =>
      answers.openTicket(await request("POST", "/tickets", { ...input, source: "phone" }, { ...opts, headers: { [BUDGET_HEADER]: String(options.timeoutMs) } })),
    async ticketStatus(protocol, userCode, opts) {
      const path = `/tickets/${encodeURIComponent(protocol)}?userCode=${encodeURIComponent(userCode)}`;
      return answers.ticketStatus(await request("GET", path, undefined, opts));
    },
    async attachVoiceDescription(input, opts) {
      const path = `/tickets/${encodeURIComponent(input.protocol)}/voice-description?callId=${encodeURIComponent(input.callId)}`;
      answers.attachVoiceDescription(await request("PUT", path, undefined, { ...opts, raw: { contentType: "audio/wav", data: input.audio } }));
    },
    hours: async (opts) => answers.hours(await request("GET", "/hours", undefined, opts)),
    recordCall: async (call, opts) => answers.recordCall(await request("POST", "/calls", call, opts)),
    recordTransfer: async (transfer, opts) => answers.recordTransfer(await request("POST", "/transfers", transfer, opts)),
    recordSurvey: async (answer, opts) => answers.recordSurvey(await request("POST", "/surveys", answer, opts)),
    announcements: async (opts) => answers.announcements(await request("GET", "/announcements", undefined, opts)),
    information: async (opts) => answers.information(await request("GET", "/information", undefined, opts)),
    requestCallback: async (body, opts) => answers.requestCallback(await request("POST", "/callbacks", body, opts)),
  };
}

/** An answer of the API: its status and parsed JSON body. */
export interface Reply {
  status: number;
  body: unknown;
}

/** The answer for an expected status, parsed with its schema; anything else is a failure of the API. */
function expect<S extends z.ZodType>(reply: Reply, ok: number[], schema: S, what: string): z.infer<S> {
  if (!ok.includes(reply.status)) throw unexpected(reply, what);
  const parsed = schema.safeParse(reply.body);
  if (!parsed.success) throw new DependencyUnavailableError("api", "bad_response", `${what}: answer does not match the contract`);
  return parsed.data;
}

/**
 * What each answer of the API means to the IVR, by status: a value, an expected refusal (null,
 * `{ ok: false }`, LimitReachedError) or DependencyUnavailableError. The one reading of the
 * contract's statuses: the HTTP client applies it to every answer, the in-process client
 * (direct.ts) to the status and body a refusal would have had (toApiError).
 */
export const answers = {
  identifyByCode(reply: Reply): PublicUser | null {
    if (reply.status === 404) return null;
    if (reply.status === 429) throw limitReached(reply, "identify by code");
    return expect(reply, [200], identifyByCodeResponse, "identify by code").user;
  },
  identifyByCaller(reply: Reply): CallerMatch {
    if (reply.status === 429) throw limitReached(reply, "identify by caller");
    return expect(reply, [200], identifyByCallerResponse, "identify by caller");
  },
  requestOtp(reply: Reply): OtpRequestResult {
    const refusal = otpRefusal(reply);
    if (refusal === "rate_limited" || refusal === "locked") {
      const { until, scope } = errorBody.safeParse(reply.body).data ?? {};
      return { ok: false, reason: refusal, ...(until ? { until } : {}), ...(scope ? { scope } : {}) };
    }
    if (refusal) return { ok: false, reason: refusal };
    const sent = expect(reply, [200, 201, 202], otpRequestResponse, "request one-time code");
    return { ok: true, ...sent };
  },
  verifyOtp(reply: Reply): OtpVerifyResult {
    if (reply.status === 423) {
      const { until, scope } = errorBody.safeParse(reply.body).data ?? {};
      return { ok: false, reason: "locked", attemptsLeft: 0, ...(until ? { until } : {}), ...(scope ? { scope } : {}) };
    }
    return expect(reply, [200], otpVerifyResponse, "verify one-time code");
  },
  catalogue: (reply: Reply): ServiceNode[] => expect(reply, [200], catalogueResponse, "catalogue").services,
  openTicket: (reply: Reply): OpenTicketResult => expect(reply, [200, 201], openTicketResponse, "open ticket"),
  ticketStatus(reply: Reply): TicketView | null {
    if (reply.status === 404) return null;
    return expect(reply, [200], ticketStatusResponse, "ticket status").ticket;
  },
  attachVoiceDescription(reply: Reply): void {
    expect(reply, [200, 201], voiceDescriptionResponse, "attach voice description");
  },
  hours: (reply: Reply): HoursView => expect(reply, [200], hoursResponse, "hours"),
  recordCall(reply: Reply): void {
    if (![200, 201, 204].includes(reply.status)) throw unexpected(reply, "record call");
  },
  recordTransfer: (reply: Reply): { callerName: string | null } => expect(reply, [201], recordTransferResponse, "record transfer"),
  recordSurvey(reply: Reply): void {
    if (![200, 201].includes(reply.status)) throw unexpected(reply, "record survey");
  },
  announcements: (reply: Reply): AnnouncementsView => expect(reply, [200], announcementsResponse, "announcements"),
  information: (reply: Reply): InformationView => expect(reply, [200], informationResponse, "information"),
  requestCallback(reply: Reply): void {
    if (![200, 201].includes(reply.status)) throw unexpected(reply, "request callback");
  },
};

/** The API's documented refusals of POST /otp/request (by status, confirmed by the error code when present). */
function otpRefusal(reply: Reply): Exclude<OtpRequestResult, { ok: true }>["reason"] | null {
  const code = errorBody.safeParse(reply.body).data?.error;
  switch (reply.status) {
    case 429:
      return "rate_limited";
    case 423:
      return "locked";
    case 409:
      return code === undefined || code === "no_phone" ? "no_phone" : null;
    case 422:
      // The sender refused the registered number for good (not on WhatsApp, invalid).
      return "undeliverable";
    case 404:
      return "unknown_user";
    case 503:
    case 502:
    case 504:
      // The sender (not the API) is down; an API that is itself failing says something else.
      return code === undefined || code === "sender_unavailable" ? "sender_unavailable" : null;
    default:
      return null;
  }
}

/** A 429 on identification: when it ends (the body's `until`, else `retryAfterSeconds` or a minute from now). */
function limitReached(reply: Reply, what: string): LimitReachedError {
  const body = errorBody.safeParse(reply.body).data;
  const until = body?.until && !Number.isNaN(Date.parse(body.until)) ? new Date(body.until) : new Date(Date.now() + (body?.retryAfterSeconds ?? 60) * 1000);
  return new LimitReachedError(until, `${what}: too many requests until ${until.toISOString()}`);
}

function unexpected(reply: Reply, what: string): DependencyUnavailableError {
  const detail = errorBody.safeParse(reply.body).data;
  const reason = reply.status >= 500 ? "server_error" : "rejected";
  return new DependencyUnavailableError("api", reason, `${what}: HTTP ${reply.status}${detail ? ` ${detail.error}` : ""}`);
}

/** The request got no answer: the IVR's words for it. */
function unavailable(what: string, err: HttpRequestError, timeoutMs: number): DependencyUnavailableError {
  switch (err.reason) {
    case "timeout":
      return new DependencyUnavailableError("api", "timeout", `${what}: no answer within ${timeoutMs} ms`, { cause: err });
    case "aborted":
      return new DependencyUnavailableError("api", "unreachable", `${what}: abandoned (the call ended)`, { cause: err });
    case "unreachable":
      return new DependencyUnavailableError("api", "unreachable", `${what}: ${err.message}`, { cause: err });
  }
}
