import { fromSln, SLN_RATE, toSln } from "./audio.js";

/**
 * One loudness for everything the caller hears (docs/audio.md, "One level"): espeak-ng, Polly,
 * studio recordings and the catalogue's sentences all leave here at the same active speech level,
 * with the same short silence around them.
 *
 * Levels are in dBov (ITU-T G.100.1: 0 dBov is the RMS of a full-scale square wave, i.e. of
 * ±32768), measured as an *active speech level* in the manner of ITU-T P.56: the energy of the
 * 10 ms frames that are no more than 15.9 dB below the level itself (found by iterating), so the
 * pauses between words and the silence around a prompt do not lower it.
 */

/** The level every prompt, name and catalogue sentence is brought to. */
export const TARGET_LEVEL_DBOV = -20;
/** No sample goes above this after the gain (μ-law/A-law overload at about +3 dBm0 ≈ 0 dBov). */
export const PEAK_LIMIT_DBOV = -1;
/** Silence kept before and after the speech when a prompt is trimmed (ms). */
export const LEAD_MS = 40;
export const TAIL_MS = 80;
/** Part of the cache key and of the prompt manifest's source: changing the treatment re-renders everything. */
export const AUDIO_TREATMENT = `trim${LEAD_MS}/${TAIL_MS}ms,${TARGET_LEVEL_DBOV}dBov,peak${PEAK_LIMIT_DBOV}`;

const FRAME = SLN_RATE / 100; // 10 ms
const FULL_SCALE = 32768;
/** Frames quieter than this are never speech (about the noise floor of 16-bit audio). */
const FLOOR_DBOV = -70;
/** P.56's margin: frames within this many dB below the active level count as active. */
const P56_MARGIN_DB = 15.9;

const toDb = (energy: number) => 10 * Math.log10(energy / (FULL_SCALE * FULL_SCALE));
const fromDb = (db: number) => 10 ** (db / 20);

function frameEnergies(samples: Int16Array): Float64Array {
  const frames = Math.ceil(samples.length / FRAME);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const end = Math.min(samples.length, (f + 1) * FRAME);
    let sum = 0;
    for (let i = f * FRAME; i < end; i++) sum += samples[i]! * samples[i]!;
    out[f] = sum / (end - f * FRAME);
  }
  return out;
}

/** The active speech level in dBov, or null when there is no speech at all (silence). */
export function activeLevel(samples: Int16Array): number | null {
  const energies = [...frameEnergies(samples)].filter((e) => e > 0 && toDb(e) > FLOOR_DBOV);
  if (energies.length === 0) return null;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let level = toDb(mean(energies));
  for (let i = 0; i < 20; i++) {
    const active = energies.filter((e) => toDb(e) >= level - P56_MARGIN_DB);
    const next = toDb(mean(active));
    if (Math.abs(next - level) < 0.01) return next;
    level = next;
  }
  return level;
}

/** The loudest sample in dBov (−Infinity for silence). */
export function peakLevel(samples: Int16Array): number {
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  return 20 * Math.log10(peak / FULL_SCALE);
}

/**
 * Cuts the silence before and after the speech, keeping LEAD_MS and TAIL_MS of it: a digit read
 * by espeak-ng is about 0.4 s of voice in 0.8 s of file, and a protocol is a dozen of them.
 * Speech is any 10 ms frame within 40 dB of the active level.
 */
export function trimSilence(samples: Int16Array, level = activeLevel(samples)): Int16Array {
  if (level === null) return samples;
  const energies = frameEnergies(samples);
  const threshold = level - 40;
  let first = -1;
  let last = -1;
  energies.forEach((e, f) => {
    if (e > 0 && toDb(e) >= threshold) {
      if (first < 0) first = f;
      last = f;
    }
  });
  if (first < 0) return samples;
  const start = Math.max(0, first * FRAME - (LEAD_MS * SLN_RATE) / 1000);
  const end = Math.min(samples.length, (last + 1) * FRAME + (TAIL_MS * SLN_RATE) / 1000);
  return samples.slice(start, end);
}

/**
 * Brings the active level to `target` dBov; where that would push a sample above the peak limit,
 * a limiter lowers the gain around it (5 ms look-ahead, 50 ms release) instead of clipping.
 */
export function normaliseLevel(samples: Int16Array, target = TARGET_LEVEL_DBOV, peakLimit = PEAK_LIMIT_DBOV): Int16Array {
  const level = activeLevel(samples);
  if (level === null) return Int16Array.from(samples);
  const gain = fromDb(target - level);
  const limit = FULL_SCALE * fromDb(peakLimit);
  const n = samples.length;
  // The gain each sample may have at most, then the smallest of the next 5 ms (look-ahead).
  const allowed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.abs(samples[i]!) * gain;
    allowed[i] = v > limit ? limit / v : 1;
  }
  const ahead = Math.round(SLN_RATE * 0.005);
  const envelope = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let m = allowed[i]!;
    for (let j = 1; j <= ahead && i + j < n; j++) m = Math.min(m, allowed[i + j]!);
    envelope[i] = m;
  }
  const release = 1 - Math.exp(-1 / (SLN_RATE * 0.05));
  const out = new Int16Array(n);
  let g = 1;
  for (let i = 0; i < n; i++) {
    g = Math.min(envelope[i]!, g + (1 - g) * release);
    const v = Math.round(samples[i]! * gain * g);
    out[i] = Math.max(-32768, Math.min(32767, v));
  }
  return out;
}

/** What every synthesised or imported `.sln` goes through before it is stored: trim, then level. */
export function finishAudio(sln: Uint8Array): Buffer {
  const samples = fromSln(sln);
  return toSln(normaliseLevel(trimSilence(samples)));
}

/** `.sln` of `ms` milliseconds of silence (the pause between a protocol's groups). */
export function silence(ms: number): Buffer {
  return Buffer.alloc(Math.round((ms * SLN_RATE) / 1000) * 2);
}
