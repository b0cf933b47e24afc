import { buildIvr } from "../../app/ivr.js";
import { runUntilSignal } from "../../app/lifecycle.js";
import type { CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "ivr",
  summary: "run the FastAGI server (the IVR) alone",
  usage: `ura ivr

Listens on AGI_HOST:AGI_PORT (default 127.0.0.1:4573) for Asterisk's AGI(agi://…/ura) and talks to
the ticket API at API_URL. On SIGTERM it stops accepting calls and lets calls in progress finish
for up to AGI_DRAIN_TIMEOUT_MS.`,
  async run(_args, ctx) {
    const ivr = buildIvr(ctx.settings, ctx.logger);
    await ivr.listen();
    return runUntilSignal(ctx.logger, async () => {
      const { finished, cut } = await ivr.drain(ctx.settings.AGI_DRAIN_TIMEOUT_MS);
      ctx.logger.info({ finished, cut }, "IVR stopped");
    });
  },
};
