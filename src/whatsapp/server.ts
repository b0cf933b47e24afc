import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { z } from "zod";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { HttpError, httpAccess, sendError as sendHttpError, trustProxyOption } from "../shared/http-access.js";
import { httpSchemas } from "../shared/http-schemas.js";
import { maskPhone } from "../shared/privacy.js";
import type { SessionStatus, WhatsappClient } from "./client.js";
import type { DeliveryQueue } from "./delivery-queue.js";
import { normalizeBrazilianPhone } from "../domain/index.js";
import { qrPng, qrTerminal } from "./qr.js";
import { withDeadline } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { realTimers, type Timers } from "../shared/timers.js";
import { metricsRoutes } from "../shared/metrics-route.js";
import { closeUnusedConnections } from "../shared/unused-connections.js";

export interface ServerOptions {
  client: WhatsappClient;
  queue: DeliveryQueue;
  /** The bearer token clients send to POST /api/send-message. */
  token: string;
  /** WHATSAPP_ALLOWED_CLIENTS: who may call anything but /health. */
  allowedClients: readonly string[];
  /**
   * WHATSAPP_TRUST_PROXY: reverse proxies whose X-Forwarded-For is believed (none, a hop count, or
   * their addresses); the allow-list then checks the address the last trusted proxy saw.
   */
  trustProxy?: false | number | readonly string[];
  logger: Logger;
  /**
   * Longest wait for the number lookup done while answering a send request (so a number with no
   * WhatsApp is refused at once, 422). Past it the message is queued and looked up later.
   */
  lookupBudgetMs?: number;
  /**
   * How long after a drop new messages are still queued. A session down for longer answers 503, so
   * the IVR tells the caller now instead of promising a code that would arrive too late.
   */
  acceptWhileDownMs?: number;
  /** The clock of the session's `since` and the lookup's time limit (tests step it). */
  timers?: Timers;
  /**
   * A file that records that this session has been linked once (service.ts keeps it beside the
   * WhatsApp login, in WHATSAPP_SESSION_DIR). It lets /health tell a first link (a QR to scan on a
   * fresh install: healthy) from a lost link (a QR after a logout, even across a restart:
   * degraded). Without it only what this process saw counts.
   */
  linkedMarkerFile?: string;
}

