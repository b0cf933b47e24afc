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
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      ...(typeof init.body === "string" ? { payload: init.body } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
    }
    const empty = reply.statusCode === 204 || reply.statusCode === 304 || reply.payload === "";
    return new Response(empty ? null : reply.payload, { status: reply.statusCode, headers });
  };
  return inProcess as typeof fetch;
}
