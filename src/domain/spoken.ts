import { createHash } from "node:crypto";
import type { SpeechPrewarmer } from "./ports/index.js";

/**
 * Issue 13, "0 synthesis inside any call", for what admins write and callers hear with TTS (the
 * catalogue's sentences, the information menu's guidance, the announcements): the rule of the
 * last ready version. Callers hear a version once every one of its sentences went through this
 * process's synthesis (it is in the cache, or the engine failed on it and the IVR falls back);
 * until then they hear the version they heard before, while the new one is synthesised in the
 * background. So no caller hears a half-ready menu, nor waits for an engine in the middle of one.
 * The ticket API applies it with its own TTS (`ura start`), an IVR node on another host with its
 * own cache (`ura ivr`, src/app/prewarm.ts): the same class, each against what it can play.
 *
 * Syntheses run one after the other (a change during a synthesis waits for it), so an admin's
 * burst of edits does not start an engine per edit and the newest version is the one that ends.
 */
export class ReadySpeech<T> {
  /** The synthesis started last: the next one runs after it. */
  private chain: Promise<unknown> = Promise.resolve();
  private running = 0;
  /** Sentences a finished synthesis went through (in the cache now, or failed and left to the fallback). */
  private readonly settled = new Set<string>();
  /** Sentences a queued or running synthesis will settle: a version seen again is not queued twice. */
  private readonly asked = new Set<string>();
  /** The newest version whose every sentence was settled: what callers hear while a change is synthesised. */
  private heard: T | null = null;

  constructor(
    /** null: no TTS here, callers hear every version at once (nothing to wait for). */
    private readonly speech: SpeechPrewarmer | null,
    /** Every sentence a version makes the IVR say. */
    private readonly sentencesOf: (version: T) => string[],
  ) {}

  /**
   * Synthesises the sentences of the version `read` gives when this synthesis's turn comes (after
   * the ones before it), so the newest version is warmed, not the one of the moment it was asked.
   * Resolves with the number of sentences; a sentence the engine fails on does not reject it.
   */
  warm(read: () => Promise<T> | T): Promise<number> {
    if (!this.speech) return Promise.resolve(0);
    const speech = this.speech;
    this.running++;
    const run = this.chain
      .catch(() => undefined)
      .then(async () => {
        const version = await read();
        const texts = this.sentencesOf(version);
        for (const t of texts) this.asked.add(t);
        try {
          await speech.prewarm(texts);
        } finally {
          // A sentence the engine failed on is settled too: the IVR says "opção N" (or skips the
          // text) for it, and a dead engine must not keep an admin's change from callers for ever.
          for (const t of texts) this.settled.add(t);
          // Runs end in order, so this is the newest ready version, even if no caller asked yet.
          this.heard = version;
        }
        return texts.length;
      });
    const done = () => void this.running--;
    run.then(done, done);
    this.chain = run;
    return run;
  }

  /**
   * What callers hear, `current` being the version as it is now: `current` once its sentences are
   * settled, else the last version that was (and `current` is synthesised in the background).
   * Before any version was ready (a start whose prewarm did not finish), `current`.
   */
  serve(current: T): T {
    if (!this.speech) return current;
    const texts = this.sentencesOf(current);
    const missing = texts.filter((t) => !this.settled.has(t));
    if (missing.length === 0) {
      this.heard = current;
      return current;
    }
    // Seen here first (another process made the change, or it is the IVR node's first sight of it).
    if (missing.some((t) => !this.asked.has(t))) {
      for (const t of texts) this.asked.add(t);
      this.warm(() => current).catch(() => undefined);
    }
    return this.heard ?? current;
  }

  /** Whether callers hear `current` (false while it is being synthesised). */
  ready(current: T): boolean {
    return !this.speech || this.sentencesOf(current).every((t) => this.settled.has(t));
  }

  /** Resolves when every synthesis asked so far has ended (tests, shutdown, a bounded wait at start). */
  async idle(): Promise<void> {
    while (this.running > 0) await this.chain.catch(() => undefined);
  }
}

/**
 * Every sentence a catalogue tree makes the IVR say, depth first: each node's, and the label of
 * each menu of two options or more, which begins its sub-menu ("Computador."; a menu of one
 * option opens it without asking). The tree as callers get it: active nodes only.
 */
export function catalogueSentences(nodes: readonly CatalogueSentences[]): string[] {
  return nodes.flatMap((n) => [n.prompt, ...(n.children.length > 1 ? [n.label] : []), ...catalogueSentences(n.children)]);
}
interface CatalogueSentences {
  label: string;
  prompt: string;
  children: readonly CatalogueSentences[];
}

/** What the information menu says with TTS: each guidance option and its text. */
export function guidanceSentences(guidance: readonly { prompt: string; text: string }[]): string[] {
  return guidance.flatMap((g) => [g.prompt, g.text]);
}

/** The announcements' texts: those playing and those scheduled (warmed before they start). */
export function announcementSentences(view: { playing: readonly { text: string }[]; scheduled: readonly { text: string }[] }): string[] {
  return [...view.playing, ...view.scheduled].map((a) => a.text);
}

/**
 * What callers hear with TTS changed: a write to the catalogue, the guidance or the announcements,
 * committed in this process (the store's `spokenChanges`). Another process's writes to a shared
 * database are not heard here.
 */
export interface SpokenChanged {
  type: "spoken-changed";
  what: "catalogue" | "guidance" | "announcements";
}

/**
 * A short fingerprint of everything the IVR says with TTS: the ticket API sends it in its answer
 * to an IVR node's heartbeat, and the node synthesises afresh when it changes (within one
 * heartbeat, 10 s, of an admin's change, before a caller asks). Order does not matter, only the
 * set. The users' names enter as their counter (`namesVersion`, UserRepository): a city's
 * thousands of names are not read on every heartbeat of every node.
 */
export function spokenFingerprint(sentences: Iterable<string>, namesVersion = 0): string {
  const hash = createHash("sha256");
  for (const s of [...new Set(sentences)].sort()) hash.update(s).update("\0");
  hash.update(`\0names ${namesVersion}`);
  return hash.digest("base64url").slice(0, 22);
}
