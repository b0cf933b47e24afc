import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import { systemClock, type Clock, type CodeGenerator, type MessageSender, type Store } from "../domain/index.js";
import { IpAllowList } from "../shared/ip-allow-list.js";
import { maskPhone } from "../shared/privacy.js";
import { REDACTED_PATHS } from "../shared/logger.js";
import { withDeadline } from "../shared/deadline.js";
import { createTokenChecker, resolveApiTokens, type ApiTokenSpec } from "./auth.js";
import type { ApiContext } from "./context.js";
import { API_PREFIX } from "./contract.js";
import { ApiError, errorHandler, sendError } from "./errors.js";
import { adminRoutes } from "./routes/admin.js";
import { callRoutes } from "./routes/calls.js";
import { catalogueRoutes } from "./routes/catalogue.js";
import { hoursRoutes } from "./routes/hours.js";
import { identifyRoutes } from "./routes/identify.js";
import { otpRoutes } from "./routes/otp.js";
import { ticketRoutes } from "./routes/tickets.js";

export { parseApiTokens, resolveApiTokens, ivrTokenFor, createTokenChecker, TokenConfigError, SCOPES, type Scope, type ApiTokenSpec, type ApiClient } from "./auth.js";
export { ApiError } from "./errors.js";
export { jsonSchema } from "./json-schema.js";

/** An extra fastify plugin mounted at the root (e.g. `/audio`). Its routes need no token unless they set `config.scopes`. */
export type ApiPlugin = FastifyPluginAsync | { plugin: FastifyPluginAsync<Record<string, unknown>>; options?: Record<string, unknown> };

export interface ApiDeps {
  settings: Settings;
  store: Store;
  /** Where one-time codes go (createSender(settings) from src/whatsapp in production). */
  sender: MessageSender;
  logger: Logger;
  clock?: Clock;
  /** One-time code generator (default: six digits from crypto.randomInt). */
  random?: CodeGenerator;
  /** Default: resolveApiTokens(settings) — API_TOKENS, or DATA_DIR/api-tokens.local. */
  tokens?: ApiTokenSpec[];
  plugins?: ApiPlugin[];
}

/**
 * Log lines of the API: no header is logged (Authorization), phone numbers in known fields are
 * masked, and codes/secrets are redacted by path on top of the process logger's own redaction.
 */
function apiLogger(logger: Logger): Logger {
  return logger.child(
    { component: "api" },
    {
      redact: {
        // A child's redact list replaces its parent's, so it starts from the process logger's and adds
        // the API's own: headers (Authorization) and the SQL text mysql2 attaches to its errors.
        paths: [...REDACTED_PATHS, "req.headers", "headers", "*.authorization", "*.text", "err.sql", "err.parameters"],
        censor: "[redacted]",
      },
      serializers: {
        req: (req: { method?: string; url?: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
          method: req.method,
          url: req.url,
          remoteAddress: req.ip ?? req.socket?.remoteAddress,
        }),
        phone: (v: string | null) => maskPhone(v),
        caller: (v: string | null) => maskPhone(v),
      },
    },
  );
}

/** Builds the ticket API (not listening): `app.inject()` in tests, `startApi()` to serve. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { settings } = deps;
  const tokens = deps.tokens ?? resolveApiTokens(settings).tokens;
  const checkToken = createTokenChecker(tokens);
  const allowList = new IpAllowList(settings.API_ALLOWED_CLIENTS);
  const ctx: ApiContext = { settings, store: deps.store, sender: deps.sender, clock: deps.clock ?? systemClock, ...(deps.random ? { random: deps.random } : {}) };

  const options: FastifyServerOptions = {
    loggerInstance: apiLogger(deps.logger),
    trustProxy: settings.API_TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  };
  const app = Fastify(options) as unknown as FastifyInstance;

  // zod does the validating (route.ts); fastify just passes values through and serialises JSON.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => sendError(reply, new ApiError(404, "not_found", `no route ${request.method} ${request.url.split("?")[0]}`)));

  // Every request: the client address first (403), then the token where the route needs one (401/403).
  app.addHook("onRequest", async (request, reply) => {
    if (!allowList.allows(request.ip)) {
      request.log.warn({ address: request.ip }, "client address not allowed");
      return sendError(reply, new ApiError(403, "forbidden", "this address may not use the API"));
    }
    const scopes = request.routeOptions.config?.scopes;
    if (!scopes || scopes.length === 0) return;
    const client = checkToken(request.headers.authorization);
    if (!client) {
      reply.header("www-authenticate", 'Bearer realm="ura"');
      return sendError(reply, new ApiError(401, "unauthorized", "missing or invalid bearer token"));
    }
    if (!scopes.some((s) => client.scopes.has(s))) {
      return sendError(reply, new ApiError(403, "forbidden", `token "${client.name}" lacks the scope this route needs (${scopes.join(" or ")})`));
    }
    request.apiClient = client;
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "ura-chamados ticket API",
        version: "1",
        description: "The help desk's system of record. Bearer tokens with scopes ivr, web, admin; see docs/api.md.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get("/ping", { schema: { summary: "Liveness: the process answers", tags: ["health"] } }, async () => ({ pong: true }));
  app.get("/health", { schema: { summary: "Readiness: 200 when the database answers, else 503", tags: ["health"] } }, async (_request, reply) => {
    try {
      await withDeadline(2000, () => deps.store.ping());
      return { status: "ok", database: deps.store.dialect };
    } catch {
      return reply.code(503).send({ status: "unavailable", database: deps.store.dialect, error: "database_unreachable" });
    }
  });

  await app.register(
    async (api) => {
      await identifyRoutes(api, ctx);
      await otpRoutes(api, ctx);
      await catalogueRoutes(api, ctx);
      await ticketRoutes(api, ctx);
      await hoursRoutes(api, ctx);
      await callRoutes(api, ctx);
      await adminRoutes(api, ctx);
    },
    { prefix: API_PREFIX },
  );

  for (const p of deps.plugins ?? []) {
    if (typeof p === "function") await app.register(p);
    else await app.register(p.plugin, p.options ?? {});
  }
  return app;
}

/** Builds the API and listens on API_HOST:API_PORT. */
export async function startApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = await buildApi(deps);
  await app.listen({ host: deps.settings.API_HOST, port: deps.settings.API_PORT });
  return app;
}
