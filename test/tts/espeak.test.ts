import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testSettings } from "../../src/config/index.js";
import { fromSln, parseWav } from "../../src/tts/audio.js";
import { createEspeakEngine, createSpeechSynthesizer, TtsUnavailableError } from "../../src/tts/index.js";
import { activeLevel, TARGET_LEVEL_DBOV } from "../../src/tts/level.js";

// The real binary runs here: `.ci/run` installs the Debian package espeak-ng when it is absent.
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ura-espeak-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

describe("espeak-ng engine (the real binary)", () => {
  it("says a name at 190 words a minute as 8 kHz mono 16-bit .sln lasting as long as espeak-ng's own recording, cached trimmed and at the one level", async () => {
    const engineSeconds = (await createEspeakEngine().render("Maria Aparecida da Silva", AbortSignal.timeout(10_000))).length / 16_000;
    // The same text straight from espeak-ng at the default rate: if the .sln were not 8 kHz, or
    // spoken at another rate, it would last longer or shorter.
    const wav = parseWav(execFileSync("espeak-ng", ["--stdout", "-v", "pt-br", "-s", "190", "Maria Aparecida da Silva"]));
    expect(wav.sampleRate).toBe(22050);
    expect(engineSeconds).toBeCloseTo(wav.samples.length / wav.sampleRate, 2);

    const tts = createSpeechSynthesizer(testSettings({ TTS_ENGINE: "espeak", TTS_CACHE_DIR: dir }));
    const reference = await tts.synthesize("Maria Aparecida da Silva");
    const bytes = await readFile(`${reference}.sln`);
    expect(bytes.length % 2).toBe(0);
    const seconds = bytes.length / 16_000;
    expect(seconds).toBeGreaterThan(0.3);
    // The silence espeak-ng puts around speech is cut (a short lead and tail stay).
    expect(seconds).toBeLessThan(engineSeconds);
    expect(seconds).toBeGreaterThan(engineSeconds - 1);
    expect(rms(fromSln(bytes))).toBeGreaterThan(300); // speech, not silence
    expect(activeLevel(fromSln(bytes))).toBeCloseTo(TARGET_LEVEL_DBOV, 0);
  });

  it("takes a text starting with a dash as text, not as an option", async () => {
    // Were it passed as an argument, espeak-ng would print its version instead of speaking.
    const audio = await createEspeakEngine().render("--version", AbortSignal.timeout(5000));
    expect(audio.length / 16_000).toBeGreaterThan(0.3);
  });

  it("reports a voice espeak-ng does not have as TtsUnavailableError with espeak-ng's message", async () => {
    const tts = createSpeechSynthesizer(testSettings({ TTS_ENGINE: "espeak", TTS_VOICE: "Camila", TTS_CACHE_DIR: dir }));
    const error = await tts.synthesize("Maria").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TtsUnavailableError);
    expect((error as Error).message).toMatch(/voice does not exist/);
  });

  it("reports a missing binary as TtsUnavailableError naming the package", async () => {
    const engine = createEspeakEngine({ binary: join(dir, "no-such-espeak-ng") });
    const tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine });
    await expect(tts.synthesize("Maria")).rejects.toThrow(/install the Debian package espeak-ng/);
  });
});
