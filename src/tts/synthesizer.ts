import { join } from "node:path";
import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import { AudioCache, type CleanupReport } from "./cache.js";
import { withDeadline, type DeadlineScope } from "../shared/deadline.js";
import { ttsFailure } from "./failure.js";
import { finishAudio } from "./level.js";
import { SentenceRecordings } from "./sentences.js";
import type { SpeechEngine } from "./engines/engine.js";
import { createEspeakEngine } from "./engines/espeak.js";
import { createPollyEngine } from "./engines/polly.js";
import { audioDirs, audioLocatorFromSettings, ttsCacheSecret } from "./locator.js";
import { TtsUnavailableError, type AudioLocator, type SpeechSynthesizer } from "./types.js";

export type EngineName = Settings["TTS_ENGINE"];

/** The engine the settings ask for (`--engine`/`--voice` on the command line override them); null for `none`. */
export function createEngine(settings: Settings, override: { engine?: EngineName; voice?: string } = {}): SpeechEngine | null {
  const engine = override.engine ?? settings.TTS_ENGINE;
  const voice = override.voice ?? settings.TTS_VOICE;
  switch (engine) {
    case "none":
      return null;
    case "espeak":
      return createEspeakEngine({ voice, wordsPerMinute: settings.TTS_ESPEAK_WPM });
    case "polly":
      return createPollyEngine({
        voice,
        engine: settings.POLLY_ENGINE,
        region: settings.POLLY_REGION,
        endpoint: settings.POLLY_ENDPOINT,
      });
  }
}

/**
 * What is said, as the cache sees it: Unicode NFC, control characters gone, runs of spaces as
 * one. "Maria  da Silva" and "Maria da Silva" are one cache entry, and no control character
 * reaches an engine (Polly would reject it as invalid SSML).
 */
