import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogueRepository, type SpeechPrewarmer } from "../../src/domain/index.js";
import { admin, DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

/** Records what the catalogue asked text-to-speech to synthesise. */
class RecordingPrewarmer implements SpeechPrewarmer {
  readonly batches: string[][] = [];
  async prewarm(texts: Iterable<string>) {
    this.batches.push([...texts]);
  }
}

describe.each(DRIVERS)("the catalogue warms text-to-speech after every change (%s)", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
  });
  afterAll(async () => t?.cleanup());
  const now = new Date("2025-06-02T13:00:00Z");

  it("an update, a new option and a deactivated menu each re-synthesise the sentences the IVR can say", async () => {
    const speech = new RecordingPrewarmer();
    const catalogue = new CatalogueRepository(t.store.db, speech);

    await catalogue.update(101, { prompt: "Para o portal da prefeitura, tecle 1." }, admin, now);
    await catalogue.resynthesise(); // waits for the run the update started, then runs once more
    expect(speech.batches[0]).toContain("Para o portal da prefeitura, tecle 1.");
    expect(speech.batches[0]).not.toContain("Atualizar o portal, 1.");

    const created = await catalogue.create({ parentId: 5, key: "2", label: "Devolução", prompt: "Para devolver o projetor, tecle 2." }, admin, now);
    await catalogue.resynthesise();
    expect(speech.batches.at(-1)).toContain("Para devolver o projetor, tecle 2.");

    await catalogue.update(5, { active: false }, admin, now);
    await catalogue.resynthesise();
    // A deactivated menu is not offered, and neither is anything under it.
    expect(speech.batches.at(-1)).not.toContain("Para devolver o projetor, tecle 2.");
    expect(speech.batches.length).toBeGreaterThanOrEqual(6);

    await catalogue.update(5, { active: true }, admin, now);
    await catalogue.remove(created.id, admin, now);
    await catalogue.resynthesise();
    expect(speech.batches.at(-1)).toEqual(await catalogue.spokenSentences());
  });

  it("without text-to-speech a change synthesises nothing and resynthesise() says 0", async () => {
    const catalogue = new CatalogueRepository(t.store.db);
    expect(await catalogue.resynthesise()).toBe(0);
  });
});
