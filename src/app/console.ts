import type { FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { queueEventsFromSettings } from "../ami/index.js";
import {
  consolePlugin,
  CONSOLE_DIST_DIR,
  storeWallboardSource,
  wallboardEvents,
  type ApiPlugin,
  type ConsoleAccount,
  type WallboardEvent,
  type WallboardViewer,
} from "../api/index.js";
import type { Settings } from "../config/index.js";
import type { EventSource } from "../shared/event-bus.js";
import type { LivenessEvents, Store } from "../domain/index.js";
import { wallboardAlerts } from "./liveness.js";

/** Who a console request comes from; the accounts' sessions (console-auth) fill this in. */
export interface ConsoleAccess {
  account(request: FastifyRequest): ConsoleAccount | null | Promise<ConsoleAccount | null>;
  wallboardViewer(request: FastifyRequest): WallboardViewer | null | Promise<WallboardViewer | null>;
}

/** Until sessions exist, nobody is signed in: the pages show the sign-in form and the sockets refuse. */
const NOBODY: ConsoleAccess = { account: () => null, wallboardViewer: () => null };

/**
 * The technicians' console at `/` on the API's port, under `ura start` and `ura api`: the built
 * pages, the technicians' routes and live socket, and seed 004's wallboard socket fed by the
 * store. With ASTERISK_AMI_* set, the queue's events decide which desk gets a call's card.
 * `liveness` (the API's board of parts) adds a critical_alert for each OFFLINE/ONLINE transition.
 */
export function consoleApiPlugin(settings: Settings, store: Store, logger?: Logger, access: ConsoleAccess = NOBODY, liveness?: LivenessEvents): ApiPlugin {
  logger?.debug({ dir: CONSOLE_DIST_DIR }, "serving the console at /");
  const queueEvents = queueEventsFromSettings(settings, logger);
  const clock = () => new Date();
  const tickets = wallboardEvents(store);
  const alerts = liveness ? wallboardAlerts(liveness, settings.URA_TIMEZONE) : null;
  const events: EventSource<WallboardEvent> = {
    subscribe(listener) {
      const stops = [tickets.subscribe(listener), alerts?.subscribe(listener)];
      return () => stops.forEach((stop) => stop?.());
    },
  };
  const plugin = consolePlugin({
    webRoot: CONSOLE_DIST_DIR,
    wallboard: { source: storeWallboardSource(store, clock), events, authenticate: (request) => access.wallboardViewer(request) },
    technicians: { store, account: (request) => access.account(request), queueEvents, clock },
  });
  return async (app) => {
    if (queueEvents) {
      queueEvents.start();
      app.addHook("onClose", () => queueEvents.close());
    }
    await plugin(app);
  };
}
