import { SenderUnavailableError } from "../domain/index.js";

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The parsed body, or undefined when it was empty or not JSON. */
  body: unknown;
}

/**
 * POSTs JSON with a time limit (and the caller's own signal). A network failure or the time limit
 * is SenderUnavailableError naming `what`; any HTTP status is returned for the driver to map.
 */
export async function postJson(
  url: string,
  payload: unknown,
  options: { headers: Record<string, string>; timeoutMs: number; signal?: AbortSignal; what: string },
): Promise<JsonResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...options.headers },
      body: JSON.stringify(payload),
      signal,
    });
    text = await response.text();
  } catch (err) {
    if (timeout.aborted) {
      throw new SenderUnavailableError(`${options.what} did not answer within ${options.timeoutMs} ms`, { cause: err });
    }
    if (options.signal?.aborted) throw new SenderUnavailableError(`${options.what}: request cancelled`, { cause: err });
    const code = (err as { cause?: { code?: string } }).cause?.code;
    throw new SenderUnavailableError(`${options.what} is unreachable${code ? ` (${code})` : ""}`, { cause: err });
  }
  let body: unknown;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined; // an HTML error page from a proxy: the status says enough
    }
  }
  return { status: response.status, headers: response.headers, body };
}

/** A string field of a JSON object, or undefined. */
export function field(body: unknown, ...path: string[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
