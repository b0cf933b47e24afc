import type { FastifyInstance } from "fastify";

/**
 * A `fetch` that hands each request to fastify's `inject`. Under `ura start` the IVR reaches the
 * API in its own process through the very same routes (bearer token, allow-list, validation,
 * serialisation, rate limits), but without a socket, undici and web streams: the loopback HTTP hop
 * was about 30 % of a call's CPU (docs/performance.md, issue 16). `ura ivr` on its own still uses
 * HTTP. The caller's deadline still holds: `requestJson` wraps this in `withDeadline`.
 */
export function injectFetch(app: FastifyInstance): typeof fetch {
  const inProcess = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const reply = await app.inject({
      method: (init.method ?? "GET") as "GET",
      url: url.pathname + url.search,
      headers: plainHeaders(init.headers),
      ...(typeof init.body === "string" ? { payload: init.body } : init.body instanceof Uint8Array ? { payload: Buffer.from(init.body) } : {}),
    });
    const empty = reply.statusCode === 204 || reply.statusCode === 304 || reply.payload === "";
    return new InProcessResponse(reply.statusCode, empty ? "" : reply.payload, reply.headers) as unknown as Response;
  };
  return inProcess as typeof fetch;
}

/** requestJson's headers are a plain object already (the common case): no Headers round trip. */
function plainHeaders(headers: RequestInit["headers"]): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(new Headers(headers).entries());
  // A value given as a list (fetch allows it; our callers never do) is joined as fetch would.
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, typeof v === "string" ? v : v.join(", ")]));
}

/**
 * What a caller reads of a fetch Response (status, headers, the body as text or JSON), without
 * undici's Response and its web stream: building those was ~6 % of a call's CPU under `ura start`
 * (issue 16). The headers become a Headers object only when someone asks for them.
 */
class InProcessResponse {
  private headersCache: Headers | undefined;
  readonly bodyUsed = false;
  constructor(
    readonly status: number,
    private readonly payload: string,
    private readonly raw: Record<string, string | string[] | number | undefined>,
  ) {}
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get headers(): Headers {
    if (this.headersCache === undefined) {
      const headers = new Headers();
      for (const [name, value] of Object.entries(this.raw)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
      }
      this.headersCache = headers;
    }
    return this.headersCache;
  }
  text(): Promise<string> {
    return Promise.resolve(this.payload);
  }
  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.payload) as unknown);
  }
}
