import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { IpAllowList } from "./ip-allow-list.js";

/**
 * Who may use one of our HTTP services, and how every refusal reads. One fastify plugin, shared by
 * the ticket API and the WhatsApp service: the client-address allow-list (403), bearer tokens with
 * scopes that routes ask for in `config.scopes` (401/403), and the JSON error body
 * `{ error, message, field? }` of every 4xx/5xx, 404s and internal errors included.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** Scopes any one of which lets a token in; absent or empty: no token needed (the allow-list still applies). */
    scopes?: readonly string[];
    /** Skip the allow-list too (a liveness probe that monitoring anywhere may read). */
    anyClient?: boolean;
  }
  interface FastifyRequest {
    /** Whose token opened this request (set on routes that need one). */
    client?: HttpClient;
  }
}

/** A named bearer secret and what it may do. */
export interface BearerToken {
  name: string;
  scopes: readonly string[];
  secret: string;
}

export interface HttpClient {
  name: string;
  scopes: ReadonlySet<string>;
}

/** An answer other than success: its status, the JSON body's `error` code, message and field, and extra headers. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
    /** More members of the body (e.g. the WhatsApp session's `state`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** The JSON body of every error answer: `{ error, message, field?, …details }`. */
export function errorBody(e: HttpError): Record<string, unknown> {
  return { error: e.error, message: e.message, ...(e.field === undefined ? {} : { field: e.field }), ...e.details };
}

/** What a failure that says nothing to the client answers (the log has the rest). */
export function internalError(): HttpError {
  return new HttpError(500, "internal", "internal error");
}

/** The one writer of error answers: the status, the headers and `errorBody`. */
export function sendError(reply: FastifyReply, e: HttpError): FastifyReply {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply.code(e.status).type("application/json; charset=utf-8").send(errorBody(e));
}

/**
 * fastify's `trustProxy` for a trusted-proxies setting (API_TRUST_PROXY, WHATSAPP_TRUST_PROXY):
 * none, the proxies' addresses (proxy-addr walks X-Forwarded-For back from the socket's peer and
 * stops at the first address that is not one of them: that is the client), or a hop count (the
 * peer and the next `hops - 1` entries are proxies, whoever they are). fastify itself ignores a bare
 * number (it cannot check the peer), so the count is given as the function it means.
 */
export function trustProxyOption(trusted: false | number | readonly string[]): false | string[] | ((address: string, hop: number) => boolean) {
  if (trusted === false || trusted === 0) return false;
  if (typeof trusted === "number") return (_address, hop) => hop < trusted;
  return [...trusted];
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Finds the client a bearer secret belongs to. Compares SHA-256 digests (equal lengths) with
 * timingSafeEqual against every token, without stopping at a match, so timing says nothing.
 */
export function createTokenChecker(tokens: readonly BearerToken[]): (authorization: string | undefined) => HttpClient | null {
  const known = tokens.map((t) => ({ client: { name: t.name, scopes: new Set(t.scopes) } as HttpClient, digest: digest(t.secret) }));
  return (authorization) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return null;
    const given = digest(m[1]!);
    let found: HttpClient | null = null;
    for (const k of known) {
      if (timingSafeEqual(k.digest, given)) found = k.client;
    }
    return found;
  };
}

export interface HttpAccessOptions {
  /** Allowed client addresses and CIDR ranges (IpAllowList), and the setting they come from, named in the 403. */
  allowedClients: readonly string[];
  allowedClientsSetting: string;
  tokens: readonly BearerToken[];
  /** Where the tokens come from, named in the 401 (e.g. `API_TOKENS`). */
  tokensSetting: string;
  /** `WWW-Authenticate: Bearer realm="…"`. */
  realm: string;
  /** The `error` code of a malformed request (bad JSON, a field that breaks its schema). */
  invalidRequest: string;
  /** The service's own failures mapped to answers (a domain's NotFound → 404…); null: not one of its own. */
  toHttpError?: (err: unknown) => HttpError | null;
  /**
   * Who a request without a bearer token is, from something else it carries (the console's session
   * cookie). Asked on every such request, before the scope check; may throw an HttpError (a
   * refused CSRF check). Null: nobody.
   */
  sessionClient?: (request: FastifyRequest) => Promise<HttpClient | null>;
}

