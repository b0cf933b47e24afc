import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnnouncementRepository, GuidanceRepository, ReadySpeech, spokenFingerprint } from "../../src/domain/index.js";
import { admin, DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

/** A text-to-speech whose syntheses finish only when the test lets them, recording what each was asked. */
class HeldSpeech {
  readonly batches: string[][] = [];
  private readonly held: Array<() => void> = [];
  private waiting: (() => void) | null = null;
  private opened = false;
  prewarm(texts: Iterable<string>): Promise<void> {
    this.batches.push([...texts]);
    if (this.opened) return Promise.resolve();
    const done = new Promise<void>((r) => this.held.push(r));
    this.waiting?.();
    return done;
  }
  /** Waits until a synthesis is asked for (the queue runs them one at a time). */
  async asked(): Promise<void> {
    if (this.held.length === 0) await new Promise<void>((r) => (this.waiting = r));
    this.waiting = null;
  }
  /** From now on every synthesis finishes at once (so a test can await the queue's end). */
  open(): void {
    this.opened = true;
    for (const release of this.held.splice(0)) release();
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

/**
 * `ura start` on two hosts sharing one database (docs/topology.md): an admin's write on host A
 * waits for A's synthesis, but host B hears of it only from the database. B's callers hear the
 * previous announcements and guidance until B's own cache has the new text.
 */
describe.each(DRIVERS)("a change made on another host is heard here once this host synthesised it (%s)", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
  });
  afterAll(async () => t?.cleanup());
  const now = new Date("2025-06-02T13:00:00Z");
  const instant = { prewarm: async () => undefined };

  it("an announcement written on host A: host B's callers hear none until B has it, then hear it", async () => {
    const a = new AnnouncementRepository(t.store.db, "America/Sao_Paulo", instant);
    const speech = new HeldSpeech();
    const b = new AnnouncementRepository(t.store.db, "America/Sao_Paulo", speech);
    // B's start: nothing to say yet, and that version is ready.
    const start = b.resynthesise(now);
    await speech.finishNext();
    await start;

    const text = "A rede da Secretaria de Saúde está fora do ar.";
    await a.create({ text }, admin, now);
    expect((await a.forCallers(now)).playing.map((n) => n.text)).toEqual([text]);
    expect((await b.forCallers(now)).playing).toEqual([]);
    await speech.asked();
    expect(speech.batches.at(-1)).toEqual([text]);
    speech.open();
    await b.resynthesise(now);
    expect((await b.forCallers(now)).playing.map((n) => n.text)).toEqual([text]);
  });

  it("a guidance text written on host A: host B's callers keep the options they had until B has the new one", async () => {
    const a = new GuidanceRepository(t.store.db, instant);
    const speech = new HeldSpeech();
    const b = new GuidanceRepository(t.store.db, speech);
    const start = b.resynthesise();
    await speech.finishNext();
    await start;
    const before = (await b.forCallers()).map((g) => g.text);

    const text = "Para trocar sua senha, acesse o portal do servidor.";
    await a.create({ key: "8", title: "Troca de senha", text }, admin, now);
    expect((await b.forCallers()).map((g) => g.text)).toEqual(before);
    await speech.asked();
    expect(speech.batches.at(-1)).toContain(text);
    speech.open();
    await b.resynthesise();
    expect((await b.forCallers()).map((g) => g.text)).toContain(text);
  });
});
