/** Text in, a playable audio reference out. Engines: espeak (offline default), polly, none. */
export interface SpeechSynthesizer {
  readonly engine: "espeak" | "polly" | "none";
  /**
   * Returns what Asterisk's STREAM FILE takes for this text (a path without extension, or an
   * http:// URL), synthesising it on first use and caching it. Rejects with TtsUnavailableError
   * when the engine fails, times out, or is `none`.
   */
  synthesize(text: string, options?: { signal?: AbortSignal }): Promise<string>;
  /**
   * What `synthesize` would answer at once from memory (a text heard a moment ago, its file seen),
   * or null: the flow then skips the deadline and the promise a synthesis needs (issue 16: a call
   * asks for a dozen menu sentences). Optional: without it every text goes through `synthesize`.
   */
  ready?(text: string): string | null;
}

/** Where the recorded/rendered prompts are, and what each says. */
export interface PromptSet {
  /** The STREAM FILE reference for a prompt id; throws for an unknown id. */
  file(id: string): string;
  /** The pt-BR sentence of a prompt id (what `ura call` prints). */
  text(id: string): string;
  has(id: string): boolean;
  ids(): string[];
}

export class TtsUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TtsUnavailableError";
  }
}

/** The two kinds of audio we hand to Asterisk: synthesised (cached) speech and rendered prompts. */
export type AudioKind = "tts" | "prompts";

/**
 * Turns one of our audio files into the reference Asterisk plays: an absolute path without
 * extension (AUDIO_MODE=path, remapped by AUDIO_PBX_PATH) or an http:// URL ending in `.sln`
 * (AUDIO_MODE=http, fetched by Asterisk's media cache from `audioRoutes`).
 */
export interface AudioLocator {
  readonly mode: "path" | "http";
  /** `name` is the file's base name without `.sln` (a cache hash or a prompt id). */
  reference(kind: AudioKind, name: string): string;
}
