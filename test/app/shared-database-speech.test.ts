import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameWarmer, storeNames, warmOnSpokenChange } from "../../src/app/prewarm.js";
import { testSettings } from "../../src/config/index.js";
import { openStore, systemActor, type Store } from "../../src/domain/index.js";

/** Records what the store asked text-to-speech to synthesise. */
class RecordingSpeech {
  readonly batches: string[][] = [];
  private readonly waiting: Array<{ text: string; resolve: () => void }> = [];
  async prewarm(texts: Iterable<string>) {
    const batch = [...texts];
    this.batches.push(batch);
    for (const w of this.waiting.filter((w) => batch.includes(w.text))) w.resolve();
    return { total: batch.length, synthesised: batch.length, cached: 0, failed: [] };
  }
  asked(text: string): boolean {
    return this.batches.some((b) => b.includes(text));
  }
  /** Resolves when a synthesis of `text` is asked for (at once if it was). */
  until(text: string): Promise<void> {
    if (this.asked(text)) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiting.push({ text, resolve }));
  }
}

/**
 * `ura start` on two hosts sharing one database (docs/topology.md): host B learns of host A's
 * change from its IVR's heartbeat answer (a new `spoken` fingerprint) and synthesises it before a
 * caller asks. Two stores on one SQLite file stand for the two hosts.
 */
describe("ura start on two hosts sharing a database", () => {
  let dir: string;
  let a: Store;
  let b: Store;
  const speechB = new RecordingSpeech();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ura-shared-db-"));
    const settings = testSettings({ DATA_DIR: dir });
    a = await openStore(settings, { migrate: true });
    b = await openStore(settings, { migrate: false, speech: speechB });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a new fingerprint in the heartbeat's answer makes host B synthesise host A's change; the same one again does nothing", async () => {
    const onReply = warmOnSpokenChange(b, pino({ level: "silent" }));
    const sentence = "Para sistemas e portais, tecle 1.";
    await a.catalogue.update(1, { prompt: sentence }, systemActor, new Date());
    const notice = "A rede está fora do ar.";
    await a.announcements.create({ text: notice }, systemActor, new Date());
    expect(speechB.asked(sentence)).toBe(false);

    await onReply({ spoken: "after-the-change" });
    // Without the answer's trigger these never come (and the test times out).
    await speechB.until(sentence);
    await speechB.until(notice);
    await b.catalogue.whenSynthesised();

    const batches = speechB.batches.length;
    await onReply({ spoken: "after-the-change" });
    await onReply({});
    await b.catalogue.whenSynthesised();
    expect(speechB.batches.length).toBe(batches);
  });

  it("a user added or renamed on host A: host B synthesises the name after its heartbeat's answer, not in a call", async () => {
    const names = new NameWarmer(storeNames(b), speechB, pino({ level: "silent" }));
    const onReply = warmOnSpokenChange(b, pino({ level: "silent" }), { names });
    await a.users.create({ code: "7001", name: "Benedita Ramos" }, systemActor, new Date());
    await onReply({ spoken: "names-1" });
    await names.idle();
    expect(speechB.asked("Benedita Ramos")).toBe(true);

    await a.users.update("7001", { name: "Benedita Ramos Vieira" }, systemActor, new Date());
    expect(speechB.asked("Benedita Ramos Vieira")).toBe(false);
    // Two answers with the same fingerprint (the IVR reports also when its calls change): one pass.
    await Promise.all([onReply({ spoken: "names-2" }), onReply({ spoken: "names-2" })]);
    await names.idle();
    expect(speechB.batches.filter((b) => b.includes("Benedita Ramos Vieira"))).toHaveLength(1);
  });

  it("names that could not be read (before the views were) are read again at the next answer with the same fingerprint", async () => {
    let reads = 0;
    const source = storeNames(b);
    const flaky: typeof source = async (after) => {
      if (reads++ === 0) throw new Error("the database did not answer");
      return source(after);
    };
    const names = new NameWarmer(flaky, speechB, pino({ level: "silent" }));
    // The views read over the network (MariaDB): the names' failure comes first.
    const later = <T>(read: () => Promise<T>) => () => new Promise<T>((resolve, reject) => setTimeout(() => read().then(resolve, reject), 20));
    const remote = {
      catalogue: { forCallers: later(() => b.catalogue.forCallers()) },
      announcements: { forCallers: later(() => b.announcements.forCallers(new Date())) },
      guidance: { forCallers: later(() => b.guidance.forCallers()) },
    } as unknown as Pick<Store, "catalogue" | "announcements" | "guidance">;
    const onReply = warmOnSpokenChange(remote, pino({ level: "silent" }), { names });
    await a.users.create({ code: "7002", name: "Sebastiana Freitas" }, systemActor, new Date());
    await onReply({ spoken: "names-3" });
    await names.idle();
    expect(speechB.asked("Sebastiana Freitas")).toBe(false);

    await onReply({ spoken: "names-3" });
    await names.idle();
    expect(speechB.asked("Sebastiana Freitas")).toBe(true);
  });
});
