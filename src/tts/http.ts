import { open } from "node:fs/promises";
import { join } from "node:path";
import { timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { audioSignature, CACHE_NAME } from "./cache.js";
import type { AudioDirs } from "./locator.js";
import { PROMPT_ID } from "./prompts.js";
import type { AudioKind } from "./types.js";

/**
 * Asterisk's media cache (res_http_media_cache) takes the format from the URL's extension (`.sln`
 * → format_sln); it only falls back to Content-Type when the URL has none, and format_sln
 * registers no MIME type, so this is informative only. There is no registered type for headerless
 * little-endian PCM (`audio/L16` is big-endian).
 */
export const SLN_CONTENT_TYPE = "application/octet-stream";

/**
 * The media cache keeps a file until `max-age` runs out, then revalidates with a HEAD carrying
 * If-None-Match and keeps its copy on 304. Synthesised speech is named by its content hash, so it
 * never changes; a prompt may be replaced by a studio recording, so it is rechecked every 5 minutes.
 */
const CACHE_CONTROL: Record<AudioKind, string> = {
  tts: "public, max-age=31536000, immutable",
  prompts: "public, max-age=300",
};

const NAME: Record<AudioKind, RegExp> = { tts: CACHE_NAME, prompts: PROMPT_ID };

export interface AudioRoutesOptions {
  dirs: AudioDirs;
  /** The TTS cache's key (ttsCacheSecret): checks the signature in a TTS file's URL. */
  secret: Buffer;
}

/** The scopes that may fetch synthesised speech with a token instead of a signed URL. */
const TTS_SCOPES = ["ivr", "admin"] as const;

/**
 * `GET|HEAD /audio/prompts/<id>.sln` and the synthesised speech, for a PBX that plays our audio
 * over HTTP (AUDIO_MODE=http). Only names matching the cache-hash or prompt-id pattern reach the
 * file system, and the path is built from the match, so nothing outside the two directories can
 * be read: `..`, encoded dots or slashes, absolute paths and NUL are refused with 400 before any
 * file access. Mount it where the IVR's TTS cache lives (the process that synthesises).
 *
 * Synthesised speech is a caller's name: whether a file exists says who has called (issue 14 item
 * 11). So it is served only at `/audio/tts/<signature>/<hash>.sln`, the signed URL the IVR hands
 * Asterisk (which cannot send a token), or at `/audio/tts/<hash>.sln` with a bearer token of scope
 * ivr or admin (checked by the API's access plugin before anything else). A wrong signature is the
 * same 404 as a file that is not there, and a missing token the same 401 whether the file exists.
 */
export function audioRoutes(options: AudioRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    app.get("/audio/tts/:signature/*", { schema: { hide: true } }, async (request, reply) => {
      const params = request.params as { signature: string; "*"?: string };
      // The signature's place is a path segment too: `..` there is traversal, not a signature.
      if (locate(options.dirs, `tts/${params.signature}/${params["*"] ?? ""}`, request.raw.url ?? "") === "bad") return refuse(reply, 400, "bad_path", "not an audio path");
      const target = locate(options.dirs, `tts/${params["*"] ?? ""}`, request.raw.url ?? "");
      if (target === "bad") return refuse(reply, 400, "bad_path", "not an audio path");
      if (target === "unknown" || !signed(options.secret, target.name, params.signature)) return refuse(reply, 404, "not_found", "no such audio");
      return serve(target, request, reply);
    });
    app.get("/audio/tts/*", { schema: { hide: true }, config: { scopes: TTS_SCOPES } }, async (request, reply) => {
      const target = locate(options.dirs, `tts/${(request.params as { "*"?: string })["*"] ?? ""}`, request.raw.url ?? "");
      if (target === "bad") return refuse(reply, 400, "bad_path", "not an audio path");
      if (target === "unknown") return refuse(reply, 404, "not_found", "no such audio");
      return serve(target, request, reply);
    });
    app.get("/audio/*", { schema: { hide: true } }, async (request, reply) => {
      const rest = (request.params as { "*"?: string })["*"] ?? "";
      const target = locate(options.dirs, rest, request.raw.url ?? "");
      if (target === "bad") return refuse(reply, 400, "bad_path", "not an audio path");
      // Synthesised speech only through the two routes above.
      if (target === "unknown" || target.kind !== "prompts") return refuse(reply, 404, "not_found", "no such audio");
      return serve(target, request, reply);
    });
  };
}

function signed(secret: Buffer, name: string, signature: string): boolean {
  const expected = Buffer.from(audioSignature(secret, name));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function serve(target: { kind: AudioKind; name: string; path: string }, request: FastifyRequest, reply: FastifyReply) {
  let handle;
  try {
    handle = await open(target.path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR") return refuse(reply, 404, "not_found", "no such audio");
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return refuse(reply, 404, "not_found", "no such audio");
    const etag = target.kind === "tts" ? `"${target.name}"` : `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
    reply
      .header("etag", etag)
      .header("last-modified", lastModified.toUTCString())
      .header("cache-control", CACHE_CONTROL[target.kind]);
    if (notModified(request.headers["if-none-match"], request.headers["if-modified-since"], etag, lastModified)) {
      return reply.code(304).send();
    }
    const bytes = await handle.readFile();
    return reply.type(SLN_CONTENT_TYPE).send(bytes);
  } finally {
    await handle.close();
  }
}

type Located = { kind: AudioKind; name: string; path: string } | "bad" | "unknown";

function locate(dirs: AudioDirs, rest: string, rawUrl: string): Located {
  const rawPath = rawUrl.split("?")[0] ?? "";
  // Encoded dots, slashes, backslashes, NUL or percent signs have no business in our names.
  if (/%(2e|2f|5c|00|25)/i.test(rawPath)) return "bad";
  if (rest.startsWith("/") || rest.includes("\\") || rest.includes("\0") || rest.split("/").some((part) => part === ".." || part === ".")) return "bad";
  const match = /^(tts|prompts)\/([^/]+)\.sln$/.exec(rest);
  if (!match) return "unknown";
  const kind = match[1] as AudioKind;
  const name = match[2]!;
  if (!NAME[kind].test(name)) return "unknown";
  return { kind, name, path: join(dirs[kind], `${name}.sln`) };
}

function notModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, etag: string, lastModified: Date): boolean {
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(",").some((tag) => {
      const t = tag.trim();
      return t === "*" || t === etag || t === `W/${etag}`;
    });
  }
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && lastModified.getTime() <= since;
  }
  return false;
}

function refuse(reply: FastifyReply, status: number, error: string, message: string) {
  return reply.code(status).header("cache-control", "no-store").send({ error, message });
}
