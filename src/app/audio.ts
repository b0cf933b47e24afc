import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { ApiError, type ApiPlugin } from "../api/index.js";
import type { Settings } from "../config/index.js";
import type { CatalogueNode, Store } from "../domain/index.js";
import { describeError } from "../shared/errors.js";
import { audioDirs, audioRoutes, slnToWav, ttsCacheSecret, type TtsService } from "../tts/index.js";

/**
 * `/audio/prompts/<id>.sln` and `/audio/tts/<hash>.sln` on the ticket API's port, for a PBX that
 * fetches our audio over HTTP (AUDIO_MODE=http). Both `ura start` and `ura api` mount it, so
 * AUDIO_HTTP_BASE_URL may point at either. The files come from this host's SOUNDS_DIR/pt-BR and
 * TTS_CACHE_DIR: when the IVR (`ura ivr`) runs elsewhere, its TTS cache must be this directory too
 * (a shared mount), or the PBX gets 404 for every synthesised name (docs/audio.md). The cache's key
 * (TTS_CACHE_KEY, or its own `.cache-key`) checks the signed URLs the IVR hands the PBX.
 */
export function audioApiPlugin(settings: Settings, logger?: Logger): ApiPlugin {
  const dirs = audioDirs(settings);
  logger?.info({ prompts: dirs.prompts, tts: dirs.tts }, "serving /audio (prompts and TTS cache) for AUDIO_MODE=http");
  return audioRoutes({ dirs, secret: ttsCacheSecret(settings) });
}

function findNode(nodes: CatalogueNode[], id: number): CatalogueNode | null {
  for (const n of nodes) {
    if (n.id === id) return n;
    const inner = findNode(n.children, id);
    if (inner) return inner;
  }
  return null;
}

/**
 * `GET /api/v1/admin/catalogue/:id/audio`: the option's sentence as the IVR plays it (its studio
 * recording, else the TTS cache), as a WAV the console's "Ouvir" button plays. Admin accounts
 * only; 503 when text-to-speech is off or failing. Mounted where the IVR's TTS lives (`ura start`).
 */
export function catalogueAudioPlugin(store: Pick<Store, "catalogue">, tts: Pick<TtsService, "localFile">, logger?: Logger): ApiPlugin {
  return async (app) => {
    app.get("/api/v1/admin/catalogue/:id/audio", { config: { scopes: ["admin"] }, schema: { hide: true } }, async (request, reply) => {
      const id = Number((request.params as { id?: string }).id);
      const node = Number.isInteger(id) && id > 0 ? findNode(await store.catalogue.tree(true), id) : null;
      if (!node) throw new ApiError(404, "unknown_service", `no service ${String((request.params as { id?: string }).id)}`);
      let file: string;
      try {
        file = await tts.localFile(node.prompt);
      } catch (err) {
        logger?.warn({ err: describeError(err), service: id }, "catalogue sentence could not be synthesised for the console");
        throw new ApiError(503, "tts_unavailable", "text-to-speech is off or failing: the IVR says the option's key instead");
      }
      return reply.type("audio/wav").header("cache-control", "no-store").send(slnToWav(await readFile(file)));
    });
  };
}
