import { join } from "node:path";
import { ConfigError, dataPath, soundsDir, type Settings } from "../config/index.js";
import { audioSignature, resolveCacheSecret } from "./cache.js";
import type { AudioKind, AudioLocator } from "./types.js";

/** Where our two audio directories are on this host. */
export interface AudioDirs {
  /** The TTS cache (TTS_CACHE_DIR, default DATA_DIR/tts). */
  tts: string;
  /** The rendered prompts (SOUNDS_DIR/pt-BR). */
  prompts: string;
}

export const PROMPT_LANGUAGE = "pt-BR";

/** The TTS cache's key (TTS_CACHE_KEY, or the cache's own `.cache-key`): names its files, signs their URLs. */
export function ttsCacheSecret(settings: Settings): Buffer {
  return resolveCacheSecret(audioDirs(settings).tts, settings.TTS_CACHE_KEY);
}

export function audioDirs(settings: Settings): AudioDirs {
  return {
    tts: dataPath(settings, settings.TTS_CACHE_DIR, "tts"),
    prompts: join(soundsDir(settings), PROMPT_LANGUAGE),
  };
}

export interface LocatorOptions {
  mode: "path" | "http";
  dirs: AudioDirs;
  /** path mode: the directory the PBX sees, holding `tts/` and `prompts/`; empty = our own absolute paths. */
  pbxPath?: string;
  /** http mode: the URL `audioRoutes` answers under, e.g. `http://ivr.example:8080/audio`. */
  httpBaseUrl?: string;
  /** http mode: the key signing TTS URLs, or how to get it when first needed (default: the TTS cache's own). */
  secret?: Buffer | (() => Buffer);
}

/**
 * path: `<dir>/<name>` (STREAM FILE adds the extension itself), or `<AUDIO_PBX_PATH>/<kind>/<name>`
 * when the PBX mounts our directories somewhere else. http: `<AUDIO_HTTP_BASE_URL>/prompts/<id>.sln`
 * and, for synthesised speech, `<AUDIO_HTTP_BASE_URL>/tts/<signature>/<hash>.sln` (the PBX cannot
 * send a token, so the URL carries the proof: issue 14 item 11). The URL must end in `.sln` with no
 * query string, because that tail is how Asterisk's media cache picks the format (format_sln
 * registers no MIME type to match a Content-Type against).
 */
export function createAudioLocator(options: LocatorOptions): AudioLocator {
  if (options.mode === "http") {
    const base = checkBaseUrl(options.httpBaseUrl ?? "");
    const given = options.secret;
    let secret = given instanceof Buffer ? given : undefined;
    return {
      mode: "http",
      reference: (kind, name) => {
        if (kind === "prompts") return `${base}/prompts/${encodeURIComponent(name)}.sln`;
        // Read when a name is first said, not at start-up: a process that only plays prompts never touches the cache.
        secret ??= typeof given === "function" ? given() : resolveCacheSecret(options.dirs.tts);
        return `${base}/tts/${audioSignature(secret, name)}/${encodeURIComponent(name)}.sln`;
      },
    };
  }
  const pbx = (options.pbxPath ?? "").replace(/\/+$/, "");
  if (pbx !== "" && !pbx.startsWith("/")) {
    throw new ConfigError([`AUDIO_PBX_PATH: must be an absolute path (got ${JSON.stringify(options.pbxPath)})`]);
  }
  return {
    mode: "path",
    reference: (kind: AudioKind, name: string) => (pbx === "" ? join(options.dirs[kind], name) : `${pbx}/${kind}/${name}`),
  };
}

export function audioLocatorFromSettings(settings: Settings): AudioLocator {
  return createAudioLocator({
    mode: settings.AUDIO_MODE,
    dirs: audioDirs(settings),
    pbxPath: settings.AUDIO_PBX_PATH,
    httpBaseUrl: settings.AUDIO_HTTP_BASE_URL,
    secret: () => ttsCacheSecret(settings),
  });
}

function checkBaseUrl(raw: string): string {
  const problem = (why: string) => new ConfigError([`AUDIO_HTTP_BASE_URL: ${why}${raw === "" ? "" : ` (got ${JSON.stringify(raw)})`}`]);
  if (raw === "") throw problem("required when AUDIO_MODE=http");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw problem("not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw problem("must be an http:// or https:// URL");
  if (url.search !== "" || url.hash !== "") throw problem("must have no query string or fragment (Asterisk reads the format from the URL's end)");
  return url.href.replace(/\/+$/, "");
}
