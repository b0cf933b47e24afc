import { finishAudio } from "../../src/tts/level.js";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testSettings } from "../../src/config/index.js";
import { AudioCache, CACHE_KEY_FILE, cacheKey, createSpeechSynthesizer, readCachedText, type SpeechEngine } from "../../src/tts/index.js";
import { tone } from "../support/fake-polly.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ura-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An engine that counts its syntheses and takes `delayMs` for each. */
function countingEngine(delayMs = 50): SpeechEngine & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: "espeak",
    voiceKey: "counting",
    calls,
    async render(text) {
      calls.push(text);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return tone(0.5);
    },
  };
}

const DAY = 86_400_000;

describe("audio cache", () => {
  it("100 concurrent requests for the same new text make exactly one synthesis", async () => {
    const engine = countingEngine();
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine });
    const references = await Promise.all(Array.from({ length: 100 }, () => tts.synthesize("Maria Aparecida")));
    expect(engine.calls).toEqual(["Maria Aparecida"]);
    expect(new Set(references).size).toBe(1);
    // What the engine said, brought to the one telephone level (src/tts/level.ts).
    expect((await readFile(`${references[0]}.sln`)).equals(finishAudio(tone(0.5)))).toBe(true);
    // Later requests are served from disk, and spelling variants of the same text share the entry.
    expect(await tts.synthesize("  Maria   Aparecida ")).toBe(references[0]);
    expect(engine.calls).toHaveLength(1);
  });

  it("keys entries by engine, voice and text", () => {
    const base = cacheKey("espeak", "pt-br@150wpm", "Maria");
    expect(cacheKey("espeak", "pt-br@150wpm", "Maria")).toBe(base);
    expect(cacheKey("polly", "pt-br@150wpm", "Maria")).not.toBe(base);
    expect(cacheKey("espeak", "pt-br+f3@150wpm", "Maria")).not.toBe(base);
    expect(cacheKey("espeak", "pt-br@150wpm", "Mario")).not.toBe(base);
    // The TTS cache's names are keyed (issue 14 item 11): another key, another name.
    const keyed = cacheKey("espeak", "pt-br@150wpm", "Maria", Buffer.from("k".repeat(32)));
    expect(keyed).not.toBe(base);
    expect(cacheKey("espeak", "pt-br@150wpm", "Maria", Buffer.from("j".repeat(32)))).not.toBe(keyed);
  });

  it("does not remember a failure: the next request synthesises again", async () => {
    let fail = true;
    const engine: SpeechEngine = {
      name: "espeak",
      voiceKey: "flaky",
      async render() {
        if (fail) throw new Error("engine down");
        return tone(0.3);
      },
    };
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine });
    await expect(tts.synthesize("Maria")).rejects.toThrow(/engine down/);
    expect((await readdir(dir).catch(() => [])).filter((n) => n !== CACHE_KEY_FILE)).toEqual([]);
    fail = false;
    await expect(tts.synthesize("Maria")).resolves.toMatch(/[0-9a-f]{64}$/);
  });

  it("a process killed mid-write leaves no file under a playable name, and cleanup removes its leftovers", async () => {
    const hash = cacheKey("espeak", "crash", "Maria");
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "crash-writer.fixture.ts"), dir, hash], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("half-written") && resolve());
      child.on("exit", (code) => reject(new Error(`writer exited early (${code})`)));
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));

    const names = await readdir(dir);
    expect(names).not.toContain(`${hash}.sln`);
    const leftovers = names.filter((n) => n.endsWith(".tmp"));
    expect(leftovers).toHaveLength(1); // the write really was under way
    expect(leftovers[0]!.startsWith(".")).toBe(true); // a dot-file: no name Asterisk would open
    expect((await stat(join(dir, leftovers[0]!))).size).toBe(64_000);

    const cache = new AudioCache(dir);
    expect(await cache.lookup(hash)).toBeNull();
    // A fresh temporary file may belong to a live writer: kept. An old one is an orphan: removed.
    await cache.cleanup({ maxBytes: 1e9, maxAgeMs: DAY });
    expect(await readdir(dir)).toEqual(leftovers);
    await new AudioCache(dir, () => Date.now() + 11 * 60_000).cleanup({ maxBytes: 1e9, maxAgeMs: DAY });
    expect(await readdir(dir)).toEqual([]);
  });

  it("cleanup removes entries unused for the age limit, then the least recently used beyond the size limit", async () => {
    const now = Date.now();
    const cache = new AudioCache(dir, () => now);
    const entry = async (name: string, kb: number, usedDaysAgo: number) => {
      const hash = cacheKey("espeak", "v", name);
      const path = await cache.put(hash, Buffer.alloc(kb * 1024));
      const when = (now - usedDaysAgo * DAY) / 1000;
      await utimes(path, when, when);
      return `${hash}.sln`;
    };
    await entry("stale", 10, 100);
    await entry("old", 10, 30);
    const recent = await entry("recent", 10, 2);
    const fresh = await entry("fresh", 10, 0);
    await writeFile(join(dir, "README"), "not ours: never touched");

    const report = await cache.cleanup({ maxBytes: 25 * 1024, maxAgeMs: 90 * DAY });
    expect(report).toMatchObject({ removed: 2, kept: 2, keptBytes: 20 * 1024 });
    expect((await readdir(dir)).sort()).toEqual([fresh, recent, "README"].sort());
  });

  it("a cache hit counts as a use, so a name said every day is never cleaned up for age", async () => {
    const now = Date.now();
    const hash = cacheKey("espeak", "v", "Maria");
    const path = await new AudioCache(dir).put(hash, tone(0.2));
    const longAgo = (now - 80 * DAY) / 1000;
    await utimes(path, longAgo, longAgo);
    const later = new AudioCache(dir, () => now + 20 * DAY);
    expect(await later.lookup(hash)).toBe(path);
    await later.cleanup({ maxBytes: 1e9, maxAgeMs: 90 * DAY });
    expect(await later.lookup(hash)).toBe(path);
  });

  it("a file cleanup removed is a miss at once, though it was just looked up", async () => {
    const now = Date.now();
    const cache = new AudioCache(dir, () => now);
    const hash = cacheKey("espeak", "v", "Maria");
    const path = await cache.put(hash, tone(0.2));
    const longAgo = (now - 100 * DAY) / 1000;
    await utimes(path, longAgo, longAgo);
    expect(await cache.lookup(hash)).toBe(path);
    await utimes(path, longAgo, longAgo);
    await cache.cleanup({ maxBytes: 1e9, maxAgeMs: 90 * DAY });
    expect(await cache.lookup(hash)).toBeNull();
  });

  it("a file another process removed is a miss within seconds", async () => {
    let now = Date.now();
    const cache = new AudioCache(dir, () => now);
    const hash = cacheKey("espeak", "v", "Maria");
    const path = await cache.put(hash, tone(0.2));
    expect(await cache.lookup(hash)).toBe(path);
    await rm(path);
    now += 11_000;
    expect(await cache.lookup(hash)).toBeNull();
  });

  it("TTS_ENGINE=none makes nothing and says why", async () => {
    const tts = createSpeechSynthesizer(testSettings({ TTS_ENGINE: "none", TTS_CACHE_DIR: dir }));
    expect(tts.engine).toBe("none");
    await expect(tts.synthesize("Maria")).rejects.toThrow(/TTS_ENGINE=none/);
  });
});

