import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyReply } from "fastify";
import { fill, TEXT } from "./text.js";
import { mapSource, mergeSources } from "../../shared/event-bus.js";
import { technicianRoutes, type TechnicianOptions } from "./technicians/plugin.js";
import { ScreenPop } from "./technicians/screen-pop.js";
import { NO_CALLS, type CallsNow } from "./wallboard/messages.js";
import { wallboardRoutes, type WallboardOptions } from "./wallboard/plugin.js";
import type { WallboardEvent } from "./wallboard/ports.js";

export { WALLBOARD_PATH, WALLBOARD_SOUNDS, type WallboardOptions } from "./wallboard/plugin.js";
export type { WallboardAuthenticator, WallboardCalls, WallboardEvent, WallboardSnapshot, WallboardSource, WallboardViewer } from "./wallboard/ports.js";
export { WAITING_WITHOUT_AMI_MS, type WaitingCalls } from "./technicians/screen-pop.js";
export type * from "./wallboard/messages.js";
export { storeWallboardSource, wallboardEvents, wallboardTicket } from "./wallboard/store-source.js";
export { CONSOLE_SOCKET_PATH, type CallCard, type ConsoleMessage, type QueueResponse, type TicketPage, type WorkRequest } from "./technicians/messages.js";
export type { ConsoleAccount, TechnicianOptions } from "./technicians/plugin.js";
export { consoleViewers } from "./viewers.js";

/**
 * The built console (`npm run build:console` → dist/console). Found from this module, so it is
 * the same directory under tsx (src/api/console) and compiled (dist/api/console): both sit three
 * levels below the package root.
 */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL("../../../dist/console", import.meta.url));

/** A WebSocket message larger than this closes the socket (1009): seed 004's client messages are tiny. */
const MAX_MESSAGE_BYTES = 16 * 1024;

export interface ConsoleOptions {
  /** The built front-end; null serves no pages (the WebSocket alone, e.g. in protocol tests). */
  webRoot?: string | null;
  /**
   * Seed 004's wallboard protocol at /ws/dashboard_control/; null leaves it out. `callsInIvr`: the
   * IVR nodes' calls now (the API's liveness board); with `technicians`, the calls waiting for a
   * technician come from the screen-pop's cards. `calls` replaces both (tests).
   */
  wallboard?: (WallboardOptions & { callsInIvr?: () => number }) | null;
  /** The technicians' queue, tickets, work and live socket (/ws/console/); null leaves them out. */
  technicians?: TechnicianOptions | null;
}

/**
 * The technicians' console on the API's port: the built pages at `/` and the wallboard socket.
 * Register it once (it registers @fastify/websocket, which must exist once per server): later
 * console sockets (phase B) go inside it too.
 */
export function consolePlugin(options: ConsoleOptions = {}) {
  const webRoot = options.webRoot === undefined ? CONSOLE_DIST_DIR : options.webRoot;
  return async function consoleRoutes(app: FastifyInstance): Promise<void> {
    await app.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });
    if (webRoot !== null) await servePages(app, webRoot);
    // The incoming-call cards: the technicians' desks show them, the wallboard counts the waiting ones.
    const screenPop = options.technicians ? new ScreenPop(options.technicians.store.tickets, options.technicians.queueEvents ?? null) : null;
    if (options.wallboard) await wallboardRoutes(app, withCalls(options.wallboard, screenPop));
    if (options.technicians) await technicianRoutes(app, options.technicians, screenPop!);
  };
}

/** The wallboard's `calls`: the IVR's from `callsInIvr`, the waiting ones from the screen-pop; their changes join its events. */
function withCalls(wallboard: WallboardOptions & { callsInIvr?: () => number }, screenPop: ScreenPop | null): WallboardOptions {
  if (wallboard.calls) return wallboard;
  const calls = (): CallsNow => {
    const waiting = screenPop?.waiting();
    return {
      ...NO_CALLS,
      inIvr: wallboard.callsInIvr?.() ?? NO_CALLS.inIvr,
      ...(waiting && { waitingForTechnician: waiting.count, waitingBasis: waiting.basis, waitingWindowMinutes: waiting.windowMinutes }),
    };
  };
  const events = mergeSources<WallboardEvent>(wallboard.events, screenPop && mapSource(screenPop.changes, () => ({ type: "calls-changed" })));
  return { ...wallboard, calls, events };
}

async function servePages(app: FastifyInstance, root: string): Promise<void> {
  if (!existsSync(join(root, "index.html"))) {
    // The API works without the pages; say so at `/` instead of a bare 404.
    app.log.warn({ dir: root }, "console not built: run `npm run build` (the API works without it)");
    app.get("/", async (_request, reply) => notBuilt(reply, root));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    // `/` is its own route below: @fastify/static's index lookup misses the .br/.gz variants.
    index: false,
    // Vite also writes .br and .gz beside each file: sent as is, never compressed per request.
    preCompressed: true,
    cacheControl: false,
    setHeaders(reply, path) {
      // File names under assets/ carry a content hash: cache them for good. The page itself is
      // revalidated, so a new build reaches every desk on its next load.
      reply.header("cache-control", path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
      reply.header("x-content-type-options", "nosniff");
      if (/\.html(\.(br|gz|deflate))?$/.test(path)) {
        reply.header("content-security-policy", CSP);
        reply.header("referrer-policy", "no-referrer");
        reply.header("x-frame-options", "DENY");
      }
    },
  });
  app.get("/", (_request, reply) => reply.sendFile("index.html"));
}

/** Everything the page uses comes from this server: no CDN, no inline script, no framing. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function notBuilt(reply: FastifyReply, dir: string): FastifyReply {
  const { title, body } = TEXT.notBuilt;
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return reply
    .code(503)
    .type("text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(`<!doctype html><html lang="pt-BR"><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(fill(body, { dir }))}</p></html>`);
}
