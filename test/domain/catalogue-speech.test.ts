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

  it("a menu's label is synthesised too, since its sub-menu begins with it; a leaf's label is never said", async () => {
    const speech = new RecordingPrewarmer();
    const catalogue = new CatalogueRepository(t.store.db, speech);
    await catalogue.update(2, { label: "Informática" }, admin, now);
    await catalogue.resynthesise();
    expect(speech.batches.at(-1)).toContain("Informática");
    expect(speech.batches.at(-1)).not.toContain("Formatação");
    await catalogue.update(2, { label: "Computador" }, admin, now);
    await catalogue.resynthesise();
    expect(speech.batches.at(-1)).not.toContain("Informática");
  });

  it("callers hear a change only once its sentences are synthesised: until then, the menus they heard before", async () => {
    /** An engine that finishes only while its gate is open. */
    let gate: Promise<void> = Promise.resolve();
    let open = () => undefined as void;
    const held = { prewarm: () => gate };
    const catalogue = new CatalogueRepository(t.store.db, held);
    const sentence = async (id: number) => (await catalogue.forCallers()).flatMap((n) => [n, ...n.children]).find((n) => n.id === id)?.prompt;
    // The first request starts the synthesis of the whole catalogue (nothing was ever ready: the current tree).
    const before = await sentence(102);
    await catalogue.resynthesise();
    expect(await catalogue.ready()).toBe(true);
    expect(await sentence(102)).toBe(before);

    gate = new Promise<void>((r) => (open = r));
    await catalogue.update(102, { prompt: "Para outros problemas de sistema, tecle 2." }, admin, now);
    expect(await catalogue.ready()).toBe(false);
    expect(await sentence(102)).toBe(before);
    open();
    await catalogue.resynthesise();
    expect(await catalogue.ready()).toBe(true);
    expect(await sentence(102)).toBe("Para outros problemas de sistema, tecle 2.");
  });

  it("an engine that fails does not hold a change back for ever: the IVR says the option's key for what failed", async () => {
    const failing = { prewarm: async () => Promise.reject(new Error("engine down")) };
    const catalogue = new CatalogueRepository(t.store.db, failing);
    await catalogue.update(102, { prompt: "Para problemas diversos nos sistemas, tecle 2." }, admin, now);
    await catalogue.resynthesise().catch(() => undefined);
    expect(await catalogue.ready()).toBe(true);
    expect((await catalogue.forCallers()).flatMap((n) => n.children).find((n) => n.id === 102)?.prompt).toBe("Para problemas diversos nos sistemas, tecle 2.");
  });

  it("two options trade keys and places; a sentence in the default form follows its new key, an admin's own is kept", async () => {
    const catalogue = new CatalogueRepository(t.store.db);
    const menu = async () => (await catalogue.tree()).find((n) => n.id === 5)!.children.map((n) => `${n.key} ${n.label}: ${n.prompt}`);
    const reserva = (await menu())[0]!;
    const added = await catalogue.create({ parentId: 5, key: "2", label: "Devolução" }, admin, now);
    // The default sentence names the key (sounds/messages.pt-BR.txt `catalogue-option`).
    expect(added.prompt).toMatch(/2/);
    expect(await menu()).toEqual([reserva, `2 Devolução: ${added.prompt}`]);
    await catalogue.swapKeys(added.id, { with: 501 }, admin, now);
    expect(await menu()).toEqual([`1 Devolução: ${added.prompt.replace("2", "1")}`, reserva.replace(/^1/, "2")]);
    await expect(catalogue.swapKeys(added.id, { with: 101 }, admin, now)).rejects.toMatchObject({ code: "not_siblings" });
  });

  it("without text-to-speech a change synthesises nothing and resynthesise() says 0", async () => {
    const catalogue = new CatalogueRepository(t.store.db);
    expect(await catalogue.resynthesise()).toBe(0);
  });
});
