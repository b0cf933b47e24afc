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
  type WallboardViewer,
} from "../api/index.js";
import type { Settings } from "../config/index.js";
import type { Store } from "../domain/index.js";

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
 */
export function consoleApiPlugin(settings: Settings, store: Store, logger?: Logger, access: ConsoleAccess = NOBODY): ApiPlugin {
  logger?.debug({ dir: CONSOLE_DIST_DIR }, "serving the console at /");
  const queueEvents = queueEventsFromSettings(settings, logger);
  const clock = () => new Date();
  const plugin = consolePlugin({
    webRoot: CONSOLE_DIST_DIR,
    wallboard: { source: storeWallboardSource(store, clock), events: wallboardEvents(store), authenticate: (request) => access.wallboardViewer(request) },
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