describe("the text sidecar (<hash>.txt)", () => {
  it("a synthesis leaves the normalised text beside its audio, written atomically, and the cache reads it back", async () => {
    const engine = countingEngine(5);
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine });
    const reference = await tts.synthesize("  Para   sistemas, tecle 1. ");
    const hash = reference.split("/").pop()!;
    expect(await readFile(join(dir, `${hash}.txt`), "utf8")).toBe("Para sistemas, tecle 1.");
    expect(await readCachedText(tts.cache!.dir, hash)).toBe("Para sistemas, tecle 1.");
    expect(await readCachedText(dir, hash)).toBe("Para sistemas, tecle 1.");
    expect((await readdir(dir)).filter((n) => n !== CACHE_KEY_FILE).sort()).toEqual([`${hash}.sln`, `${hash}.txt`].sort());
    expect(await readCachedText(dir, cacheKey("espeak", "counting", "never said"))).toBeNull();
    expect(await readCachedText(dir, "../etc/passwd")).toBeNull();
  });

  it("an entry cached before sidecars existed gets its text on the next hit, without a new synthesis", async () => {
    const cache = new AudioCache(dir);
    const hash = cache.name("espeak", "counting", "Maria Souza");
    await cache.put(hash, tone(0.2));
    expect(await readCachedText(cache.dir, hash)).toBeNull();
    const engine = countingEngine(5);
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine, cache: new AudioCache(dir) });
    await tts.synthesize("Maria Souza");
    expect(engine.calls).toEqual([]);
    expect(await readCachedText(cache.dir, hash)).toBe("Maria Souza");
  });

  it("cleanup removes each sidecar with its audio (age and size), and sidecars whose audio is gone once they are old", async () => {
    const now = Date.now();
    const cache = new AudioCache(dir, () => now);
    const entry = async (name: string, kb: number, usedDaysAgo: number) => {
      const hash = cacheKey("espeak", "v", name);
      const path = await cache.put(hash, Buffer.alloc(kb * 1024), name);
      const when = (now - usedDaysAgo * DAY) / 1000;
      await utimes(path, when, when);
      return hash;
    };
    await entry("stale", 10, 100);
    await entry("old", 10, 30);
    const recent = await entry("recent", 10, 2);
    const fresh = await entry("fresh", 10, 0);
    // A sidecar whose audio an admin deleted long ago, and one whose audio is being written now.
    const orphan = cacheKey("espeak", "v", "orphan");
    const writing = cacheKey("espeak", "v", "writing");
    await writeFile(join(dir, `${orphan}.txt`), "orphan");
    await utimes(join(dir, `${orphan}.txt`), (now - DAY) / 1000, (now - DAY) / 1000);
    await writeFile(join(dir, `${writing}.txt`), "writing");

    const report = await cache.cleanup({ maxBytes: 25 * 1024, maxAgeMs: 90 * DAY });
    expect(report).toMatchObject({ removed: 2, kept: 2, keptBytes: 20 * 1024 });
    expect((await readdir(dir)).sort()).toEqual([`${fresh}.sln`, `${fresh}.txt`, `${recent}.sln`, `${recent}.txt`, `${writing}.txt`].sort());
  });
});
