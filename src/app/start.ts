import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { AgiServer } from "../agi/index.js";
import { queueSummariesFromSettings } from "../ami/index.js";
import { ivrOperationsOf, ivrTokenAmong, resolveApiTokens, startApi, type ApiPlugin } from "../api/index.js";
import { ConfigError, listenOn, localApiUrl, type Settings } from "../config/index.js";
import { LivenessBoard, type Store } from "../domain/index.js";
import { createSpeechSynthesizer, type TtsService } from "../tts/index.js";
import { createSender } from "../whatsapp/index.js";
import { audioApiPlugin, catalogueAudioPlugin } from "./audio.js";
import { consoleApiPlugin } from "./console.js";
import { createDirectApiClient } from "./direct-api.js";
import { apiProbes, httpHeartbeats, ivrProbes, localHeartbeats, startHeartbeats } from "./heartbeats.js";
import { buildIvr } from "./ivr.js";
import { reactToLiveness } from "./liveness.js";
import { NameWarmer, prewarmAtStart, storeNames, warmOnSpokenChange } from "./prewarm.js";
import { recordingFilesOf } from "./recordings.js";
import { openTicketStore } from "./tickets.js";

export interface RunningApp {
  ivr: AgiServer;
  api: FastifyInstance;
  store: Store;
  tts: TtsService;
  /** Seed 002's table: every part's heartbeats; its `events` are the OFFLINE/ONLINE transitions (the wallboard subscribes). */
  liveness: LivenessBoard;
  /** Graceful stop: drain calls (up to AGI_DRAIN_TIMEOUT_MS), then the API, then the database. */
  stop(): Promise<{ finished: number; cut: number }>;
}

/**
 * `ura start`: the ticket API and the IVR in one process. The IVR calls the API's operations (the
 * bodies of its routes) directly, as the client named by the `ivr` token (createDirectApiClient);
 * a multi-node site runs `ura ivr` against API_URL over HTTP.
 */
export async function startAll(settings: Settings, logger: Logger, extraPlugins: ApiPlugin[] = []): Promise<RunningApp> {
  const { tokens, file } = resolveApiTokens(settings);
  // The IVR's calls are audited and rate-limited under this token's name, as over HTTP; a token the
  // API would refuse (over HTTP: a 401 on every step of every call) stops the start instead.
  const ivrClient = ivrTokenAmong(settings, tokens);
  if (!ivrClient) {
    throw new ConfigError([
      settings.API_TOKEN === ""
        ? 'API_TOKENS: has no token with scope "ivr" and API_TOKEN is empty, so the IVR could not call the API'
        : 'API_TOKEN: is not one of API_TOKENS with scope "ivr", so the API would refuse the IVR',
    ]);
  }
  const ivrToken = ivrClient.secret;

  // What has started so far, stopped in reverse if a later part cannot start: a process left
  // running with the API but no IVR would look healthy to a service manager.
  const started: Array<() => Promise<void> | void> = [];
  const undo = async () => {
    for (const stop of started.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  };
  try {
    const tts = createSpeechSynthesizer(settings, { logger });
    tts.startJanitor();
    started.push(() => tts.close());
    // Every catalogue change re-synthesises its sentences (issue 13: no synthesis inside a call).
    // Tickets where TICKET_BACKEND says (builtin or GLPI), announced as NOTIFY/TELEGRAM settings say.
    const store = await openTicketStore(settings, logger, { migrate: true, speech: tts.engine === "none" ? undefined : tts });
    started.push(() => store.close());
    // /audio serves prompts and TTS files to a PBX on another host (AUDIO_MODE=http).
    // `/`: the technicians' console (docs/console.md).
    const liveness = new LivenessBoard({ onListenerError: (err) => logger.error({ err }, "a liveness listener failed") });
    const plugins = [audioApiPlugin(settings, logger), consoleApiPlugin(settings, store, logger, undefined, liveness), catalogueAudioPlugin(store, tts, logger), ...extraPlugins];
    const stopReacting = reactToLiveness(liveness, settings, logger);
    started.push(stopReacting);
    const sender = createSender(settings);
    started.push(() => sender.close?.());
    const api = await startApi({ settings, store, sender, logger, tokens, plugins, liveness, recordingFiles: recordingFilesOf(settings) });
    started.push(() => api.close());
    const apiAddress = api.server.address();
    const apiPort = typeof apiAddress === "object" && apiAddress ? apiAddress.port : settings.API_PORT;
    const apiUrl = localApiUrl(settings, apiPort);
    logger.info({ address: apiUrl, database: store.dialect, tickets: store.tickets.kind, tokensFile: file ?? undefined }, "ticket API listening");

    const ivrSettings: Settings = { ...settings, API_URL: apiUrl, API_TOKEN: ivrToken };
    const direct = createDirectApiClient(ivrOperationsOf(api), { client: ivrClient.name, budgetMs: settings.IVR_API_BUDGET_MS, logger });
    // With AMI, a technician request first asks how long the queue is (a long one offers a callback).
    const queue = queueSummariesFromSettings(settings, logger);
    queue?.start();
    if (queue) started.push(() => queue.close());
    const ivr = buildIvr(ivrSettings, logger, { speech: tts, api: direct, queue: queue ?? undefined });
    // The catalogue's sentences are in the cache before the first call; names follow in the background,
    // and again whenever the heartbeat's answer says they changed.
    const names = tts.engine === "none" ? null : new NameWarmer(storeNames(store), tts, logger);
    started.push(() => names?.stop());
    await prewarmAtStart(store, tts, logger, settings.TTS_PREWARM_WAIT_MS, names);
    await listenOn("AGI_PORT", { host: settings.AGI_HOST, port: settings.AGI_PORT }, () => ivr.listen());
    // The API's own parts go straight into its table; the IVR node reports over HTTP (the API's port), as on a multi-node site.
    const reporters = [
      startHeartbeats({ probes: apiProbes(settings, store), send: localHeartbeats(liveness), logger }),
      // Their answers say when what callers hear changed (also when another host sharing the database changed it).
      startHeartbeats({ probes: ivrProbes(settings, ivr, tts), send: httpHeartbeats(ivrSettings, ivrToken, warmOnSpokenChange(store, logger, { names })), logger }),
    ];
    return running(settings, { ivr, api, store, tts, liveness }, async () => {
      for (const r of reporters) r.stop();
      // A names pass would go on synthesising after the stop (an hour on a fresh cache).
      names?.stop();
      await stopReacting();
    }, async () => {
      await queue?.close();
    }, () => sender.close?.());
  } catch (err) {
    await undo();
    throw err;
  }
}

/** `afterDrain`: what the calls in progress still used (the AMI session), closed once they are done. */
/** `afterApi`: what the API's requests still used (the one-time codes' sender), released once it is closed. */
function running(settings: Settings, parts: Omit<RunningApp, "stop">, stopReporting: () => Promise<void>, afterDrain: () => Promise<void>, afterApi: () => void): RunningApp {
  const { ivr, api, store, tts, liveness } = parts;
  return {
    ivr,
    api,
    store,
    tts,
    liveness,
    async stop() {
      await stopReporting();
      const result = await ivr.drain(settings.AGI_DRAIN_TIMEOUT_MS);
      await afterDrain();
      tts.close();
      await api.close();
      afterApi();
      await store.close();
      return result;
    },
  };
}
