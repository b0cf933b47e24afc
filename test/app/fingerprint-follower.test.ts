import { describe, expect, it } from "vitest";
import { FingerprintFollower } from "../../src/app/prewarm.js";

/**
 * The heartbeat's answers as `ura start` and an `ura ivr` node follow them (one rule for both):
 * one pass per new fingerprint, none for the fingerprint whose pass is under way, and a pass that
 * failed is tried again at the next answer.
 */
describe("following the fingerprint of what the IVR says", () => {
  /** A pass whose end the test decides. */
  const held = () => {
    let end!: (ok: boolean) => void;
    const done = new Promise<void>((resolve, reject) => (end = (ok) => (ok ? resolve() : reject(new Error("the API did not answer")))));
    done.catch(() => undefined);
    return { done, end };
  };

  it("the same fingerprint while its pass runs, or after it ended, starts nothing; a new one starts a pass", async () => {
    const follower = new FingerprintFollower();
    const passes: string[] = [];
    const pass = held();
    const first = follower.follow("a", () => (passes.push("a"), [pass.done]));
    await follower.follow("a", () => (passes.push("a"), []));
    pass.end(true);
    await first;
    await follower.follow("a", () => (passes.push("a"), []));
    await follower.follow(undefined, () => (passes.push("none"), []));
    await follower.follow("b", () => (passes.push("b"), []));
    expect(passes).toEqual(["a", "b"]);
  });

  it("a pass with a part that failed is tried again at the next answer with the same fingerprint, once its parts have all ended", async () => {
    const follower = new FingerprintFollower();
    const passes: string[] = [];
    const failing = held();
    const slow = held();
    const first = follower.follow("a", () => (passes.push("a"), [failing.done, slow.done]));
    failing.end(false);
    // Still under way (its other part runs): nothing starts.
    await follower.follow("a", () => (passes.push("a"), []));
    slow.end(true);
    await first;
    await follower.follow("a", () => (passes.push("a"), []));
    await follower.follow("a", () => (passes.push("a"), []));
    expect(passes).toEqual(["a", "a"]);
  });

  it("an older pass that ends after a newer one does not make the newer fingerprint new again", async () => {
    const follower = new FingerprintFollower();
    const passes: string[] = [];
    const older = held();
    const first = follower.follow("a", () => (passes.push("a"), [older.done]));
    await follower.follow("b", () => (passes.push("b"), []));
    older.end(true);
    await first;
    await follower.follow("b", () => (passes.push("b"), []));
    expect(passes).toEqual(["a", "b"]);
  });
});
