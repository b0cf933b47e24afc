import { buildIvrNode } from "../../app/ivr.js";
import { queueSummariesFromSettings } from "../../ami/index.js";
import { runUntilSignal } from "../../app/lifecycle.js";
import { ivrTokenFor } from "../../api/index.js";
import { startMetricsServer } from "../../app/metrics.js";
import { ConfigError, listenOn, nodeName, type Settings } from "../../config/index.js";
import { startProcessMetrics } from "../../shared/metrics.js";
import { createSpeechSynthesizer } from "../../tts/index.js";
import type { CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "ivr",
  summary: "run the FastAGI server (the IVR) alone",
  usage: `ura ivr

Listens on AGI_HOST:AGI_PORT (default 127.0.0.1:4573) for Asterisk's AGI(agi://…/ura) and talks to
the ticket API at API_URL with the bearer token API_TOKEN (scope ivr). On the API's own host,
API_TOKEN may stay empty: the ivr token of API_TOKENS or DATA_DIR/api-tokens.local is used. On SIGTERM it stops
accepting calls and lets calls in progress finish for up to AGI_DRAIN_TIMEOUT_MS.
The catalogue's sentences, announcements and guidance texts are synthesised into this host's
TTS_CACHE_DIR before it listens; a later change reaches its callers once synthesised here, at the
next heartbeat's answer or the first call that sees it (docs/audio.md).
Serves Prometheus /metrics on METRICS_HOST:METRICS_PORT (default 127.0.0.1:9464; 0 = none), to
METRICS_ALLOWED_CLIENTS (docs/operations.md).`,
  async run(_args, ctx) {
    const settings: Settings = { ...ctx.settings, API_TOKEN: ivrToken(ctx.settings) };
    startProcessMetrics(nodeName(settings));
    const metrics = await startMetricsServer(settings, ctx.logger);
    const tts = createSpeechSynthesizer(settings, { logger: ctx.logger });
    tts.startJanitor();
    // With ASTERISK_AMI_*: a long technicians' queue offers a callback before the transfer.
    const queue = queueSummariesFromSettings(settings, ctx.logger);
    queue?.start();
    const node = buildIvrNode(settings, ctx.logger, tts, { queue: queue ?? undefined });
    const { ivr } = node;
    // What callers hear with TTS is in this node's cache before the first call; later changes
    // reach callers once synthesised here (issue 13: no synthesis inside a call).
    await node.spoken.warmAtStart(settings.TTS_PREWARM_WAIT_MS);
    // Signals are handled from before the port opens: a SIGTERM right after "listening" must
    // drain, not kill (a deploy can restart a node at any moment).
    const listening = listenOn("AGI_PORT", { host: settings.AGI_HOST, port: settings.AGI_PORT }, () => ivr.listen());
    let heartbeats: { stop(): void } | null = null;
    const stopped = runUntilSignal(ctx.logger, async () => {
      await listening.catch(() => undefined);
      heartbeats?.stop();
      node.spoken.stop();
      const { finished, cut } = await ivr.drain(settings.AGI_DRAIN_TIMEOUT_MS);
      await queue?.close();
      tts.close();
      await metrics?.close();
      ctx.logger.info({ finished, cut }, "IVR stopped");
    });
    try {
      await listening;
      // Every 10 s to the API (API_URL): a node that dies, or loses its API link, is OFFLINE there within 30 s.
      // Their answers also say when what callers hear changed: it is synthesised here at once.
      heartbeats = node.startHeartbeats();
    } catch (err) {
      node.spoken.stop();
      await queue?.close();
      tts.close();
      await metrics?.close();
      throw err;
    }
    return stopped;
  },
};

/** Without a token every API request is a 401 and every caller hears "system unavailable". */
function ivrToken(settings: Settings): string {
  const token = ivrTokenFor(settings);
  if (token !== null) return token;
  throw new ConfigError([
    `API_TOKEN: required by ura ivr (the ticket API's token with scope ivr); none in API_TOKENS or DATA_DIR/api-tokens.local either`,
  ]);
}
