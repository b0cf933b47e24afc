import { describe, expect, it } from "vitest";
import { ReadySpeech, spokenFingerprint } from "../../src/domain/index.js";

/** A text-to-speech whose syntheses finish only when the test lets them, recording what each was asked. */
class HeldSpeech {
  readonly batches: string[][] = [];
  private readonly held: Array<() => void> = [];
  private waiting: (() => void) | null = null;
  prewarm(texts: Iterable<string>): Promise<void> {
    this.batches.push([...texts]);
    const done = new Promise<void>((r) => this.held.push(r));
    this.waiting?.();
    return done;
  }
  /** Waits until a synthesis is asked for (the queue runs them one at a time). */
  async asked(): Promise<void> {
    if (this.held.length === 0) await new Promise<void>((r) => (this.waiting = r));
    this.waiting = null;
  }
  /** Waits until a synthesis is asked for, then lets it finish. */
  async finishNext(): Promise<void> {
    await this.asked();
    this.held.shift()!();
  }
}

/** A menu as callers hear it: its options' sentences. */
type Menu = string[];

/**
 * The rule of the last ready version (an IVR node meets versions through calls' requests and
 * heartbeats, in any order): callers hear the newest version whose sentences are all synthesised.
 */
describe("what callers hear while versions are synthesised one after the other", () => {
  it("a version that arrives while an older one is synthesised is queued, and callers go from one ready version to the next", async () => {
    const speech = new HeldSpeech();
    const spoken = new ReadySpeech<Menu>(speech, (m) => m);
    const v1: Menu = ["Sistemas, 1."];
    const v2: Menu = ["Sistemas e portais, 1."];
    const v3: Menu = ["Sistemas, portais e e-mail, 1."];

    // Nothing was ever ready (a start whose prewarm did not end): the version as it is.
    expect(spoken.serve(v1)).toBe(v1);
    await speech.finishNext();
    await spoken.idle();
    expect(spoken.serve(v1)).toBe(v1);

    expect(spoken.serve(v2)).toBe(v1);
    expect(spoken.serve(v3)).toBe(v1);
    // Seen again by the next call: not synthesised twice.
    expect(spoken.serve(v3)).toBe(v1);

    await speech.finishNext(); // v2
    // v3's synthesis starts once v2's ended: v2 is ready then.
    await speech.asked();
    expect(spoken.serve(v3)).toBe(v2);
    await speech.finishNext();
    await spoken.idle();
    expect(spoken.serve(v3)).toBe(v3);
    expect(speech.batches).toHaveLength(3);
  });

  it("without text-to-speech every version is heard at once", () => {
    const spoken = new ReadySpeech<Menu>(null, (m) => m);
    const menu = ["Sistemas, 1."];
    expect(spoken.serve(menu)).toBe(menu);
    expect(spoken.ready(menu)).toBe(true);
  });

  it("the fingerprint an IVR node compares changes with any sentence, not with their order", () => {
    expect(spokenFingerprint(["a", "b"])).toBe(spokenFingerprint(["b", "a", "a"]));
    expect(spokenFingerprint(["a", "b"])).not.toBe(spokenFingerprint(["a", "b."]));
  });
});
