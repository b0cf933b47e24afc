import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { normaliseText } from "./synthesizer.js";

/**
 * Studio recordings of catalogue sentences (issue 13: "catalogue sentences can be replaced by
 * studio recordings, as prompts can"). A recording sits beside the prompts, in SOUNDS_DIR/pt-BR,
 * named after the sentence it says: `sentence-<16 hex of sha256(normalised text)>.sln`
 * (`ura sounds record --sentence TEXT FILE` puts it there). The synthesizer plays it instead of
 * synthesising that text. When an admin changes the sentence, the name no longer matches and the
 * new text is synthesised, so the caller never hears an outdated recording.
 */
export const SENTENCE_PREFIX = "sentence-";

export function sentenceRecordingName(text: string): string {
  return `${SENTENCE_PREFIX}${createHash("sha256").update(normaliseText(text)).digest("hex").slice(0, 16)}`;
}

/** How long an answer about a file is remembered (a menu asks for each option on every play). */
const REMEMBER_MS = 10_000;

/** Finds the recording of a sentence, remembering the answer for 10 s. */
export class SentenceRecordings {
  /** By the text as given: a remembered answer costs no normalising and no sha256 (issue 16). */
  private readonly known = new Map<string, { name: string | null; at: number }>();
  constructor(private readonly dir: string) {}

  /** The answer found for `text` in the last 10 s (the recording's name, or null: none); undefined when not known. */
  remembered(text: string): string | null | undefined {
    const memo = this.known.get(text);
    return memo && Date.now() - memo.at < REMEMBER_MS ? memo.name : undefined;
  }

  /** The prompt name of the recording of `text`, or null when there is none. */
  async find(text: string): Promise<string | null> {
    const memo = this.remembered(text);
    if (memo !== undefined) return memo;
    const name = sentenceRecordingName(text);
    const found = await stat(join(this.dir, `${name}.sln`)).then(
      (s) => (s.isFile() && s.size > 0 ? name : null),
      () => null,
    );
    if (this.known.size > 5_000) this.known.clear();
    this.known.set(text, { name: found, at: Date.now() });
    return found;
  }
}
