import { createHmac, randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { AgiServer } from "../agi/index.js";
import { createApiClient, createSpokenNamesReader, type SpokenNamesSource } from "../api-client/index.js";
import type { Settings } from "../config/index.js";
import { ivrScripts, type IvrDependencies, type QueueStatus, type TicketApi, type VoiceRecordings } from "../ivr/index.js";
import { createSpeechSynthesizer, loadPromptSet, type SpeechSynthesizer, type TtsService } from "../tts/index.js";
import { httpHeartbeats, ivrProbes, startHeartbeats, type HeartbeatOptions, type HeartbeatReporter } from "./heartbeats.js";
import { IvrNodeSpeech } from "./prewarm.js";
import { createVoiceRecordings } from "./recordings.js";

/** What `buildIvr` can be given instead of its defaults (tests, `ura start` with an in-process API). */
export interface IvrParts {
  /** Default: the HTTP client to API_URL (`ura ivr`); `ura start` gives the in-process one (direct-api.ts). */
  api?: TicketApi;
  speech?: SpeechSynthesizer;
  promptFile?: (id: string) => string;
  clock?: () => Date;
  /** Where voice descriptions are recorded; default VOICE_DIR when IVR_VOICE_DESCRIPTION is on. */
  voice?: VoiceRecordings;
  /** The technicians' queue's state (AMI, queueSummariesFromSettings, started and closed by the caller); none: no long-queue offer. */
  queue?: QueueStatus;
}

/** Builds the FastAGI server with every IVR script routed (not listening yet). */
export function buildIvr(settings: Settings, logger: Logger, parts: IvrParts = {}): AgiServer {
  const log = logger.child({ part: "ivr" });
  const server = new AgiServer({
    host: settings.AGI_HOST,
    port: settings.AGI_PORT,
    allowedPeers: settings.AGI_ALLOWED_PEERS,
    commandTimeoutMs: settings.AGI_COMMAND_TIMEOUT_MS,
    maxCallSeconds: settings.AGI_MAX_CALL_SECONDS,
    maxCalls: settings.AGI_MAX_CALLS,
    logger: log,
  });
  // Prompt references follow AUDIO_MODE (shared path, AUDIO_PBX_PATH remap, or http:// URL).
  const prompts = parts.promptFile ? null : loadPromptSet(settings);
  const deps: IvrDependencies = {
    api: parts.api ?? createApiClient({ baseUrl: settings.API_URL, token: settings.API_TOKEN, timeoutMs: settings.IVR_API_BUDGET_MS }),
    speech: parts.speech ?? createSpeechSynthesizer(settings, { logger: log }),
    promptFile: parts.promptFile ?? ((id) => prompts!.file(id)),
    settings,
    stateKey: stateKey(settings, log),
    clock: parts.clock,
    queue: parts.queue,
    voice: parts.voice ?? (settings.IVR_VOICE_DESCRIPTION ? createVoiceRecordings(settings, log) : undefined),
    // On stop, the drain waits for what calls leave running (an upload, a call record) before the API and database close.
    track: (work) => server.track(work),
  };
  const scripts = ivrScripts(deps);
  for (const [path, script] of Object.entries(scripts)) server.route(path, script);
  return server;
}

/** The longest wait for one page of `GET /spoken-names` (500 names). */
const NAMES_PAGE_TIMEOUT_MS = 10_000;

/** An IVR node on its own host (`ura ivr`): the AGI server, what it says as its own TTS cache has it, and its heartbeats. */
export interface IvrNode {
  ivr: AgiServer;
  spoken: IvrNodeSpeech;
  /** Starts the heartbeats to the API (after the port is open); their answers warm what changed (prewarm.ts). */
  startHeartbeats(options?: Pick<HeartbeatOptions, "everyMs" | "timers">): HeartbeatReporter;
}

/**
 * `ura ivr`: the IVR against the API at API_URL (API_TOKEN), serving the catalogue, announcements
 * and guidance as this node's TTS cache has them ready (IvrNodeSpeech). Not listening yet: call
 * `spoken.warmAtStart` first, then `ivr.listen()`, then `startHeartbeats()`.
 */
export function buildIvrNode(settings: Settings, logger: Logger, tts: TtsService, parts: Omit<IvrParts, "speech"> & { names?: SpokenNamesSource } = {}): IvrNode {
  const source = parts.api ?? createApiClient({ baseUrl: settings.API_URL, token: settings.API_TOKEN, timeoutMs: settings.IVR_API_BUDGET_MS });
  // No call waits on a page of names: a limit of its own, not the call's budget.
  const names = parts.names ?? createSpokenNamesReader({ baseUrl: settings.API_URL, token: settings.API_TOKEN, timeoutMs: NAMES_PAGE_TIMEOUT_MS });
  const spoken = new IvrNodeSpeech(source, tts, logger, names);
  const ivr = buildIvr(settings, logger, { ...parts, api: spoken.api, speech: tts });
  return {
    ivr,
    spoken,
    startHeartbeats: (options) =>
      startHeartbeats({ ...options, probes: ivrProbes(settings, ivr, tts), send: httpHeartbeats(settings, settings.API_TOKEN, (reply) => spoken.heartbeatReply(reply)), logger }),
  };
}

/**
 * The key that signs URA_USER between step scripts. Every IVR node must share it (a call's steps
 * may reach different nodes), so it is IVR_STATE_SECRET, else derived from the shared API_TOKEN.
 */
function stateKey(settings: Settings, log: Logger): string {
  if (settings.IVR_STATE_SECRET !== "") return settings.IVR_STATE_SECRET;
  if (settings.API_TOKEN !== "") return createHmac("sha256", settings.API_TOKEN).update("ura-state-key").digest("base64url");
  log.warn("IVR_STATE_SECRET and API_TOKEN are empty: step-script state is signed with a per-process key");
  return randomBytes(32).toString("base64url");
}
