/**
 * One synthesis backend: text in, `.sln` bytes out (8 kHz mono signed 16-bit little-endian).
 * Engines know nothing of caching, timeouts or where files go; the synthesizer does that.
 */
export interface SpeechEngine {
  readonly name: "espeak" | "polly";
  /**
   * Everything besides the text that changes the sound (voice, engine variant, speed). It is part
   * of the cache key, so changing it re-synthesises instead of replaying old audio.
   */
  readonly voiceKey: string;
  /** Rejects when `signal` aborts; the caller turns any failure into TtsUnavailableError. */
  render(text: string, signal: AbortSignal): Promise<Buffer>;
  /**
   * A cheap proof the engine works now, for the heartbeat every 10 s (a synthesis when absent).
   * Polly lists its voices instead: that call is not billed.
   */
  check?(signal: AbortSignal): Promise<void>;
  /** Releases connections (Polly's HTTP/2 session), so a CLI process can exit. */
  close?(): void;
}

/** An engine answered, but with something that is not playable audio. */
export class BadAudioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadAudioError";
  }
}

/** The checks every engine's output passes before it may be cached under a playable name. */
export function checkSln(bytes: Buffer, engine: string): Buffer {
  if (bytes.length === 0) throw new BadAudioError(`${engine} returned no audio`);
  if (bytes.length % 2 !== 0) throw new BadAudioError(`${engine} returned ${bytes.length} bytes: not whole 16-bit samples`);
  return bytes;
}
