/**
 * The audio Asterisk plays natively: `.sln`, headerless signed 16-bit little-endian mono PCM at
 * 8000 Hz (formats/format_sln.c reads it in 320-byte frames). Everything we write ends up here.
 */
export const SLN_RATE = 8000;
export const SLN_BYTES_PER_SECOND = SLN_RATE * 2;

export function slnDurationMs(bytes: number): number {
  return (bytes / SLN_BYTES_PER_SECOND) * 1000;
}

/** Samples as `.sln` bytes, little-endian whatever the host is. */
export function toSln(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** `.sln` bytes as samples (tests, measurements). */
export function fromSln(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

export interface PcmAudio {
  sampleRate: number;
  /** Mono samples (multi-channel input is averaged). */
  samples: Int16Array;
}

export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WavFormatError";
  }
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Reads a 16-bit PCM WAV. Tolerates the header a streaming writer leaves (espeak-ng --stdout
 * cannot seek back, so its RIFF and data sizes are placeholders like 0x7ffff000): the data chunk
 * runs to the end of the buffer when its declared size overshoots.
 */
export function parseWav(buf: Buffer): PcmAudio {
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "RIFF" || buf.toString("latin1", 8, 12) !== "WAVE") {
    throw new WavFormatError("not a RIFF/WAVE stream");
  }
  let offset = 12;
  let format: { channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString("latin1", offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > buf.length) throw new WavFormatError("short fmt chunk");
      const tag = buf.readUInt16LE(body);
      const bits = buf.readUInt16LE(body + 14);
      const pcm = tag === WAVE_FORMAT_PCM || (tag === WAVE_FORMAT_EXTENSIBLE && size >= 40 && buf.readUInt16LE(body + 24) === WAVE_FORMAT_PCM);
      if (!pcm || bits !== 16) throw new WavFormatError(`unsupported WAV encoding (format ${tag}, ${bits} bits); need 16-bit PCM`);
      format = { channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits };
      if (format.channels < 1 || format.sampleRate < 1000) throw new WavFormatError("implausible WAV format");
    } else if (id === "data") {
      if (!format) throw new WavFormatError("data chunk before fmt chunk");
      const end = Math.min(body + size, buf.length);
      return { sampleRate: format.sampleRate, samples: mixdown(buf.subarray(body, end), format.channels) };
    }
    offset = body + size + (size % 2);
  }
  throw new WavFormatError("no data chunk");
}

function mixdown(data: Buffer, channels: number): Int16Array {
  const frames = Math.floor(data.length / (2 * channels));
  const out = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += data.readInt16LE((f * channels + c) * 2);
    out[f] = Math.round(sum / channels);
  }
  return out;
}

/** Half-width of the interpolation kernel, in zero crossings of the low-pass filter. */
const ZERO_CROSSINGS = 16;

/**
 * Band-limited resampling with a Blackman-windowed sinc. Going down (espeak-ng's 22050 Hz to
 * 8000 Hz) the filter cuts just under the new Nyquist frequency, so nothing above 4 kHz folds
 * back as aliasing; a plain linear interpolation would let it through. The rates' ratio is
 * rational, so the filter has only `toRate / gcd` distinct phases: their weights are computed
 * once per call (160 phases × 94 taps for 22050 → 8000), which keeps a second of audio to a few ms.
 */
export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return Int16Array.from(samples);
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
    throw new RangeError(`sample rates must be positive integers (${fromRate} → ${toRate})`);
  }
  const g = gcd(fromRate, toRate);
  const phases = toRate / g;
  const step = fromRate / g;
  // Cutoff in cycles per input sample: 0.5 is the input's Nyquist; 0.95 leaves a transition band.
  const cutoff = 0.5 * Math.min(1, toRate / fromRate) * 0.95;
  const halfWidth = Math.ceil(ZERO_CROSSINGS / (2 * cutoff));
  const taps = 2 * halfWidth;
  const weights = new Float64Array(phases * taps);
  for (let p = 0; p < phases; p++) {
    const frac = ((p * step) % phases) / phases;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const t = j - halfWidth + 1 - frac;
      const w = sinc(2 * cutoff * t) * blackman(t / halfWidth);
      weights[p * taps + j] = w;
      sum += w;
    }
    // Unity gain at DC for every phase.
    for (let j = 0; j < taps; j++) weights[p * taps + j]! /= sum;
  }
  const outLength = Math.floor((samples.length * toRate) / fromRate);
  const out = new Int16Array(outLength);
  for (let n = 0; n < outLength; n++) {
    const base = Math.floor((n * fromRate) / toRate) - halfWidth + 1;
    const w = (n % phases) * taps;
    let acc = 0;
    for (let j = 0; j < taps; j++) {
      const k = base + j;
      // Outside the recording is silence.
      if (k >= 0 && k < samples.length) acc += samples[k]! * weights[w + j]!;
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Blackman window over [-1, 1]. */
function blackman(x: number): number {
  if (x <= -1 || x >= 1) return 0;
  const a = Math.PI * (x + 1);
  return 0.42 - 0.5 * Math.cos(a) + 0.08 * Math.cos(2 * a);
}

/** `.sln` bytes as a WAV file a browser plays (RIFF header, 8 kHz, 16-bit PCM, mono). */
export function slnToWav(sln: Uint8Array): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(36 + sln.length, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SLN_RATE, 24);
  header.writeUInt32LE(SLN_BYTES_PER_SECOND, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(sln.length, 40);
  return Buffer.concat([header, sln]);
}