async function httpAccessPlugin(app: FastifyInstance, options: HttpAccessOptions): Promise<void> {
  const allowList = new IpAllowList(options.allowedClients);
  const checkToken = createTokenChecker(options.tokens);

  // Every request: the client address first (403), then the token where the route needs one (401/403).
  app.addHook("onRequest", async (request, reply) => {
    const config = request.routeOptions.config;
    if (!config?.anyClient && !allowList.allows(request.ip)) {
      request.log.warn({ address: request.ip }, "client address not allowed");
      return sendError(reply, new HttpError(403, "forbidden", `client address ${request.ip} is not in ${options.allowedClientsSetting}`));
    }
    // A bearer token wins over a cookie: a machine's request is never a browser's ambient credential.
    const bySession = request.headers.authorization === undefined && options.sessionClient ? await options.sessionClient(request) : null;
    // Set on every route, so a console route's audit rows name the account (actorOf).
    if (bySession) request.client = bySession;
    const scopes = config?.scopes;
    if (!scopes || scopes.length === 0) return;
    const client = bySession ?? checkToken(request.headers.authorization);
    if (!client) {
      return sendError(
        reply,
        new HttpError(401, "unauthorized", `missing or wrong bearer token (${options.tokensSetting})`, undefined, { "www-authenticate": `Bearer realm="${options.realm}"` }),
      );
    }
    if (!scopes.some((s) => client.scopes.has(s))) {
      const who = bySession ? `account "${client.name}"` : `token "${client.name}"`;
      return sendError(reply, new HttpError(403, "forbidden", `${who} lacks the scope this route needs (${scopes.join(" or ")})`));
    }
    request.client = client;
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, new HttpError(404, "not_found", `no route ${request.method} ${request.url.split("?")[0]}`)));

  app.setErrorHandler((err: unknown, request, reply) => {
    const known = options.toHttpError?.(err) ?? (err instanceof HttpError ? err : requestError(err, options.invalidRequest));
    if (known) {
      if (known.status >= 500) request.log.warn({ err: { name: (err as Error).name, message: known.message } }, "dependency unavailable");
      return sendError(reply, known);
    }
    logInternal(err, request);
    return sendError(reply, internalError());
  });
}

/** fastify's own refusals of a request (its body, size, type, schema), as answers naming the field. */
function requestError(err: unknown, invalidRequest: string): HttpError | null {
  const fe = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (typeof fe?.code !== "string") return null;
  if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return new HttpError(415, "unsupported_media_type", "send application/json");
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new HttpError(413, "too_large", "the request body is too large");
  if (fe.code === "FST_ERR_VALIDATION" && Array.isArray(fe.validation) && fe.validation.length > 0) {
    return validationError(fe.validation[0]!, fe.validationContext ?? "body", invalidRequest);
  }
  if (fe.code.startsWith("FST_") && fe.statusCode === 400) return new HttpError(400, invalidRequest, `body: ${fe.message}`, "body");
  return null;
}

/** One entry of fastify's `err.validation` (what the zod type provider, or ajv, reports). */
interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: { keys?: unknown; additionalProperty?: unknown };
}

/** 400 naming the first bad field (`userCode`, `intervals.0.opens`), or the part (`body`, `query`, `params`) when it is the whole. */
function validationError(issue: ValidationIssue, context: string, code: string): HttpError {
  const path = issue.instancePath.split("/").filter(Boolean);
  const unknownKey = issue.keyword === "unrecognized_keys" && Array.isArray(issue.params?.keys) ? issue.params.keys[0] : issue.params?.additionalProperty;
  if (unknownKey !== undefined) {
    const field = [...path, String(unknownKey)].join(".");
    return new HttpError(400, code, `${field}: unknown field`, field);
  }
  const field = path.length ? path.join(".") : context === "querystring" ? "query" : context;
  return new HttpError(400, code, `${field}: ${issue.message ?? "invalid"}`, field);
}

/** An unexpected failure: the log says what (a response that broke its schema names the paths), the client learns nothing. */
function logInternal(err: unknown, request: FastifyRequest): void {
  const fe = err as FastifyError & { cause?: { issues?: { path: PropertyKey[]; message: string }[] } };
  if (fe?.code === "FST_ERR_RESPONSE_SERIALIZATION" && Array.isArray(fe.cause?.issues)) {
    const issues = fe.cause.issues.slice(0, 5).map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
    request.log.error({ route: `${request.method} ${request.routeOptions.url}`, issues }, "response does not match its schema: answered 500");
    return;
  }
  request.log.error({ err }, "request failed");
}

/** Registered once at the root of a service (fastify-plugin: its hook and handlers are not encapsulated). */
export const httpAccess = fp(httpAccessPlugin, { name: "http-access", fastify: "5.x" });
