import { spawn } from "node:child_process";
import { parseWav, resample, SLN_RATE, toSln } from "../audio.js";
import { checkSln, type SpeechEngine } from "./engine.js";
import { ESPEAK_DEFAULT_WPM } from "../../config/index.js";

export interface EspeakOptions {
  /** espeak-ng voice (`espeak-ng --voices=pt`): `pt-br`, or a variant such as `pt-br+f3`. */
  voice?: string;
  /** Words per minute (TTS_ESPEAK_WPM); default TTS_ESPEAK_WPM's (docs/audio.md: why 190, not espeak-ng's own 175). */
  wordsPerMinute?: number;
  /** The binary (Debian package espeak-ng). */
  binary?: string;
}

export const ESPEAK_DEFAULT_VOICE = "pt-br";
/** Enough for any prompt; a runaway process is stopped, not buffered forever. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/**
 * espeak-ng, offline: writes a WAV (22050 Hz) to stdout, which we resample to 8 kHz `.sln` here
 * rather than through another binary (sox), so the only system package needed is espeak-ng.
 */
export function createEspeakEngine(options: EspeakOptions = {}): SpeechEngine {
  const voice = options.voice || ESPEAK_DEFAULT_VOICE;
  const wpm = options.wordsPerMinute ?? ESPEAK_DEFAULT_WPM;
  const binary = options.binary ?? "espeak-ng";
  return {
    name: "espeak",
    voiceKey: `${voice}@${wpm}wpm`,
    async render(text, signal) {
      const wav = await runEspeak(binary, ["--stdout", "-v", voice, "-s", String(wpm)], text, signal);
      const { samples, sampleRate } = parseWav(wav);
      return checkSln(toSln(resample(samples, sampleRate, SLN_RATE)), "espeak-ng");
    },
  };
}

export class EspeakError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EspeakError";
  }
}

/** Runs espeak-ng with the text on stdin (never argv: a name starting with "-" stays text). */
function runEspeak(binary: string, args: string[], text: string, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"], signal });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = "";
    let stdinError: Error | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_OUTPUT_BYTES) {
        child.kill("SIGKILL");
        reject(new EspeakError(`espeak-ng produced more than ${MAX_OUTPUT_BYTES} bytes`));
        return;
      }
      out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString("utf8");
    });
    // espeak-ng exiting before it read all input shows up as EPIPE here; the exit status says why.
    child.stdin.on("error", (err) => {
      stdinError = err;
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") reject(new EspeakError(`${binary} not found: install the Debian package espeak-ng`, { cause: err }));
      else reject(err);
    });
    child.on("close", (code, sig) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const why = stderr.trim() || stdinError?.message || "no message";
        reject(new EspeakError(`espeak-ng exited with ${code ?? sig}: ${why}`));
      }
    });
    child.stdin.end(`${text}\n`, "utf8");
  });
}
