import { createHash, createHmac, randomBytes } from "node:crypto";
import { readFile, readdir, stat, unlink, utimes } from "node:fs/promises";
import { basename, join } from "node:path";
import { secretFile } from "../shared/secret-file.js";
import { TMP_SUFFIX, writeAtomically } from "./atomic-write.js";
import { ttsCacheLookup } from "../shared/metrics.js";
import { AUDIO_TREATMENT } from "./level.js";

/** Cache file names: the sha256 of what was synthesised, as 64 hex digits, plus `.sln`. */
export const CACHE_NAME = /^[0-9a-f]{64}$/;
/**
 * Beside each `<hash>.sln`, `<hash>.txt` holds the (normalised) text it says, so a person or
 * `ura call` can tell what a cached file is without playing it. It is written before the audio
 * (each atomically), so an entry with audio always has its text; `/audio` never serves it, and
 * only the service's user may read it (0600): it is a caller's name in clear.
 */
const TEXT_SUFFIX = ".txt";
const TEXT_MODE = 0o600;
/** A temporary file this old belongs to a process that died mid-write. */
const ORPHAN_TMP_MS = 10 * 60_000;
/** Reads refresh a file's mtime (its "last used" time) at most this often. */
const TOUCH_EVERY_MS = 24 * 3600_000;
/**
 * A file this process saw (or wrote) this recently is taken as present without a `stat`: a menu
 * of eight synthesised options looked each one up on disk every time it played, 5–8 % of a call's
 * CPU (docs/performance.md). Removals by this process forget at once; another process's removal
 * (a shared cache) is noticed within this time, as it was noticed between a stat and the playback.
 */
const SEEN_FOR_MS = 10_000;
/** Past this many remembered files the memory starts again (a directory of many thousand names). */
const SEEN_MAX = 20_000;

/**
 * The key of one synthesis: what engine, which voice (with everything else that changes the
 * sound, AUDIO_TREATMENT included) and which text. The same name said by the same voice is
 * synthesised once. With `secret` (the TTS cache's names) it is an HMAC: without the key nobody
 * can work out a person's file name and ask /audio whether that person has called (issue 14 item
 * 11). Without it, a plain SHA-256, for public texts (the prompts' manifest).
 */
export function cacheKey(engine: string, voiceKey: string, text: string, secret?: Buffer): string {
  const what = JSON.stringify(["sln8k/1", AUDIO_TREATMENT, engine, voiceKey, text]);
  return (secret ? createHmac("sha256", secret) : createHash("sha256")).update(what).digest("hex");
}

/** The key file inside the TTS cache: hosts that share the cache (a split site's mount) share the key. */
export const CACHE_KEY_FILE = ".cache-key";

/** TTS_CACHE_KEY, or a random key generated once into `<dir>/.cache-key` (mode 0600). */
export function resolveCacheSecret(dir: string, setting = ""): Buffer {
  if (setting !== "") return Buffer.from(setting, "utf8");
  const file = join(dir, CACHE_KEY_FILE);
  const secret = secretFile(file, () => randomHex(32)).trim();
  if (secret.length < 32) throw new Error(`${file} holds a key shorter than 32 characters: delete it to make a new one`);
  return Buffer.from(secret, "utf8");
}

const randomHex = (bytes: number) => randomBytes(bytes).toString("hex");

/**
 * The signature in a TTS file's URL (`/audio/tts/<signature>/<hash>.sln`): the PBX cannot send a
 * token, so the IVR hands it URLs only the key's holder can make. 128 bits.
 */
export function audioSignature(secret: Buffer, hash: string): string {
  return createHmac("sha256", secret).update(`audio-url:${hash}`).digest("hex").slice(0, 32);
}

export interface CleanupLimits {
  maxBytes: number;
  maxAgeMs: number;
}

export interface CleanupReport {
  removed: number;
  removedBytes: number;
  kept: number;
  keptBytes: number;
}

/**
 * Content-addressed store of `.sln` files. A file appears under its playable name only complete
 * (writeAtomically: temp dot-file, sync, rename). Concurrent requests for the same key
 * share one synthesis. "Last used" is the file's mtime, refreshed on reads, so cleanup can drop
 * what nobody asked for in TTS_CACHE_MAX_AGE_DAYS and then the least recently used beyond
 * TTS_CACHE_MAX_MB.
 */
