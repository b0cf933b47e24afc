/**
 * The one place the GLPI client and the notifiers touch the network. It is kept to one small
 * function so it can be switched to the project's shared HTTP client without touching its users.
 */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers: Record<string, string>;
  /** A text body, or a multipart form (fetch then sets the Content-Type with its boundary). */
  body?: string | FormData;
  timeoutMs: number;
  signal?: AbortSignal;
  /** For messages: "POST /Ticket". */
  what: string;
}

export interface HttpReply {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when it was empty or not JSON. */
  body: unknown;
  /** The raw text (for messages when the body is not JSON). */
  text: string;
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpReply>;

/**
 * No answer. `outcome` says whether the far end may have acted on the request anyway: `not_sent`
 * only when it provably never got it (connection refused, DNS), so a write after `unknown` may
 * have happened.
 */
export class OutboundHttpError extends Error {
  constructor(
    readonly reason: "unreachable" | "timeout" | "dropped" | "cancelled",
    readonly outcome: "not_sent" | "unknown",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OutboundHttpError";
  }
}

/** Error codes that mean the request never reached a listening server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT", "ERR_INVALID_URL"]);

/** fetch with a time limit and the caller's signal; every network failure is an OutboundHttpError. */
export const fetchTransport: HttpTransport = async (request) => {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal });
    text = await response.text();
  } catch (err) {
    const code = networkCode(err);
    if (timeout.aborted) throw new OutboundHttpError("timeout", "unknown", `${request.what}: no answer within ${request.timeoutMs} ms`, { cause: err });
    if (request.signal?.aborted) throw new OutboundHttpError("cancelled", "unknown", `${request.what}: abandoned by the caller`, { cause: err });
    if (code !== undefined && NOT_SENT.has(code)) throw new OutboundHttpError("unreachable", "not_sent", `${request.what}: unreachable (${code})`, { cause: err });
    throw new OutboundHttpError("dropped", "unknown", `${request.what}: the connection failed (${code ?? (err as Error).message})`, { cause: err });
  }
  let body: unknown;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined; // an HTML page from PHP or a proxy: the status and the text say enough
    }
  }
  return { status: response.status, headers: response.headers, body, text };
};

function networkCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string; cause?: { code?: string } } };
  return e.cause?.code ?? e.cause?.cause?.code ?? e.code;
}
