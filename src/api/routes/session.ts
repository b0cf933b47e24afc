import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { csrfTokenFor, type Account } from "../../domain/index.js";
import * as C from "../console-contract.js";
import { errorBody } from "../contract.js";
import type { ApiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { assertSameOrigin, readCookie, SESSION_COOKIE, sessionCookie } from "../sessions.js";
import { noContent } from "./shared.js";

const tags = ["console: session"];

const accountOf = (a: Pick<Account, "username" | "name" | "role" | "extension">) => ({ username: a.username, name: a.name, role: a.role, extension: a.extension });

/**
 * `/session`: signing in to the console (the cookie), who is signed in (with the CSRF token the
 * page sends back), and signing out. Refused sign-ins are counted per user name and address;
 * past CONSOLE_SIGNIN_MAX_FAILURES the answer is 429 with Retry-After, right password or not.
 */
export const sessionRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;

  app.post(
    "/session",
    {
      config: { csrfExempt: true },
      schema: {
        summary: "Sign in to the console: sets the httpOnly session cookie",
        tags,
        body: C.signInBody,
        response: { 200: C.sessionView, 401: errorBody, 403: errorBody, 429: errorBody },
      },
    },
    async (request, reply) => {
      assertSameOrigin(request);
      const now = ctx.clock();
      const result = await store.accounts.signIn(request.body.username, request.body.password, request.ip ?? null, now);
      if (!result.ok) {
        request.log.warn({ username: request.body.username.slice(0, 64), address: request.ip }, "console sign-in refused");
        throw new ApiError(401, "refused", "wrong user name or password");
      }
      // A cookie from an earlier session on this browser is closed, not left alive beside the new one.
      const previous = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (previous) await store.sessions.close(previous);
      const { token, expiresAt } = await store.sessions.open(result.account.id, { address: request.ip ?? null, userAgent: request.headers["user-agent"] ?? null }, now);
      request.log.info({ account: result.account.username }, "console sign-in");
      reply.header("set-cookie", sessionCookie(request, token, (expiresAt.getTime() - now.getTime()) / 1000));
      reply.header("cache-control", "no-store");
      return { account: accountOf(result.account), csrfToken: csrfTokenFor(token), expiresAt: expiresAt.toISOString() };
    },
  );

  app.get(
    "/session",
    { schema: { summary: "Who is signed in, and the CSRF token for this session", tags, response: { 200: C.sessionView, 401: errorBody } } },
    async (request, reply) => {
      // The cookie's session was looked up (and its idle time renewed) before any route ran: no second look-up.
      if (!request.account || !request.sessionToken || !request.sessionExpiresAt) throw new ApiError(401, "not_signed_in", "sign in to the console first");
      reply.header("cache-control", "no-store");
      return { account: accountOf(request.account), csrfToken: csrfTokenFor(request.sessionToken), expiresAt: request.sessionExpiresAt };
    },
  );

  app.delete(
    "/session",
    { schema: { summary: "Sign out: the session ends on every node", tags, response: { 204: noContent, 403: errorBody } } },
    async (request, reply) => {
      if (request.sessionToken) await store.sessions.close(request.sessionToken);
      if (request.account) request.log.info({ account: request.account.username }, "console sign-out");
      reply.header("set-cookie", sessionCookie(request, null, 0));
      return reply.code(204).send();
    },
  );
};
