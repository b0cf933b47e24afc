import { join } from "node:path";
import { ConfigError, dataPath, soundsDir, type Settings } from "../config/index.js";
import type { AudioKind, AudioLocator } from "./types.js";

/** Where our two audio directories are on this host. */
export interface AudioDirs {
  /** The TTS cache (TTS_CACHE_DIR, default DATA_DIR/tts). */
  tts: string;
  /** The rendered prompts (SOUNDS_DIR/pt-BR). */
  prompts: string;
}

export const PROMPT_LANGUAGE = "pt-BR";

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
}

/**
 * path: `<dir>/<name>` (STREAM FILE adds the extension itself), or `<AUDIO_PBX_PATH>/<kind>/<name>`
 * when the PBX mounts our directories somewhere else. http: `<AUDIO_HTTP_BASE_URL>/<kind>/<name>.sln`;
 * the URL must end in `.sln` with no query string, because that tail is how Asterisk's media
 * cache picks the format (format_sln registers no MIME type to match a Content-Type against).
 */
export function createAudioLocator(options: LocatorOptions): AudioLocator {
  if (options.mode === "http") {
    const base = checkBaseUrl(options.httpBaseUrl ?? "");
    return { mode: "http", reference: (kind, name) => `${base}/${kind}/${encodeURIComponent(name)}.sln` };
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
