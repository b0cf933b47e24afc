import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from "fastify";
import type { Logger } from "pino";
import { listenOn, type Settings } from "../config/index.js";
import { LivenessBoard, systemClock, type Clock, type CodeGenerator, type MessageSender, type Store } from "../domain/index.js";
import { httpAccess, trustProxyOption } from "../shared/http-access.js";
import { metricsRoutes } from "../shared/metrics-route.js";
import { maskPhone } from "../shared/privacy.js";
import { closeUnusedConnections } from "../shared/unused-connections.js";
import { REDACTED_PATHS } from "../shared/logger.js";
import { resolveApiTokens, type ApiTokenSpec } from "./auth.js";
import type { ApiContext, RecordingFiles } from "./context.js";
import { API_PREFIX } from "./contract.js";
import { toApiError } from "./errors.js";
import { IvrOperations } from "./ivr-operations.js";
import { openApi } from "./plugins/openapi.js";
import { zodSchemas } from "./plugins/schemas.js";
import { adminRoutes } from "./routes/admin/index.js";
import { callRoutes } from "./routes/calls.js";
import { catalogueRoutes } from "./routes/catalogue.js";
import { healthRoutes } from "./routes/health.js";
import { hoursRoutes } from "./routes/hours.js";
import { announcementRoutes, callbackRoutes, informationRoutes } from "./routes/announcements.js";
import { identifyRoutes } from "./routes/identify.js";
import { otpRoutes } from "./routes/otp.js";
import { spokenNamesRoutes } from "./routes/spoken-names.js";
import { statusRoutes } from "./routes/status.js";
import { sessionRoutes } from "./routes/session.js";
import { accountRoutes, consoleSessions } from "./sessions.js";
import { ticketRoutes } from "./routes/tickets.js";

export { parseApiTokens, resolveApiTokens, ivrTokenFor, ivrTokenAmong, createTokenChecker, TokenConfigError, SCOPES, type Scope, type ApiTokenSpec, type ApiClient } from "./auth.js";
export { ApiError, toApiError } from "./errors.js";
export { IvrOperations, type Caller } from "./ivr-operations.js";
export type { RecordingFiles } from "./context.js";
export {
  consolePlugin,
  consoleViewers,
  CONSOLE_DIST_DIR,
  CONSOLE_SOCKET_PATH,
  storeWallboardSource,
  wallboardEvents,
  type ConsoleOptions,
  type ConsoleAccount,
  type WallboardEvent,
  type WallboardViewer,
} from "./console/index.js";
export { requireAccount, SESSION_COOKIE, CSRF_HEADER, type SignedInAccount } from "./sessions.js";

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
  /** Seed 002's table of parts and their heartbeats; default a new one (stopped when the API closes). */
  liveness?: LivenessBoard;
  /** Default: none, and `POST /admin/purge` reports 0 files (a host that sees no recordings). */
  recordingFiles?: RecordingFiles;
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
  const ctx: ApiContext = { settings, store: deps.store, sender: deps.sender, clock: deps.clock ?? systemClock, ...(deps.random ? { random: deps.random } : {}), ...(deps.recordingFiles ? { recordingFiles: deps.recordingFiles } : {}) };

  const options: FastifyServerOptions = {
    loggerInstance: apiLogger(deps.logger),
    trustProxy: trustProxyOption(settings.API_TRUST_PROXY),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  };
  const app = Fastify(options) as unknown as FastifyInstance;
  closeUnusedConnections(app);
  const liveness = deps.liveness ?? new LivenessBoard();
  app.addHook("onClose", async () => liveness.stop());
  // The IVR-facing routes' bodies; `ura start`'s IVR calls the same object directly (ivrOperationsOf).
  const ops = new IvrOperations(ctx, app.log);
  operations.set(app, ops);
  app.addHook("onClose", () => ops.close());
  const ivrCtx = { ...ctx, ops };

  await app.register(httpAccess, {
    allowedClients: settings.API_ALLOWED_CLIENTS,
    allowedClientsSetting: "API_ALLOWED_CLIENTS",
    tokens: deps.tokens ?? resolveApiTokens(settings).tokens,
    tokensSetting: "API_TOKENS, or DATA_DIR/api-tokens.local when it is empty",
    realm: "ura",
    invalidRequest: "validation",
    toHttpError: (err) => toApiError(err, ctx.clock()),
    // The console's session cookie: an admin account's session carries the `admin` scope.
    sessionClient: consoleSessions(deps.store, ctx.clock),
  });
  // Before the OpenAPI plugin, so the document shows the routes as the schema conventions amend them.
  await app.register(zodSchemas);
  await app.register(accountRoutes);
  await openApi(app);

  await app.register(healthRoutes, ctx);
  // Under `ura start` the IVR's metrics are in this process's registry too: one scrape shows both.
  await app.register(metricsRoutes);
  await app.register(
    async (api) => {
      await api.register(identifyRoutes, ivrCtx);
      await api.register(otpRoutes, ivrCtx);
      await api.register(catalogueRoutes, ivrCtx);
      await api.register(ticketRoutes, ivrCtx);
      await api.register(hoursRoutes, ivrCtx);
      await api.register(announcementRoutes, ivrCtx);
      await api.register(informationRoutes, ivrCtx);
      await api.register(callbackRoutes, ivrCtx);
      await api.register(callRoutes, ivrCtx);
      await api.register(spokenNamesRoutes, ctx);
      await api.register(statusRoutes, { ...ctx, liveness });
      await api.register(adminRoutes, { ...ctx, prefix: "/admin" });
      await api.register(sessionRoutes, ctx);
    },
    { prefix: API_PREFIX },
  );

  for (const p of deps.plugins ?? []) {
    if (typeof p === "function") await app.register(p);
    else await app.register(p.plugin, p.options ?? {});
  }
  return app;
}

const operations = new WeakMap<FastifyInstance, IvrOperations>();

/** The operations behind an API's IVR-facing routes, for a client in the same process (`ura start`). */
export function ivrOperationsOf(app: FastifyInstance): IvrOperations {
  const ops = operations.get(app);
  if (!ops) throw new Error("not an API made by buildApi");
  return ops;
}

/** Builds the API and listens on API_HOST:API_PORT. */
export async function startApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = await buildApi(deps);
  const address = { host: deps.settings.API_HOST, port: deps.settings.API_PORT };
  await listenOn("API_PORT", address, () => app.listen(address).catch(async (err: unknown) => {
    await app.close();
    throw err;
  }));
  return app;
}
