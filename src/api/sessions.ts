import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, onRouteHookHandler, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { csrfMatches, roleAllows, type AccountRole, type Clock, type SessionAccount, type Store } from "../domain/index.js";
import type { HttpClient } from "../shared/http-access.js";
import { ApiError } from "./errors.js";

/**
 * The console's sessions on the API side: the httpOnly cookie, the CSRF check of every
 * state-changing request that rides on it, `request.account`, and `requireAccount(role)` for
 * the console's own routes. A session of an admin account carries the `admin` scope, so the admin
 * pages use the same `/api/v1/admin/…` routes as a machine with an admin token, and the audit log
 * names the account (`console:<username>`).
 */

/** The cookie's name. httpOnly (no script reads it), SameSite=Strict (no other site sends it), Path=/. */
export const SESSION_COOKIE = "ura_sessao";
/** The header that carries the CSRF token on POST/PUT/PATCH/DELETE (the token comes with GET/POST /api/v1/session). */
export const CSRF_HEADER = "x-csrf-token";

export type SignedInAccount = SessionAccount["account"];

declare module "fastify" {
  interface FastifyRequest {
    /** The console account whose session cookie came with this request (set before any route hook runs). */
    account?: SignedInAccount;
    /** That session's token (sign-out closes it). */
    sessionToken?: string;
    /** When that session ends at the latest (ISO 8601), as looked up with it. */
    sessionExpiresAt?: string;
  }
  interface FastifyContextConfig {
    /** This route may be posted to without the CSRF header even with a session cookie (sign-in only). */
    csrfExempt?: boolean;
    /**
     * A console route: it needs a signed-in account with this role (401/403 otherwise), as
     * `onRequest: requireAccount(role)` would, and is documented as using the session cookie.
     */
    account?: AccountRole;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const CONSOLE_CLIENT = "console:";
/** The client name (audit log, ticket history) of a console account's requests. */
export const consoleClientName = (username: string) => `${CONSOLE_CLIENT}${username}`;
/** The console account a client name stands for; null for tokens, the CLI, the system. */
export const consoleUsernameOf = (client: string) => (client.startsWith(CONSOLE_CLIENT) ? client.slice(CONSOLE_CLIENT.length) : null);

/** The value of one cookie in a Cookie header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === "" ? null : value;
  }
  return null;
}

/** The Set-Cookie header of a session (an empty value with Max-Age=0 clears it). */
export function sessionCookie(request: FastifyRequest, token: string | null, maxAgeSeconds: number): string {
  const attributes = ["Path=/", "HttpOnly", "SameSite=Strict", `Max-Age=${token === null ? 0 : Math.max(0, Math.floor(maxAgeSeconds))}`];
  // Secure when the desk reached us over HTTPS (directly, or through a trusted proxy).
  if (request.protocol === "https") attributes.push("Secure");
  return `${SESSION_COOKIE}=${token ?? ""}; ${attributes.join("; ")}`;
}

/** A state-changing request from a page served elsewhere is refused even before the CSRF token is looked at. */
export function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null;
  }
  if (host !== request.host) throw new ApiError(403, "csrf", `requests from ${origin} are not accepted: use the console served by this server`);
}

/** Whether a request could carry a session worth looking up: the API and the sockets, not the static files. */
const needsSession = (request: FastifyRequest) => !SAFE_METHODS.has(request.method) || /^\/(api|ws)\//.test(request.url);

/**
 * For the shared access plugin (`sessionClient`): who a request without a bearer token is, from
 * its session cookie. Refuses (403 `csrf`) a state-changing request whose session cookie comes
 * without the session's CSRF token, or from another origin.
 */
export function consoleSessions(store: Store, clock: Clock): (request: FastifyRequest) => Promise<HttpClient | null> {
  return async (request) => {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (token === null || !needsSession(request)) return null;
    const session = await store.sessions.resolve(token, clock());
    if (!session) return null;
    if (!SAFE_METHODS.has(request.method)) {
      assertSameOrigin(request);
      if (!request.routeOptions.config?.csrfExempt && !csrfMatches(token, headerValue(request.headers[CSRF_HEADER]))) {
        request.log.warn({ account: session.account.username, url: request.url }, "console request refused: CSRF token missing or wrong");
        throw new ApiError(403, "csrf", `missing or wrong ${CSRF_HEADER} header: reload the console page`);
      }
    }
    request.account = session.account;
    request.sessionToken = token;
    request.sessionExpiresAt = session.expiresAt;
    return { name: consoleClientName(session.account.username), scopes: new Set(session.account.role === "admin" ? ["admin"] : []) };
  };
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * A route hook for the console's own routes: 401 without a live session, 403 when the account's
 * role is not enough (an admin may do what a technician may).
 *
 *     app.get("/console/queue", { onRequest: requireAccount("technician") }, …)
 */
export function requireAccount(role: AccountRole = "technician"): onRequestHookHandler {
  return async function requireConsoleAccount(request: FastifyRequest, _reply: FastifyReply) {
    if (!request.account) throw new ApiError(401, "not_signed_in", "sign in to the console first");
    if (!roleAllows(request.account.role, role)) throw new ApiError(403, "forbidden", `this needs an ${role} account`);
  };
}

/**
 * Routes whose `config.account` names a role get requireAccount(role) as their first onRequest
 * hook, and the session cookie in their OpenAPI security; routes with scopes are documented as
 * open to an admin session too. Register before the routes and before @fastify/swagger.
 */
async function accountRoutesPlugin(app: FastifyInstance): Promise<void> {
  app.addHook("onRoute", guardAccountRoute);
}

const guardAccountRoute: onRouteHookHandler = (route: RouteOptions) => {
  const role = route.config?.account;
  if (role) {
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [requireAccount(role), ...existing];
    route.schema = { ...route.schema, security: [{ consoleSession: [] }] };
  } else if (route.config?.scopes?.includes("admin")) {
    route.schema = { ...route.schema, security: [...((route.schema?.security as Record<string, string[]>[] | undefined) ?? []), { consoleSession: [] }] };
  }
};

export const accountRoutes = fp(accountRoutesPlugin, { name: "console-account-routes", fastify: "5.x", dependencies: ["api-schemas"] });
