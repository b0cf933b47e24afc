import type { FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { queueEventsFromSettings } from "../ami/index.js";
import {
  consolePlugin,
  consoleViewers,
  CONSOLE_DIST_DIR,
  storeWallboardSource,
  wallboardEvents,
  type ApiPlugin,
  type ConsoleAccount,
  type WallboardEvent,
  type WallboardViewer,
} from "../api/index.js";
import type { Settings } from "../config/index.js";
import { mapSource, mergeSources } from "../shared/event-bus.js";
import type { Clock, LivenessView, Store } from "../domain/index.js";
import { wallboardAlerts } from "./liveness.js";
import { transferRecordingPath } from "./recordings.js";

/** Who a console request comes from: the console's sessions and kiosk tokens (sessionAccess), or a test's stand-in. */
export interface ConsoleAccess {
  account(request: FastifyRequest): ConsoleAccount | null | Promise<ConsoleAccount | null>;
  wallboardViewer(request: FastifyRequest): WallboardViewer | null | Promise<WallboardViewer | null>;
}

/**
 * The console's real access: the API's access plugin has already resolved the session cookie into
 * `request.account` (and checked CSRF on a state-changing request) before any route hook runs, and
 * an admin may do a technician's work; the wallboard also opens to a wall TV's kiosk token.
 */
export function sessionAccess(store: Store, clock: Clock): ConsoleAccess {
  return {
    account: (request) => (request.account ? { username: request.account.username, name: request.account.name, extension: request.account.extension } : null),
    wallboardViewer: consoleViewers(store, clock),
  };
}

/**
 * The technicians' console at `/` on the API's port, under `ura start` and `ura api`: the built
 * pages, the technicians' routes and live socket, and seed 004's wallboard socket fed by the
 * store, behind the console's sessions and kiosk tokens (`access`, by default sessionAccess).
 * With ASTERISK_AMI_* set, the queue's events decide which desk gets a call's card.
 * `liveness` (the API's board of parts) adds a critical_alert for each OFFLINE/ONLINE transition,
 * and the calls in the IVR (its nodes' heartbeats) to the TV view.
 */
export function consoleApiPlugin(settings: Settings, store: Store, logger?: Logger, access?: ConsoleAccess, liveness?: LivenessView): ApiPlugin {
  logger?.debug({ dir: CONSOLE_DIST_DIR }, "serving the console at /");
  const queueEvents = queueEventsFromSettings(settings, logger);
  const clock = () => new Date();
  const who = access ?? sessionAccess(store, clock);
  const tickets = wallboardEvents(store);
  const alerts = liveness ? wallboardAlerts(liveness.events, settings.URA_TIMEZONE) : null;
  const events = mergeSources<WallboardEvent>(tickets, alerts, liveness && mapSource(liveness.callChanges, () => ({ type: "calls-changed" })));
  const plugin = consolePlugin({
    webRoot: CONSOLE_DIST_DIR,
    wallboard: {
      source: storeWallboardSource(store, clock),
      events,
      authenticate: (request) => who.wallboardViewer(request),
      callsInIvr: liveness ? () => liveness.callsInIvr() : undefined,
    },
    technicians: { store, account: (request) => who.account(request), queueEvents, clock, transferRecording: (callId) => transferRecordingPath(settings, callId) },
  });
  return async (app) => {
    if (queueEvents) {
      queueEvents.start();
      app.addHook("onClose", () => queueEvents.close());
    }
    await plugin(app);
  };
}
