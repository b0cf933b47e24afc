import type { Logger } from "pino";
import { consolePlugin, CONSOLE_DIST_DIR, type ApiPlugin } from "../api/index.js";

/**
 * The technicians' console at `/` on the API's port, under `ura start` and `ura api`.
 * Phase A serves the built pages only. The wallboard socket (/ws/dashboard_control/) is mounted
 * once phase B brings what it needs: the ticket backend as its source, the change events, and
 * the session/kiosk-token check (consolePlugin's `wallboard` option).
 */
export function consoleApiPlugin(logger?: Logger): ApiPlugin {
  logger?.debug({ dir: CONSOLE_DIST_DIR }, "serving the console at /");
  return consolePlugin({ webRoot: CONSOLE_DIST_DIR, wallboard: null });
}
