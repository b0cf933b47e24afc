import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readManifest, renderPrompts, type SpeechEngine } from "../../src/tts/index.js";
import { tone } from "../support/fake-polly.js";
import { finishAudio } from "../../src/tts/level.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ura-render-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Renders each text as a tone whose length depends on the text, and remembers what it was asked. */
function fakeEngine(voiceKey = "fake"): SpeechEngine & { said: string[] } {
  const said: string[] = [];
  return {
    name: "espeak",
    voiceKey,
    said,
    async render(text) {
      said.push(text);
      return tone(0.1 + text.length / 100);
    },
  };
}

const texts = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("rendering the prompt set", () => {
  it("renders every prompt, then skips what did not change", async () => {
    const engine = fakeEngine();
    const set = texts({ greeting: "Olá!", goodbye: "Até logo!" });
    const first = await renderPrompts({ texts: set, outDir: dir, engine });
    expect(first.rendered).toEqual(["goodbye", "greeting"]);
    // What the engine said, trimmed and brought to the one level (src/tts/level.ts).
    expect((await readFile(join(dir, "greeting.sln"))).equals(finishAudio(tone(0.1 + 4 / 100)))).toBe(true);
    const manifest = await readManifest(dir);
    expect(Object.keys(manifest.prompts)).toEqual(["goodbye", "greeting"]);

    const second = await renderPrompts({ texts: set, outDir: dir, engine });
    expect(second).toMatchObject({ rendered: [], unchanged: ["goodbye", "greeting"] });
    expect(engine.said).toHaveLength(2);
  });

  it("re-renders a prompt whose text, engine or voice changed", async () => {
    await renderPrompts({ texts: texts({ greeting: "Olá!", goodbye: "Até logo!" }), outDir: dir, engine: fakeEngine() });
    const changedText = await renderPrompts({ texts: texts({ greeting: "Bom dia!", goodbye: "Até logo!" }), outDir: dir, engine: fakeEngine() });
    expect(changedText.rendered).toEqual(["greeting"]);
    const changedVoice = await renderPrompts({ texts: texts({ greeting: "Bom dia!", goodbye: "Até logo!" }), outDir: dir, engine: fakeEngine("other-voice") });
    expect(changedVoice.rendered).toEqual(["goodbye", "greeting"]);
  });

  it("never overwrites a studio recording put in place of a rendered file, and says so", async () => {
    await renderPrompts({ texts: texts({ greeting: "Olá!", goodbye: "Até logo!" }), outDir: dir, engine: fakeEngine() });
    const studio = tone(2, 220);
    await writeFile(join(dir, "greeting.sln"), studio);
    const engine = fakeEngine();
    const report = await renderPrompts({ texts: texts({ greeting: "Olá, bom dia!", goodbye: "Até logo!" }), outDir: dir, engine, force: true });
    expect(report.recordings).toEqual([{ id: "greeting", textChanged: true }]);
    expect(report.rendered).toEqual(["goodbye"]); // --force re-renders the rest
    expect((await readFile(join(dir, "greeting.sln"))).equals(studio)).toBe(true);
    expect(engine.said).toEqual(["Até logo!"]);
  });

  it("keeps a recording that was there before any render, and reports ids no longer in the texts without deleting them", async () => {
    await writeFile(join(dir, "greeting.sln"), tone(1));
    await writeFile(join(dir, "old-prompt.sln"), tone(1));
    const report = await renderPrompts({ texts: texts({ greeting: "Olá!" }), outDir: dir, engine: fakeEngine() });
    expect(report.recordings).toEqual([{ id: "greeting", textChanged: false }]);
    expect(report.orphans).toEqual(["old-prompt"]);
    await expect(readFile(join(dir, "old-prompt.sln"))).resolves.toBeTruthy();
  });

  it("records what was rendered even when another prompt fails, and reports the failure", async () => {
    const engine: SpeechEngine = {
      name: "espeak",
      voiceKey: "fake",
      async render(text) {
        if (text.includes("quebra")) throw new Error("engine broke");
        return tone(0.2);
      },
    };
    const progress: string[] = [];
    const report = await renderPrompts({
      texts: texts({ a: "um", b: "quebra", c: "três" }),
      outDir: dir,
      engine,
      concurrency: 1,
      onProgress: (e) => progress.push(`${e.done}/${e.total} ${e.id} ${e.outcome}`),
    });
    expect(report.rendered).toEqual(["a", "c"]);
    expect(report.failed.map((f) => f.id)).toEqual(["b"]);
    expect(report.failed[0]!.error.message).toMatch(/engine broke/);
    expect(progress).toEqual(["1/3 a rendered", "2/3 b failed", "3/3 c rendered"]);
    expect(Object.keys((await readManifest(dir)).prompts)).toEqual(["a", "c"]);
  });
});
