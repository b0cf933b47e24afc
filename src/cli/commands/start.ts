import { runUntilSignal } from "../../app/lifecycle.js";
import { startAll } from "../../app/start.js";
import { nodeName } from "../../config/index.js";
import { startProcessMetrics } from "../../shared/metrics.js";
import type { CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "start",
  summary: "run everything in one process: the IVR (FastAGI) and the ticket API",
  usage: `ura start

Runs the FastAGI server on AGI_HOST:AGI_PORT (default 127.0.0.1:4573) and the ticket API on
API_HOST:API_PORT (default 127.0.0.1:8080), with the embedded SQLite database under DATA_DIR
(migrated at start). When API_TOKENS is empty, tokens are made once in DATA_DIR/api-tokens.local.
The technicians' console is at http://API_HOST:API_PORT/ (docs/console.md).
On SIGTERM calls in progress finish (up to AGI_DRAIN_TIMEOUT_MS), then the API stops.`,
  async run(_args, ctx) {
    startProcessMetrics(nodeName(ctx.settings));
    // Signals are handled from the start, so a SIGTERM right after "listening" drains (see ura ivr).
    const starting = startAll(ctx.settings, ctx.logger);
    const stopped = runUntilSignal(ctx.logger, async () => {
      const app = await starting.catch(() => null);
      if (!app) return;
      const { finished, cut } = await app.stop();
      ctx.logger.info({ finished, cut }, "stopped");
    });
    await starting;
    return stopped;
  },
};
