import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, testSettings } from "../../src/config/index.js";
import { AudioCache, audioSignature, cacheKey, sentenceRecordingName, SentenceRecordings, createAudioLocator, resolveCacheSecret, createSpeechSynthesizer, TtsUnavailableError, type SpeechEngine } from "../../src/tts/index.js";
import { renderMetrics } from "../../src/shared/metrics.js";
import { tone } from "../support/fake-polly.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ura-tts-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function slowEngine(delayMs: number): SpeechEngine & { calls: number } {
  return {
    name: "espeak",
    voiceKey: "slow",
    calls: 0,
    async render(_text, signal) {
      this.calls++;
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, delayMs);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
      return tone(0.4);
    },
  };
}

describe("speech synthesizer", () => {
  it("gives up after TTS_TIMEOUT_MS with TtsUnavailableError, and caches nothing", async () => {
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir, TTS_TIMEOUT_MS: "200" }), { engine: slowEngine(5000) });
    // The engine would answer after 5 s: without the limit the synthesis succeeds, and this fails.
    const error = await tts.synthesize("Maria").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TtsUnavailableError);
    expect((await readdir(dir).catch(() => [])).filter((n) => n.endsWith(".sln"))).toEqual([]);
  });

  it("a caller who hangs up stops waiting, but the synthesis goes on for the others and is cached", async () => {
    const engine = slowEngine(300);
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine });
    const hungUp = new AbortController();
    const first = tts.synthesize("Maria", { signal: hungUp.signal });
    const second = tts.synthesize("Maria");
    setTimeout(() => hungUp.abort(new Error("hang-up")), 50);
    await expect(first).rejects.toBeInstanceOf(TtsUnavailableError);
    await expect(second).resolves.toBe(join(dir, cacheKey("espeak", "slow", "Maria", resolveCacheSecret(dir))));
    expect(engine.calls).toBe(1);
  });

  it("an already aborted signal fails at once", async () => {
    const engine = slowEngine(10);
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine });
    await expect(tts.synthesize("Maria", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(TtsUnavailableError);
    // The synthesis still runs for the next caller (as when one hangs up): its file is written
    // after the rejection, and removing the cache folder under it failed with ENOTEMPTY.
    expect(await tts.synthesize("Maria")).toBe(join(dir, cacheKey("espeak", "slow", "Maria", resolveCacheSecret(dir))));
    expect(engine.calls).toBe(1);
  });

  it("refuses an empty text instead of caching silence", async () => {
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine: slowEngine(1) });
    await expect(tts.synthesize(" \u0000\n ")).rejects.toThrow(/empty/);
  });

  it("hands Asterisk a URL when AUDIO_MODE=http", async () => {
    const settings = testSettings({ TTS_CACHE_DIR: dir, AUDIO_MODE: "http", AUDIO_HTTP_BASE_URL: "http://ivr.example:8080/audio/" });
    const tts = createSpeechSynthesizer(settings, { engine: slowEngine(1) });
    // Named with the cache's key, signed with it too: the PBX sends no token (issue 14 item 11).
    const secret = resolveCacheSecret(dir);
    const hash = cacheKey("espeak", "slow", "Maria", secret);
    expect(await tts.synthesize("Maria")).toBe(`http://ivr.example:8080/audio/tts/${audioSignature(secret, hash)}/${hash}.sln`);
  });

  it("a text heard a moment ago is answered from memory, counted as a cache hit, without a hash or a look on disk; a removed file is synthesised again", async () => {
    const engine = slowEngine(1);
    // Counts what the memory answer must skip: the cache's lookups and the studio recordings' (each a sha256 and a stat).
    const looked = { cache: 0, recordings: 0 };
    const cache = new (class extends AudioCache {
      override obtain(...args: Parameters<AudioCache["obtain"]>) {
        looked.cache++;
        return super.obtain(...args);
      }
    })(dir);
    const recordings = new (class extends SentenceRecordings {
      override find(text: string) {
        looked.recordings++;
        return super.find(text);
      }
    })(join(dir, "prompts"));
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine, cache, recordings });
    const hits = async () => Number(/^ura_tts_cache_hits_total(?:\{[^}]*\})? (\d+)/m.exec(await renderMetrics())?.[1] ?? 0);
    expect(tts.ready("Maria da Silva")).toBeNull();
    const file = await tts.synthesize("Maria da Silva");
    expect(looked).toEqual({ cache: 1, recordings: 1 });
    const before = await hits();
    // The same answer without a promise, for the flow to skip its deadline (Call.speak).
    expect(tts.ready("Maria da Silva")).toBe(file);
    for (let i = 0; i < 2; i++) expect(await tts.synthesize("Maria da Silva")).toBe(file);
    expect(await hits()).toBe(before + 3);
    expect(looked).toEqual({ cache: 1, recordings: 1 });
    expect(engine.calls).toBe(1);
    // Cleanup with no room removes it (and forgets having seen it): the next call synthesises again.
    await tts.cache!.cleanup({ maxBytes: 0, maxAgeMs: 86_400_000 });
    expect(tts.ready("Maria da Silva")).toBeNull();
    expect(await tts.synthesize("Maria da Silva")).toBe(file);
    expect(engine.calls).toBe(2);
  });

  it("a studio recording placed after a text was synthesised is played instead once the remembered answer expires", async () => {
    let now = Date.parse("2026-12-01T10:00:00Z");
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const prompts = join(dir, "prompts");
      await mkdir(prompts, { recursive: true });
      const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine: slowEngine(1), recordings: new SentenceRecordings(prompts) });
      const synthesised = await tts.synthesize("Para impressoras, tecle 3.");
      await writeFile(join(prompts, `${sentenceRecordingName("Para impressoras, tecle 3.")}.sln`), tone(0.4));
      expect(await tts.synthesize("Para impressoras, tecle 3.")).toBe(synthesised);
      now += 10_001;
      const recorded = await tts.synthesize("Para impressoras, tecle 3.");
      expect(recorded).not.toBe(synthesised);
      expect(recorded.endsWith(`/${sentenceRecordingName("Para impressoras, tecle 3.")}`)).toBe(true);
    } finally {
      Date.now = realNow;
    }
  });

  it("prewarm synthesises each distinct name once and reports what was already cached", async () => {
    const engine = slowEngine(5);
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine });
    await tts.synthesize("Ana");
    const progress: number[] = [];
    const report = await tts.prewarm(["Ana", "Bia", "Bia ", "Caio", ""], { onProgress: (done) => progress.push(done) });
    expect(report).toMatchObject({ total: 3, synthesised: 2, cached: 1, failed: [] });
    expect(engine.calls).toBe(3);
    expect(progress).toEqual([1, 2, 3]);
  });
});

