import { describe, expect, it } from "vitest";
import { fromSln, parseWav, resample, toSln, WavFormatError } from "../../src/tts/audio.js";

function sine(hz: number, rate: number, seconds: number, amplitude = 10_000): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

function rms(samples: Int16Array, skip = 0): number {
  let sum = 0;
  for (let i = skip; i < samples.length - skip; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / (samples.length - 2 * skip));
}

function zeroCrossings(samples: Int16Array): number {
  let n = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) n++;
  return n;
}

/** A WAV as espeak-ng --stdout writes it: sizes are placeholders because it cannot seek back. */
function streamedWav(samples: Int16Array, rate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(0x7ffff024, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(0x7ffff000, 40);
  return Buffer.concat([header, toSln(samples)]);
}

describe("audio conversion to .sln", () => {
  it("reads a streamed WAV whose sizes are placeholders, up to the end of the bytes", () => {
    const samples = sine(440, 22050, 0.25);
    const wav = parseWav(streamedWav(samples, 22050));
    expect(wav.sampleRate).toBe(22050);
    expect(wav.samples).toEqual(samples);
  });

  it("refuses what is not 16-bit PCM WAV", () => {
    expect(() => parseWav(Buffer.from("ID3 this is an mp3"))).toThrow(WavFormatError);
    const eightBit = streamedWav(sine(440, 8000, 0.01), 8000);
    eightBit.writeUInt16LE(8, 34);
    expect(() => parseWav(eightBit)).toThrow(/16-bit PCM/);
  });

  it("resamples 22050 Hz to 8000 Hz keeping the length, the pitch and the level", () => {
    const input = sine(1000, 22050, 1);
    const output = resample(input, 22050, 8000);
    expect(output.length).toBe(8000);
    // 1000 Hz over one second crosses zero 2000 times, whatever the sample rate.
    expect(Math.abs(zeroCrossings(output) - 2000)).toBeLessThanOrEqual(2);
    expect(rms(output, 100) / rms(input, 100)).toBeCloseTo(1, 1);
  });

  it("filters out what 8 kHz cannot carry instead of folding it back as aliasing", () => {
    // 6 kHz is above the new Nyquist frequency (4 kHz); a naive decimation would turn it into a 2 kHz tone.
    const output = resample(sine(6000, 22050, 1), 22050, 8000);
    expect(rms(output, 100)).toBeLessThan(10_000 * 0.02);
  });

  it("writes samples little-endian and reads them back", () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 256]);
    const bytes = toSln(samples);
    expect([...bytes.subarray(0, 6)]).toEqual([0, 0, 1, 0, 0xff, 0xff]);
    expect(fromSln(bytes)).toEqual(samples);
  });
});
