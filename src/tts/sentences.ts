import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
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

/**
 * Finds the recording of a sentence, remembering the answer for 10 s. The recordings are known by
 * a listing of the directory made at most every 10 s, not by a look on disk per text: a caller's
 * name is a new text on nearly every call, and its `stat` (a promise and a trip through the thread
 * pool) cost more than the rest of its lookup (issue 16). A recording put in place is played within
 * 10 s, as before.
 */
export class SentenceRecordings {
  /** By the text as given: a remembered answer costs no normalising and no sha256 (issue 16). */
  private readonly known = new Map<string, { name: string | null; at: number }>();
  /** The recordings present (their names, without `.sln`) when the directory was last listed. */
  private listing: { at: number; names: Promise<Set<string>> } | null = null;
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
    const listing = this.recordings();
    const name = sentenceRecordingName(text);
    const found = (await listing.names).has(name) ? name : null;
    if (this.known.size > 5_000) this.known.clear();
    // As old as the listing it came from: a recording placed since is seen when both expire.
    this.known.set(text, { name: found, at: listing.at });
    return found;
  }

  /** The listing of the last 10 s, or a new one (calls arriving together share it). */
  private recordings(): { at: number; names: Promise<Set<string>> } {
    const now = Date.now();
    if (this.listing && now - this.listing.at < REMEMBER_MS) return this.listing;
    const entry = { at: now, names: this.list() };
    this.listing = entry;
    return entry;
  }

  /** The non-empty `sentence-*.sln` files of the directory (none when it cannot be read). */
  private async list(): Promise<Set<string>> {
    const names = new Set<string>();
    const entries = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(
      entries
        .filter((f) => f.startsWith(SENTENCE_PREFIX) && f.endsWith(".sln"))
        .map(async (f) => {
          const info = await stat(join(this.dir, f)).catch(() => null);
          if (info?.isFile() && info.size > 0) names.add(f.slice(0, -".sln".length));
        }),
    );
    return names;
  }
}