describe("audio locator", () => {
  const dirs = { tts: "/var/lib/ura/tts", prompts: "/opt/ura/sounds/pt-BR" };

  it("path mode: our absolute path without extension", () => {
    const locator = createAudioLocator({ mode: "path", dirs });
    expect(locator.reference("tts", "ab12")).toBe("/var/lib/ura/tts/ab12");
    expect(locator.reference("prompts", "greeting")).toBe("/opt/ura/sounds/pt-BR/greeting");
  });

  it("path mode with AUDIO_PBX_PATH: the directory as the PBX mounts it", () => {
    const locator = createAudioLocator({ mode: "path", dirs, pbxPath: "/var/lib/asterisk/sounds/ura/" });
    expect(locator.reference("tts", "ab12")).toBe("/var/lib/asterisk/sounds/ura/tts/ab12");
    expect(locator.reference("prompts", "greeting")).toBe("/var/lib/asterisk/sounds/ura/prompts/greeting");
    expect(() => createAudioLocator({ mode: "path", dirs, pbxPath: "sounds/ura" })).toThrow(/AUDIO_PBX_PATH/);
  });

  it("http mode: a URL ending in .sln with no query string, or a start-up error naming the setting", () => {
    const locator = createAudioLocator({ mode: "http", dirs, httpBaseUrl: "http://10.0.0.5:8080/audio" });
    expect(locator.reference("prompts", "greeting")).toBe("http://10.0.0.5:8080/audio/prompts/greeting.sln");
    expect(() => createAudioLocator({ mode: "http", dirs })).toThrow(ConfigError);
    expect(() => createAudioLocator({ mode: "http", dirs, httpBaseUrl: "" })).toThrow(/AUDIO_HTTP_BASE_URL: required/);
    expect(() => createAudioLocator({ mode: "http", dirs, httpBaseUrl: "http://h/audio?x=1" })).toThrow(/query string/);
    expect(() => createAudioLocator({ mode: "http", dirs, httpBaseUrl: "ftp://h/audio" })).toThrow(/http/);
  });
});
