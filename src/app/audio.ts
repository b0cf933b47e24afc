import type { Logger } from "pino";
import type { ApiPlugin } from "../api/index.js";
import type { Settings } from "../config/index.js";
import { audioDirs, audioRoutes } from "../tts/index.js";

/**
 * `/audio/prompts/<id>.sln` and `/audio/tts/<hash>.sln` on the ticket API's port, for a PBX that
 * fetches our audio over HTTP (AUDIO_MODE=http). Both `ura start` and `ura api` mount it, so
 * AUDIO_HTTP_BASE_URL may point at either. The files come from this host's SOUNDS_DIR/pt-BR and
 * TTS_CACHE_DIR: when the IVR (`ura ivr`) runs elsewhere, its TTS cache must be this directory too
 * (a shared mount), or the PBX gets 404 for every synthesised name (docs/audio.md).
 */
export function audioApiPlugin(settings: Settings, logger?: Logger): ApiPlugin {
  const dirs = audioDirs(settings);
  logger?.info({ prompts: dirs.prompts, tts: dirs.tts }, "serving /audio (prompts and TTS cache) for AUDIO_MODE=http");
  return audioRoutes({ dirs });
}
