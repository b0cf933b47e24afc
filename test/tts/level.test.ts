import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromSln, SLN_RATE, toSln } from "../../src/tts/audio.js";
import { activeLevel, finishAudio, LEAD_MS, normaliseLevel, PEAK_LIMIT_DBOV, peakLevel, TAIL_MS, TARGET_LEVEL_DBOV, trimSilence } from "../../src/tts/level.js";
import { PAUSE } from "../../src/tts/render.js";
import { readPromptTexts } from "../../src/tts/index.js";
import { formatProtocol } from "../../src/domain/index.js";
import { protocolPrompts } from "../../src/ivr/numbers.js";

/** `ms` of a tone at `dbov` (RMS), as 8 kHz samples. */
function tone(ms: number, dbov: number, hz = 440): Int16Array {
  const n = Math.round((ms * SLN_RATE) / 1000);
  const amplitude = 32768 * 10 ** (dbov / 20) * Math.SQRT2;
  return Int16Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / SLN_RATE)));
}
const concat = (...parts: Int16Array[]) => {
  const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const quiet = (ms: number) => new Int16Array(Math.round((ms * SLN_RATE) / 1000));

describe("one loudness level", () => {
  it("measures the active level of speech, not of the silence around it", () => {
    expect(activeLevel(tone(500, -30))).toBeCloseTo(-30, 0);
    // The same tone with a second of silence on each side has the same active level.
    expect(activeLevel(concat(quiet(1000), tone(500, -30), quiet(1000)))).toBeCloseTo(-30, 0);
    expect(activeLevel(quiet(500))).toBeNull();
  });

  it("brings quiet and loud audio to the target level", () => {
    for (const level of [-40, -30, -12]) {
      const out = normaliseLevel(concat(quiet(200), tone(800, level), quiet(200)));
      expect(activeLevel(out)!, `from ${level} dBov`).toBeCloseTo(TARGET_LEVEL_DBOV, 0);
    }
  });

  it("limits peaks instead of clipping: a click far above the speech never exceeds the peak limit", () => {
    const speech = tone(3000, -40);
    speech[800] = 32000; // a click 40 dB above the speech
    const out = normaliseLevel(speech);
    expect(peakLevel(out)).toBeLessThanOrEqual(PEAK_LIMIT_DBOV + 0.01);
    // Only the ~0.2 s around the click is turned down: the rest is near the target (the click's
    // own energy counts in the measured level, so the gain came out ~1.5 dB short).
    expect(Math.abs(activeLevel(out.slice(SLN_RATE / 2))! - TARGET_LEVEL_DBOV)).toBeLessThan(2);
  });

  it("trims the silence around speech, keeping a short lead and tail", () => {
    const trimmed = trimSilence(concat(quiet(700), tone(300, -25), quiet(900)));
    const ms = (trimmed.length / SLN_RATE) * 1000;
    expect(ms).toBeGreaterThanOrEqual(300 + LEAD_MS + TAIL_MS - 10);
    expect(ms).toBeLessThanOrEqual(300 + LEAD_MS + TAIL_MS + 20);
  });

  it("finishAudio leaves silence silent", () => {
    expect(finishAudio(toSln(quiet(100)))).toHaveLength(1600);
  });
});

describe("the committed prompt set", () => {
  const dir = "sounds/pt-BR";
  const texts = readPromptTexts("sounds");
  const samples = (id: string) => fromSln(readFileSync(join(dir, `${id}.sln`)));

  it(`is at one level: every spoken prompt at ${TARGET_LEVEL_DBOV} dBov (±1 dB), peaks at most ${PEAK_LIMIT_DBOV} dBov`, () => {
    const off: string[] = [];
    for (const [id, text] of texts) {
      if (PAUSE.test(text)) continue;
      const s = samples(id);
      const level = activeLevel(s);
      if (level === null || Math.abs(level - TARGET_LEVEL_DBOV) > 1 || peakLevel(s) > PEAK_LIMIT_DBOV + 0.01) off.push(`${id}: ${level?.toFixed(1)} dBov, peak ${peakLevel(s).toFixed(1)}`);
    }
    expect(off).toEqual([]);
  });

  it("has no stray files: every .sln is a prompt of the texts", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".sln")).map((f) => f.slice(0, -4));
    expect(files.filter((id) => !texts.has(id))).toEqual([]);
  });

  it("reads a protocol in at most 4 s, up to the 99,999th ticket of a site (7 digits)", () => {
    const seconds = (ids: string[]) => ids.reduce((a, id) => a + samples(id).length, 0) / SLN_RATE;
    const worst = Math.max(...["8", "88"].flatMap((site) => [1, 9999, 10_000, 99_999].map((n) => seconds(protocolPrompts(formatProtocol(site, n))))));
    expect(worst).toBeLessThanOrEqual(4);
  });
});