/** The body of POST /api/send-message. */
export const sendMessageBody = z.object({
  phone: z.string().min(1).max(40),
  message: z.string().min(1).max(4096),
  /** Idempotency key: the same id is queued and delivered once. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, "1 to 100 letters, digits, '.', '_', ':' or '-'")
    .optional(),
});

/** The 202 of POST /api/send-message: the message is queued (`duplicate` when that id already was). */
const sendMessageAnswer = z.object({ id: z.string(), status: z.literal("queued"), duplicate: z.literal(true).optional() });

type ErrorCode =
  | "invalid_number"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "no_qr"
  | "not_on_whatsapp"
  | "rate_limited"
  | "queue_full"
  | "whatsapp_unavailable";

function sendError(reply: FastifyReply, status: number, error: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
  const { field, ...details } = extra;
  return sendHttpError(reply, new HttpError(status, error, message, typeof field === "string" ? field : undefined, {}, details));
}

/**
 * The HTTP face of `ura whatsapp` (fastify):
 * - `GET /health` — the session state, open to anyone who can reach the port: 200 `ok`, or 503
 *   `degraded` when nothing will be delivered until a person acts (whyDegraded);
 * - `GET /api/auth/status` — linked / connected / state, and the queue;
 * - `GET /api/auth/qr` — the current QR as PNG (`?format=text` for a terminal), 404 when there is none;
 * - `POST /api/send-message {phone, message, id?}` — bearer token, 202 `{id}` once queued.
 * Everything but /health is limited to WHATSAPP_ALLOWED_CLIENTS. Errors are JSON `{error, message}`.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { client, queue } = options;
  if (options.token === "") throw new Error("the whatsapp service needs a token (WHATSAPP_TOKEN)");
  const lookupBudgetMs = options.lookupBudgetMs ?? 1500;
  const acceptWhileDownMs = options.acceptWhileDownMs ?? 120_000;
  const timers = options.timers ?? realTimers;

  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({ loggerInstance, bodyLimit: 16 * 1024, trustProxy: trustProxyOption(options.trustProxy ?? false) });
  // The API's sender aborts a slow send and fetch keeps a spare connection: a stop must not wait for it.
  closeUnusedConnections(app);

  // The token, the allow-list (all but /health), the JSON error bodies and the zod schemas: the same plugins as the ticket API's.
  await app.register(httpAccess, {
    allowedClients: options.allowedClients,
    allowedClientsSetting: "WHATSAPP_ALLOWED_CLIENTS",
    tokens: [{ name: "sender", scopes: ["send"], secret: options.token }],
    tokensSetting: "WHATSAPP_TOKEN",
    realm: "ura-whatsapp",
    invalidRequest: "invalid_request",
  });
  await app.register(httpSchemas, { invalidRequest: "invalid_request" });
  await app.register(metricsRoutes);

  // What /health needs beyond the current state: was the number ever linked, and is the session
  // restarting after a failure or a logout (a "starting" between two "failed" is not a recovery).
  const memory: HealthMemory = { everLinked: options.linkedMarkerFile !== undefined && existsSync(options.linkedMarkerFile) };
  const observe = (status: SessionStatus) => {
    if (status.linked && !memory.everLinked) {
      memory.everLinked = true;
      if (options.linkedMarkerFile) void recordLinked(options.linkedMarkerFile, options.logger);
    }
    if (status.state === "failed" || status.state === "logged_out") memory.lastFailure = `${status.state}${status.detail ? ` (${status.detail})` : ""}`;
    else if (status.state !== "starting") delete memory.lastFailure;
  };
  observe(client.status());
  const stopObserving = client.onStateChange(observe);
  app.addHook("onClose", async () => stopObserving());

  app.get("/health", { config: { anyClient: true } }, async (_request, reply) => {
    const status = client.status();
    const body = { whatsapp: status.state, linked: status.linked, connected: status.connected, queued: queue.size };
    const degraded = whyDegraded(status, memory);
    if (degraded === null) return { status: "ok", ...body };
    return reply.code(503).send({ status: "degraded", ...body, detail: degraded, since: new Date(status.since).toISOString() });
  });

  app.get("/api/auth/status", async () => {
    const status = client.status();
    return {
      linked: status.linked,
      connected: status.connected,
      state: status.state,
      detail: status.detail ?? null,
      since: new Date(status.since).toISOString(),
      qrAvailable: status.state === "qr" && status.qr !== undefined,
      queue: queue.stats(),
    };
  });

  app.get("/api/auth/qr", async (request: FastifyRequest<{ Querystring: { format?: string } }>, reply) => {
    const status = client.status();
    if (status.state !== "qr" || status.qr === undefined) {
      const why = status.linked
        ? "the number is already linked"
        : `no QR code yet: the session is ${status.state}${status.detail ? ` (${status.detail})` : ""}`;
      return sendError(reply, 404, "no_qr", why, { state: status.state });
    }
    reply.header("cache-control", "no-store");
    if (request.query.format === "text") {
      return reply.type("text/plain; charset=utf-8").send(await qrTerminal(status.qr));
    }
    return reply.type("image/png").send(await qrPng(status.qr));
  });

  const schema = { body: sendMessageBody, response: { 202: sendMessageAnswer } };
  app.withTypeProvider<ZodTypeProvider>().post("/api/send-message", { schema, config: { scopes: ["send"] } }, async (request, reply) => {
    const body = request.body;
    const phone = normalizeBrazilianPhone(body.phone);
    if (!phone.ok) return sendError(reply, 400, "invalid_number", `phone: ${phone.reason}`, { field: "phone" });
    if (phone.kind !== "mobile") {
      return sendError(reply, 400, "invalid_number", "phone: a landline; one-time codes go to mobile numbers", { field: "phone" });
    }
    const id = body.id ?? randomUUID();
    if (queue.has(id)) return reply.code(202).send({ id, status: "queued", duplicate: true });

    const status = client.status();
    const unavailable = whyUnavailable(status, timers.now(), acceptWhileDownMs);
    if (unavailable !== null) return sendError(reply, 503, "whatsapp_unavailable", unavailable, { state: status.state });
    const refused = queue.refusal(phone.e164);
    if (refused) return refuse(reply, refused);

    // While connected, look the number up now so a number without WhatsApp is refused to the caller
    // at once; a slow or failed lookup is left to the delivery loop.
    let waId: string | undefined;
    if (status.connected) {
      try {
        const found = await withDeadline(lookupBudgetMs, () => client.resolveNumber(phone.e164), { timers });
        if (found === null) {
          request.log.info({ to: maskPhone(phone.e164) }, "refused: number has no WhatsApp account");
          return sendError(reply, 422, "not_on_whatsapp", "phone: this number has no WhatsApp account", { field: "phone" });
        }
        waId = found;
      } catch (err) {
        request.log.warn({ to: maskPhone(phone.e164), err: describeError(err) }, "number lookup deferred to the delivery loop");
      }
    }
    const result = queue.enqueue({ id, phone: phone.e164, text: body.message, ...(waId ? { waId } : {}) });
    if (!result.ok) return refuse(reply, result);
    return reply.code(202).send({ id: result.id, status: "queued", ...(result.duplicate ? { duplicate: true } : {}) });
  });

  return app;
}

interface HealthMemory {
  /** The number has been linked once (this process saw it, or the marker file says so). */
  everLinked: boolean;
  /** Set on "failed" or "logged_out", kept through the "starting" that follows, cleared by any other state. */
  lastFailure?: string;
}

/**
 * Why /health answers 503 (the service cannot deliver and will not recover without a person), or
 * null for 200. Healthy: connected; disconnected (linked: the queue rides out a drop, the client
 * restarts a session stuck for 5 minutes, and a restart of the service would not bring the phone
 * back); starting (unless it is a retry after a failure); and "qr" while the number has never been
 * linked, a fresh install waiting for its first scan, which a health check must not restart in a
 * loop. Degraded: failed, logged out (and the "starting" of a restart after either), "qr" after
 * having been linked (someone must scan again), closed.
 */
export function whyDegraded(status: SessionStatus, memory: HealthMemory): string | null {
  const detail = status.detail ? ` (${status.detail})` : "";
  switch (status.state) {
    case "connected":
    case "disconnected":
      return null;
    case "starting":
      return memory.lastFailure === undefined ? null : `the WhatsApp session is restarting after being ${memory.lastFailure}`;
    case "qr":
      return memory.everLinked ? "the number was linked and no longer is: scan a new QR code (ura whatsapp qr)" : null;
    case "logged_out":
      return `WhatsApp logged the number out${detail}: scan a new QR code (ura whatsapp qr)`;
    case "failed":
      return `the WhatsApp session cannot start${detail}`;
    case "closed":
      return "the service is stopping";
  }
}

/** Best effort: without the marker, a restart after a logout only looks like a first link. */
async function recordLinked(file: string, logger: Logger): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `${new Date().toISOString()}\n`, { mode: 0o600 });
  } catch (err) {
    logger.warn({ err, file }, "could not record that the number is linked");
  }
}

/**
 * Why a new message cannot be accepted now, or null. Accepted: connected, or linked and down for a
 * short while (a network drop, a browser restart), when the queue rides it out.
 */
function whyUnavailable(status: SessionStatus, now: number, acceptWhileDownMs: number): string | null {
  const detail = status.detail ? ` (${status.detail})` : "";
  if (status.connected) return null;
  if (!status.linked) return `WhatsApp is not linked: the session is ${status.state}${detail}`;
  if (status.state === "failed" || status.state === "closed") return `the WhatsApp session is ${status.state}${detail}`;
  const downFor = now - status.since;
  if (downFor > acceptWhileDownMs) {
    return `WhatsApp has been ${status.state} for ${Math.round(downFor / 1000)} s${detail}; a code sent now would arrive too late`;
  }
  return null;
}

function refuse(reply: FastifyReply, refused: { reason: "queue_full" | "rate_limited"; message: string; retryAfterMs: number }) {
  reply.header("retry-after", String(Math.max(1, Math.ceil(refused.retryAfterMs / 1000))));
  return sendError(reply, 429, refused.reason, refused.message);
}
