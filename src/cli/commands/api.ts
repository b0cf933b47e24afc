import { audioApiPlugin } from "../../app/audio.js";
import { consoleApiPlugin } from "../../app/console.js";
import { runUntilSignal } from "../../app/lifecycle.js";
import { openTicketStore } from "../../app/tickets.js";
import { resolveApiTokens, startApi } from "../../api/index.js";
import { nodeName } from "../../config/index.js";
import { LivenessBoard } from "../../domain/index.js";
import { apiProbes, localHeartbeats, startHeartbeats } from "../../app/heartbeats.js";
import { reactToLiveness } from "../../app/liveness.js";
import { recordingFilesOf } from "../../app/recordings.js";
import { startProcessMetrics } from "../../shared/metrics.js";
import { createSender } from "../../whatsapp/index.js";
import { parseCommandLine, type CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "api",
  summary: "run the ticket API alone (HTTP, /api/v1, OpenAPI at /docs)",
  usage: `ura api [--no-migrate]

Serves the ticket API on API_HOST:API_PORT (default 127.0.0.1:8080) over the database DB_DRIVER
names (SQLite under DATA_DIR by default, or MySQL/MariaDB at DATABASE_URL), with tickets where
TICKET_BACKEND says (builtin, or GLPI: docs/glpi.md) and new tickets announced on Telegram and the
webhook when TELEGRAM_* / NOTIFY_WEBHOOK_* are set. Pending migrations are
applied at start (safe with several starters: MySQL takes a named lock); --no-migrate leaves a
MySQL schema to \`ura migrate\`. Clients need a bearer token from API_TOKENS (when empty, tokens
are made once in DATA_DIR/api-tokens.local) and an address in API_ALLOWED_CLIENTS.
One-time codes go through SENDER_DRIVER (log, venom, cloud).
Also serves /audio/prompts/<id>.sln (SOUNDS_DIR/pt-BR) and /audio/tts/<hash>.sln (TTS_CACHE_DIR)
for a PBX that fetches audio over HTTP (AUDIO_MODE=http, AUDIO_HTTP_BASE_URL): IVR nodes on other
hosts must write their TTS cache into that same directory (a shared mount; docs/audio.md).
The technicians' console (built into dist/console by \`npm run build\`) is served at \`/\` (docs/console.md).`,
  async run(args, ctx) {
    const { values } = parseCommandLine({ args, options: { "no-migrate": { type: "boolean" } } });
    const { settings, logger } = ctx;
    startProcessMetrics(nodeName(settings));
    const { tokens, file } = resolveApiTokens(settings);
    const store = await openTicketStore(settings, logger, { migrate: !values["no-migrate"] });
    // /audio for a PBX on another host (AUDIO_MODE=http), as under `ura start`.
    // And the technicians' console at `/` (docs/console.md).
    const liveness = new LivenessBoard({ onListenerError: (err) => logger.error({ err }, "a liveness listener failed") });
    const plugins = [audioApiPlugin(settings, logger), consoleApiPlugin(settings, store, logger, undefined, liveness)];
    const stopReacting = reactToLiveness(liveness, settings, logger);
    const sender = createSender(settings);
    const app = await startApi({ settings, store, sender, logger, tokens, plugins, liveness, recordingFiles: recordingFilesOf(settings) });
    const heartbeats = startHeartbeats({ probes: apiProbes(settings, store), send: localHeartbeats(liveness), logger });
    logger.info(
      { address: `http://${settings.API_HOST}:${settings.API_PORT}`, database: store.dialect, tickets: store.tickets.kind, clients: tokens.map((t) => `${t.name}(${t.scopes.join("+")})`) },
      "ticket API listening",
    );
    if (file) ctx.stdout.write(`API tokens (API_TOKENS is empty): ${file}\n`);
    return runUntilSignal(logger, async () => {
      heartbeats.stop();
      await stopReacting();
      await app.close();
      sender.close?.();
      await store.close();
      logger.info("ticket API stopped");
    });
  },
};
