import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fromSln, parseWav, resample, SLN_RATE, toSln } from "./audio.js";
import { writeAtomically } from "./atomic-write.js";
import { activeLevel, finishAudio, peakLevel } from "./level.js";
import { sentenceRecordingName } from "./sentences.js";

export interface StudioRecording {
  /** The file written, without `.sln` (a prompt id or `sentence-…`). */
  name: string;
  seconds: number;
  levelDbov: number | null;
  peakDbov: number;
}

/**
 * Puts a studio recording in place, at the one level (docs/audio.md): a 16-bit PCM WAV at any
 * rate (resampled to 8 kHz, channels mixed down) or a raw `.sln` (8 kHz mono s16le), trimmed and
 * levelled like everything else. `target` is a prompt id, or `{ sentence }` for a catalogue sentence.
 */
export async function placeRecording(file: string, target: string | { sentence: string }, promptsDir: string): Promise<StudioRecording> {
  const bytes = await readFile(file);
  let samples: Int16Array;
  if (bytes.subarray(0, 4).toString("latin1") === "RIFF") {
    const wav = parseWav(bytes);
    samples = resample(wav.samples, wav.sampleRate, SLN_RATE);
  } else {
    if (bytes.length % 2 !== 0) throw new Error(`${file}: neither a WAV nor a .sln (odd number of bytes)`);
    samples = fromSln(bytes);
  }
  const audio = finishAudio(toSln(samples));
  const name = typeof target === "string" ? target : sentenceRecordingName(target.sentence);
  await writeAtomically(join(promptsDir, `${name}.sln`), audio);
  const out = fromSln(audio);
  return { name, seconds: out.length / SLN_RATE, levelDbov: activeLevel(out), peakDbov: peakLevel(out) };
}
