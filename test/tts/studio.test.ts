import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testSettings } from "../../src/config/index.js";
import { createSpeechSynthesizer, placeRecording, renderPrompts, sentenceRecordingName, TtsUnavailableError, type SpeechEngine } from "../../src/tts/index.js";
import { fromSln, SLN_RATE } from "../../src/tts/audio.js";
import { activeLevel, TARGET_LEVEL_DBOV } from "../../src/tts/level.js";

/** A 16-bit mono WAV at `rate`: `quietMs` of silence, a tone at about -35 dBov, silence again. */
function wav(rate: number, toneMs: number, quietMs: number): Buffer {
  const n = Math.round((rate * (toneMs + 2 * quietMs)) / 1000);
  const data = Buffer.alloc(n * 2);
  const from = Math.round((rate * quietMs) / 1000);
  const to = from + Math.round((rate * toneMs) / 1000);
  for (let i = from; i < to; i++) data.writeInt16LE(Math.round(800 * Math.sin((2 * Math.PI * 300 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

describe("studio recordings, at the one level", () => {
  let dir: string;
  let sounds: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-studio-"));
    sounds = join(dir, "sounds", "pt-BR");
    await import("node:fs/promises").then((fs) => fs.mkdir(sounds, { recursive: true }));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("a catalogue sentence's recording replaces its synthesis (even with TTS off) until the sentence changes", async () => {
    const file = join(dir, "gravacao.wav");
    await writeFile(file, wav(44_100, 1500, 600));
    const placed = await placeRecording(file, { sentence: "Para  impressoras, tecle 3." }, sounds);
    expect(placed.name).toBe(sentenceRecordingName("Para impressoras, tecle 3."));
    // Resampled to 8 kHz, trimmed (40 ms before, 80 ms after the voice) and levelled.
    expect(placed.seconds).toBeGreaterThan(1.5);
    expect(placed.seconds).toBeLessThan(1.7);
    const audio = fromSln(await readFile(join(sounds, `${placed.name}.sln`)));
    expect(audio.length / SLN_RATE).toBeCloseTo(placed.seconds, 3);
    expect(activeLevel(audio)).toBeCloseTo(TARGET_LEVEL_DBOV, 0);

    const tts = createSpeechSynthesizer(testSettings({ TTS_ENGINE: "none", SOUNDS_DIR: join(dir, "sounds"), DATA_DIR: dir }));
    expect(await tts.synthesize("Para impressoras, tecle 3.")).toBe(join(sounds, placed.name));
    // An admin changed the sentence: the recording no longer says it, so it is not played.
    await expect(tts.synthesize("Para impressoras e scanners, tecle 3.")).rejects.toBeInstanceOf(TtsUnavailableError);
  });

  it("a prompt's recording is levelled, and ura sounds render keeps it as a studio recording", async () => {
    const engine: SpeechEngine = { name: "espeak", voiceKey: "fake", render: async () => Buffer.alloc(1600, 1) };
    const texts = new Map([["greeting", "Olá!"]]);
    await renderPrompts({ texts, outDir: sounds, engine });
    const file = join(dir, "ola.sln");
    await writeFile(file, Buffer.from(wav(8000, 800, 100).subarray(44)));
    const placed = await placeRecording(file, "greeting", sounds);
    expect(activeLevel(fromSln(await readFile(join(sounds, "greeting.sln"))))).toBeCloseTo(TARGET_LEVEL_DBOV, 0);
    expect(placed.peakDbov).toBeLessThanOrEqual(-1);
    const report = await renderPrompts({ texts, outDir: sounds, engine, force: true });
    expect(report.recordings).toEqual([{ id: "greeting", textChanged: false }]);
  });
});