export function normaliseText(text: string): string {
  return text
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export interface PrewarmReport {
  total: number;
  synthesised: number;
  cached: number;
  failed: { text: string; error: TtsUnavailableError }[];
}

/** SpeechSynthesizer plus what the application and `ura tts` do with it. */
export interface TtsService extends SpeechSynthesizer {
  ready(text: string): string | null;
  /** null when TTS_ENGINE=none. */
  readonly cache: AudioCache | null;
  /**
   * The local `.sln` file (8 kHz, 16-bit signed little-endian mono) that says `text`: its studio
   * recording, else the cache, synthesised on first use within TTS_TIMEOUT_MS. For the console's
   * "Ouvir" button, which plays a sentence as the IVR plays it.
   */
  localFile(text: string): Promise<string>;
  /** Synthesises each distinct text ahead of the calls that will need it (`ura tts prewarm`). */
  prewarm(texts: Iterable<string>, options?: { concurrency?: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal }): Promise<PrewarmReport>;
  /** Applies TTS_CACHE_MAX_AGE_DAYS and TTS_CACHE_MAX_MB once. */
  cleanup(): Promise<CleanupReport>;
  /** Cleans up now and then every `intervalMs` (default: hourly); returns the function that stops it. */
  startJanitor(intervalMs?: number): () => void;
  /** Rejects unless the engine works now (the TTS part's heartbeat); TtsUnavailableError when TTS_ENGINE=none. */
  check(signal?: AbortSignal): Promise<void>;
  /** Releases the engine's connections (call when the process stops). */
  close(): void;
}

export interface SynthesizerOptions {
  /** Default: from the settings. `null` = TTS off. */
  engine?: SpeechEngine | null;
  locator?: AudioLocator;
  cache?: AudioCache;
  /** Default TTS_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Studio recordings of sentences (default: SOUNDS_DIR/pt-BR/sentence-*.sln). */
  recordings?: SentenceRecordings;
  /** Per-text limit for prewarm, which no caller is waiting on. Default 30 s. */
  prewarmTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The IVR's text-to-speech: cache first, then the engine, every request bounded by
 * TTS_TIMEOUT_MS and the caller's AbortSignal. A synthesis shared by several callers runs on its
 * own deadline, so one caller hanging up does not cancel it for the others (and the audio is
 * still cached for the next call).
 */
export function createSpeechSynthesizer(settings: Settings, options: SynthesizerOptions = {}): TtsService {
  const engine = options.engine === undefined ? createEngine(settings) : options.engine;
  const locator = options.locator ?? audioLocatorFromSettings(settings);
  const timeoutMs = options.timeoutMs ?? settings.TTS_TIMEOUT_MS;
  const prewarmTimeoutMs = options.prewarmTimeoutMs ?? Math.max(timeoutMs, 30_000);
  const cache = engine ? (options.cache ?? new AudioCache(audioDirs(settings).tts, undefined, ttsCacheSecret(settings))) : null;
  const log = options.logger?.child({ part: "tts", engine: engine?.name ?? "none" });
  const recordings = options.recordings ?? new SentenceRecordings(audioDirs(settings).prompts);
  const limits = { maxBytes: settings.TTS_CACHE_MAX_MB * 1024 * 1024, maxAgeMs: settings.TTS_CACHE_MAX_AGE_DAYS * 86_400_000 };

  /** Text as given → its cache key: normalising and hashing cost more than the lookup (issue 16). */
  const keys = new Map<string, string>();
  const keyOf = (text: string, said: string): string => {
    let hash = keys.get(text);
    if (hash === undefined) {
      hash = cache!.name(engine!.name, engine!.voiceKey, said);
      if (keys.size >= 20_000) keys.clear();
      keys.set(text, hash);
    }
    return hash;
  };

  /** The cache file for `text`, synthesised within `limitMs` if it is not there yet; a prewarm's is not `counted` (AudioCache.obtain). */
  const obtain = (text: string, limitMs: number, counted = true) => {
    if (!engine || !cache) throw new TtsUnavailableError("text-to-speech is off (TTS_ENGINE=none)");
    const said = normaliseText(text);
    if (said === "") throw new TtsUnavailableError("nothing to say: the text is empty");
    const hash = keyOf(text, said);
    const render = () =>
      withDeadline(limitMs, async ({ signal }) => finishAudio(await engine.render(said, signal)), { dependency: "tts" }).catch((err: unknown) => {
        throw ttsFailure(`${engine.name} synthesis`, err);
      });
    const file = cache.obtain(hash, render, said, { counted });
    return { hash, file };
  };

  const cleanup = async (): Promise<CleanupReport> => {
    if (!cache) return { removed: 0, removedBytes: 0, kept: 0, keptBytes: 0 };
    const report = await cache.cleanup(limits);
    if (report.removed > 0) log?.info(report, "tts cache cleaned");
    return report;
  };

  const janitors = new Set<NodeJS.Timeout>();

  /**
   * Heard on a call a moment ago, with no studio recording of it then: the file is there, no hash,
   * no lookup on disk, no deadline (a menu's options are asked for on every call).
   */
  const ready = (text: string): string | null => {
    if (recordings.remembered(text) !== null) return null;
    const known = keys.get(text);
    return known !== undefined && cache?.fresh(known) ? locator.reference("tts", known) : null;
  };

  return {
    engine: engine?.name ?? "none",
    cache,

    ready,

    async synthesize(text, opts = {}) {
      const known = ready(text);
      if (known !== null) return known;
      // A studio recording of this very sentence wins over any engine (even TTS_ENGINE=none).
      const recorded = await recordings.find(text);
      if (recorded) return locator.reference("prompts", recorded);
      // Off by configuration: not worth a warning on every call.
      if (!engine) throw new TtsUnavailableError("text-to-speech is off (TTS_ENGINE=none)");
      const started = Date.now();
      try {
        const { hash, file } = obtain(text, timeoutMs);
        await withDeadline(timeoutMs, () => file, { signal: opts.signal });
        log?.debug({ hash, ms: Date.now() - started }, "tts ready");
        return locator.reference("tts", hash);
      } catch (err) {
        const error = ttsFailure("speech synthesis", err);
        log?.warn({ err: error, ms: Date.now() - started }, "tts unavailable");
        throw error;
      }
    },

    async localFile(text) {
      const recorded = await recordings.find(text);
      if (recorded) return join(audioDirs(settings).prompts, `${recorded}.sln`);
      const { file } = obtain(text, timeoutMs);
      return withDeadline(timeoutMs, () => file);
    },

    async check(signal) {
      if (!engine) throw new TtsUnavailableError("text-to-speech is off (TTS_ENGINE=none)");
      const probe = ({ signal: s }: DeadlineScope) => (engine.check ? engine.check(s) : engine.render("ok", s).then(() => undefined));
      await withDeadline(timeoutMs, probe, { signal, dependency: "tts" });
    },

    async prewarm(texts, opts = {}) {
      const distinct = [...new Set([...texts].map(normaliseText).filter((t) => t !== ""))];
      const report: PrewarmReport = { total: distinct.length, synthesised: 0, cached: 0, failed: [] };
      if (!engine || !cache) {
        if (distinct.length > 0) throw new TtsUnavailableError("text-to-speech is off (TTS_ENGINE=none): nothing to prewarm");
        return report;
      }
      let next = 0;
      let done = 0;
      const worker = async () => {
        // Aborted (the process stops): the syntheses under way end within their limit, no more start.
        while (next < distinct.length && !opts.signal?.aborted) {
          const text = distinct[next++]!;
          const hash = cache.name(engine.name, engine.voiceKey, text);
          try {
            if (await cache.lookup(hash)) report.cached++;
            else {
              await obtain(text, prewarmTimeoutMs, false).file; // its synthesis already runs within the limit
              report.synthesised++;
            }
          } catch (err) {
            report.failed.push({ text, error: ttsFailure("prewarm", err) });
          }
          opts.onProgress?.(++done, distinct.length);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
      return report;
    },

    cleanup,

    startJanitor(intervalMs = 3600_000) {
      const run = () => {
        cleanup().catch((err: unknown) => log?.error({ err }, "tts cache cleanup failed"));
      };
      run();
      const timer = setInterval(run, intervalMs);
      timer.unref();
      janitors.add(timer);
      return () => {
        clearInterval(timer);
        janitors.delete(timer);
      };
    },

    /** Stops the janitor too: one call ends everything the service started. */
    close() {
      for (const timer of janitors) clearInterval(timer);
      janitors.clear();
      engine?.close?.();
    },
  };
}