export class AudioCache {
  private readonly inFlight = new Map<string, { work: Promise<string>; counted: boolean; found?: boolean }>();
  /** Entries whose sidecar this process has seen or written (no disk read on every hit). */
  private readonly withText = new Set<string>();
  /** hash → when its file was last seen present (see SEEN_FOR_MS). */
  private readonly seen = new Map<string, number>();

  private secret: Buffer | undefined;

  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
    /** The key of its names (TTS_CACHE_KEY); default the cache's own `.cache-key`, read when first needed. */
    secret?: Buffer,
  ) {
    this.secret = secret;
  }

  /** The file name (without `.sln`) of `text` said by `engine` with `voiceKey`: keyed, see cacheKey. */
  name(engine: string, voiceKey: string, text: string): string {
    this.secret ??= resolveCacheSecret(this.dir);
    return cacheKey(engine, voiceKey, text, this.secret);
  }

  /** Absolute path of a cached file, with extension. */
  path(hash: string): string {
    return join(this.dir, `${this.checked(hash)}.sln`);
  }

  /** The cached file's path if present (and marks it used), else null. */
  async lookup(hash: string): Promise<string | null> {
    const path = this.path(hash);
    const now = this.now();
    const seenAt = this.seen.get(hash);
    if (seenAt !== undefined && now - seenAt < SEEN_FOR_MS) return path;
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        this.seen.delete(hash);
        return null;
      }
      throw err;
    }
    if (now - info.mtimeMs > TOUCH_EVERY_MS) await utimes(path, now / 1000, now / 1000);
    this.remember(hash, now);
    return path;
  }

  /**
   * The path when this process saw the file (and its text sidecar) within SEEN_FOR_MS, counted as
   * a cache hit; else null, and `obtain` answers. No promise, no timer: a menu's options played on
   * every call are all such hits (issue 16).
   */
  fresh(hash: string): string | null {
    const seenAt = this.seen.get(hash);
    if (seenAt === undefined || this.now() - seenAt >= SEEN_FOR_MS || !this.withText.has(hash)) return null;
    ttsCacheLookup(true);
    return this.path(hash);
  }

  private remember(hash: string, at: number): void {
    if (this.seen.size >= SEEN_MAX) this.seen.clear();
    this.seen.set(hash, at);
  }

  /** Removes an entry's audio (and forgets having seen it); false when it was already gone. */
  private async removeEntry(path: string): Promise<boolean> {
    this.seen.delete(basename(path, ".sln"));
    return removeFile(path);
  }

  /** Absolute path of a cached file's text sidecar. */
  textPath(hash: string): string {
    return join(this.dir, `${this.checked(hash)}${TEXT_SUFFIX}`);
  }

  private checked(hash: string): string {
    if (!CACHE_NAME.test(hash)) throw new Error(`not a cache key: ${JSON.stringify(hash)}`);
    return hash;
  }

  /**
   * The file for `hash`, produced at most once however many callers ask at the same time. A
   * failed production is not remembered: the next request tries again. `text` is what it says,
   * kept beside it (and added to an entry cached before sidecars existed). `counted: false` (a
   * prewarm, which no caller waits for) leaves the hit and miss counters alone: they say what
   * calls found. A call that joins such a synthesis is counted, once.
   */
  obtain(hash: string, produce: () => Promise<Buffer>, text?: string, options: { counted?: boolean } = {}): Promise<string> {
    const pending = this.inFlight.get(hash);
    if (pending) {
      if (options.counted !== false && !pending.counted) {
        pending.counted = true;
        if (pending.found !== undefined) ttsCacheLookup(pending.found);
      }
      return pending.work;
    }
    const entry: { counted: boolean; found?: boolean } = { counted: options.counted !== false };
    const work = (async () => {
      const found = await this.lookup(hash);
      entry.found = found !== null;
      if (entry.counted) ttsCacheLookup(entry.found);
      if (found) {
        if (text !== undefined && !this.withText.has(hash)) {
          // Best effort: a missing sidecar must never cost the caller the audio that is there.
          this.withText.add(hash);
          await this.addText(hash, text).catch(() => undefined);
        }
        return found;
      }
      return this.put(hash, await produce(), text);
    })();
    this.inFlight.set(hash, Object.assign(entry, { work }));
    const forget = () => {
      if (this.inFlight.get(hash)?.work === work) this.inFlight.delete(hash);
    };
    work.then(forget, forget);
    return work;
  }

  private async addText(hash: string, text: string): Promise<void> {
    if ((await readCachedText(this.dir, hash)) === null) await writeAtomically(this.textPath(hash), Buffer.from(text), TEXT_MODE);
  }

  /** Writes `data` atomically under `<hash>.sln` (after `text`, if given, under `<hash>.txt`) and returns its path. */
  async put(hash: string, data: Uint8Array | AsyncIterable<Uint8Array>, text?: string): Promise<string> {
    const target = this.path(hash);
    if (text !== undefined) {
      await writeAtomically(this.textPath(hash), Buffer.from(text), TEXT_MODE);
      this.withText.add(hash);
    }
    await writeAtomically(target, data);
    this.remember(hash, this.now());
    return target;
  }

  /**
   * Removes entries unused for `maxAgeMs`, then the least recently used until the rest fits in
   * `maxBytes` (each with its text sidecar), temporary files left by a process that died
   * mid-write, and sidecars whose audio is gone.
   */
  async cleanup(limits: CleanupLimits): Promise<CleanupReport> {
    const report: CleanupReport = { removed: 0, removedBytes: 0, kept: 0, keptBytes: 0 };
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return report;
      throw err;
    }
    const now = this.now();
    const live: { path: string; size: number; used: number }[] = [];
    const present = new Set(names);
    const sidecarOf = (slnPath: string) => `${slnPath.slice(0, -4)}${TEXT_SUFFIX}`;
    for (const name of names) {
      const path = join(this.dir, name);
      const isTmp = name.startsWith(".") && name.endsWith(TMP_SUFFIX);
      const isEntry = name.endsWith(".sln") && CACHE_NAME.test(name.slice(0, -4));
      const isText = name.endsWith(TEXT_SUFFIX) && CACHE_NAME.test(name.slice(0, -TEXT_SUFFIX.length));
      if (isText) {
        // Its audio was removed (by us, or by an admin), or is still being written (young).
        if (present.has(`${name.slice(0, -TEXT_SUFFIX.length)}.sln`)) continue;
        const info = await stat(path).catch(() => null);
        if (info && now - info.mtimeMs > ORPHAN_TMP_MS) await removeFile(path);
        continue;
      }
      if (!isTmp && !isEntry) continue;
      const info = await stat(path).catch(() => null);
      if (!info) continue;
      const age = now - info.mtimeMs;
      if ((isTmp && age > ORPHAN_TMP_MS) || (isEntry && age > limits.maxAgeMs)) {
        if (await (isEntry ? this.removeEntry(path) : removeFile(path))) {
          report.removed++;
          report.removedBytes += info.size;
        }
        if (isEntry) await removeFile(sidecarOf(path));
      } else if (isEntry) {
        live.push({ path, size: info.size, used: info.mtimeMs });
      }
    }
    let total = live.reduce((sum, f) => sum + f.size, 0);
    live.sort((a, b) => a.used - b.used);
    for (const file of live) {
      if (total > limits.maxBytes && (await this.removeEntry(file.path))) {
        await removeFile(sidecarOf(file.path));
        total -= file.size;
        report.removed++;
        report.removedBytes += file.size;
      } else {
        report.kept++;
        report.keptBytes += file.size;
      }
    }
    return report;
  }
}

/**
 * The text a cached file says, from its sidecar in `dir`; null when there is none (an entry cached
 * before sidecars existed, or another host's cache). `ura call` reads it to print synthesised audio.
 */
export async function readCachedText(dir: string, hash: string): Promise<string | null> {
  if (!CACHE_NAME.test(hash)) return null;
  try {
    return await readFile(join(dir, `${hash}${TEXT_SUFFIX}`), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Deletes a file; false when another cleanup got there first. */
async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
