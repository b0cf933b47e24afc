import { DeadlineExceededError, withDeadline, type DeadlineScope } from "./deadline.js";
import { describeError } from "./errors.js";
import { dependencyFailed, type Dependency } from "./metrics.js";

export interface JsonRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers?: Record<string, string>;
  /** Sent as JSON when present. */
  body?: unknown;
  /** A multipart form instead (a file upload); fetch sets its Content-Type with the boundary. */
  form?: FormData;
  /** Bytes sent as they are, with their media type (a recording); the answer is still JSON. */
  raw?: { contentType: string; data: Uint8Array };
  /** Longest wait for the whole answer, body included. */
  timeoutMs: number;
  /** The caller's own reason to stop (the call ended, the request was cancelled). */
  signal?: AbortSignal;
  /** Injectable for tests; default the global fetch. */
  fetch?: typeof fetch;
  /** Which dependency this is, for /metrics (latency, and errors: no answer, or a 5xx). */
  dependency?: Dependency;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The parsed body; undefined when it was empty or not JSON. */
  body: unknown;
  /** A body was there but was not JSON (an HTML error page from a proxy, a text/plain answer). */
  notJson: boolean;
  /** The body as received. */
  text: string;
}

/**
 * The request got no answer: the network failed, the time ran out, or the caller's signal
 * aborted. Any HTTP status is an answer, not this error. Callers map it to their own error
 * (DependencyUnavailableError for the IVR, SenderUnavailableError for the senders).
 */
export class HttpRequestError extends Error {
  constructor(
    readonly reason: "timeout" | "aborted" | "unreachable",
    message: string,
    /** The network error's code (ECONNREFUSED, ENOTFOUND…), when there is one. */
    readonly code: string | undefined,
    options: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HttpRequestError";
  }
}

/**
 * One HTTP request with a JSON body and a JSON answer, under a time limit and the caller's signal.
 * Resolves with the status, the headers and the parsed body; rejects with HttpRequestError only.
 */
export async function requestJson(url: string, request: JsonRequest): Promise<JsonResponse> {
  const doFetch = request.fetch ?? fetch;
  const send = async ({ signal }: DeadlineScope) => {
    const json = request.form === undefined && request.raw === undefined && request.body !== undefined;
    const response = await doFetch(url, {
      method: request.method ?? (request.body === undefined && request.form === undefined && request.raw === undefined ? "GET" : "POST"),
      signal,
      headers: {
        accept: "application/json",
        ...(json ? { "content-type": "application/json" } : {}),
        ...(request.raw ? { "content-type": request.raw.contentType } : {}),
        ...request.headers,
      },
      body: request.form ?? (request.raw ? request.raw.data : json ? JSON.stringify(request.body) : undefined),
    });
    return { response, text: await response.text() };
  };
  let answer: { response: Response; text: string };
  try {
    answer = await withDeadline(request.timeoutMs, send, { signal: request.signal, dependency: request.dependency });
  } catch (err) {
    if (err instanceof DeadlineExceededError) {
      throw new HttpRequestError("timeout", `no answer within ${request.timeoutMs} ms`, undefined, { cause: err });
    }
    if (request.signal?.aborted) throw new HttpRequestError("aborted", "request cancelled", undefined, { cause: err });
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    const known = typeof code === "string" ? code : undefined;
    throw new HttpRequestError("unreachable", known ? `unreachable (${known})` : `unreachable: ${describeError(err)}`, known, { cause: err });
  }
  const { response, text } = answer;
  if (request.dependency && response.status >= 500) dependencyFailed(request.dependency, "server_error");
  let body: unknown;
  let notJson = false;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      notJson = true;
    }
  }
  return { status: response.status, headers: response.headers, body, notJson, text };
}

/** Network errors that mean the request never reached a listening server (refused, no route, no DNS). */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * True when the far end certainly did not get the request, so a write is safe to send again; a
 * timeout or a connection cut after sending may have been acted on.
 */
export function neverReachedServer(err: HttpRequestError): boolean {
  return err.reason === "unreachable" && err.code !== undefined && NEVER_SENT.has(err.code);
}

/** A field of a parsed JSON body by path (`field(body, "error", "code")`), or undefined. */
export function jsonField(body: unknown, ...path: string[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
