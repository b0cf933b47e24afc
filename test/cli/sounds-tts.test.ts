import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { command as sounds } from "../../src/cli/commands/sounds.js";
import { command as ttsCommand, createTtsCommand } from "../../src/cli/commands/tts.js";
import { command as users } from "../../src/cli/commands/users.js";
import type { CliContext } from "../../src/cli/command.js";
import { testSettings, type SettingName } from "../../src/config/index.js";
import { openStore, systemActor, type CatalogueNode } from "../../src/domain/index.js";
import { audioDirs, cacheKey, createEngine, normaliseText, ttsCacheSecret } from "../../src/tts/index.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ura-cli-audio-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function context(overrides: Partial<Record<SettingName, string>>, stdin = "") {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (c: Buffer) => (stdout += c.toString()));
  err.on("data", (c: Buffer) => (stderr += c.toString()));
  const ctx: CliContext = {
    settings: testSettings({ DATA_DIR: join(root, "data"), SOUNDS_DIR: join(root, "sounds"), ...overrides }),
    stdout: out,
    stderr: err,
    stdin: Readable.from([stdin]),
    logger: pino({ level: "silent" }),
  };
  return { ctx, output: () => ({ stdout, stderr }) };
}

describe("ura sounds / ura tts (espeak-ng)", () => {
  it("ura sounds render renders the prompt texts, then finds nothing to do, and keeps a studio recording", async () => {
    await mkdir(join(root, "sounds"));
    await writeFile(join(root, "sounds", "prompts.pt-BR.txt"), "# test\ngreeting: Olá!\ndigit-1: um\n");
    const first = context({});
    expect(await sounds.run(["render"], first.ctx)).toBe(0);
    expect(first.output().stdout).toMatch(/2 prompts \(espeak, pt-br@190wpm\).*2 rendered, 0 unchanged/);
    const greeting = await readFile(join(root, "sounds", "pt-BR", "greeting.sln"));
    expect(greeting.length / 16_000).toBeGreaterThan(0.2);

    await writeFile(join(root, "sounds", "pt-BR", "greeting.sln"), Buffer.alloc(16_000));
    const second = context({});
    expect(await sounds.run(["render", "--force"], second.ctx)).toBe(0);
    expect(second.output().stdout).toMatch(/1 rendered, 0 unchanged, 1 studio recordings kept/);
    expect(second.output().stdout).toMatch(/kept greeting\.sln/);

    const list = context({});
    expect(await sounds.run(["list"], list.ctx)).toBe(0);
    expect(list.output().stdout).toMatch(/greeting\s+studio recording/);
    expect(list.output().stdout).toMatch(/digit-1\s+rendered \(espeak/);
  });

  it("ura sounds render refuses an engine it does not know", async () => {
    await expect(sounds.run(["render", "--engine", "festival"], context({}).ctx)).rejects.toThrow(/espeak or polly/);
  });

  it("ura tts prewarm synthesises the names it is given, once", async () => {
    const tts = createTtsCommand(async () => ["Ana Souza", "Bruno Lima", "Ana Souza"]);
    const first = context({});
    expect(await tts.run(["prewarm"], first.ctx)).toBe(0);
    expect(first.output().stdout).toMatch(/2 texts: 2 synthesised, 0 already cached, 0 failed \(espeak\)/);
    const fromFile = context({}, "Ana Souza\nCarla Dias\n");
    expect(await tts.run(["prewarm", "--names-file", "-"], fromFile.ctx)).toBe(0);
    expect(fromFile.output().stdout).toMatch(/2 texts: 1 synthesised, 1 already cached/);
  });

  it("ura tts prewarm reads a real SQLite store: every active user's name and active catalogue sentence, once", async () => {
    // A store as `ura start` leaves it: migrations applied, so the catalogue is the seeded one.
    const setup = context({});
    const store = await openStore(setup.ctx.settings, { migrate: true });
    try {
      // Deactivate one seeded branch (Projetor, key 5): neither it nor its option may be said.
      const projetor = (await store.catalogue.tree()).find((n) => n.label === "Projetor")!;
      await store.catalogue.update(projetor.id, { active: false }, systemActor, new Date());
    } finally {
      await store.close();
    }
    for (const args of [
      ["add", "--code", "1001", "--name", "Ana Souza"],
      ["add", "--code", "1002", "--name", "Bruno  Lima", "--ext", "2002"],
      ["add", "--code", "1003", "--name", "Carla Dias (desligada)", "--inactive"],
    ]) {
      expect(await users.run(args, context({}).ctx), args.join(" ")).toBe(0);
    }

    // What the IVR will say, read back independently: active names, active catalogue sentences,
    // and the label of each menu with two or more active options (its sub-menu begins with it).
    const check = await openStore(setup.ctx.settings);
    let expected: string[];
    try {
      const all = await check.catalogue.tree(true);
      const said: string[] = [];
      const walk = (nodes: CatalogueNode[]) =>
        nodes
          .filter((n) => n.active)
          .forEach((n) => {
            said.push(n.prompt);
            if (n.children.filter((c) => c.active).length > 1) said.push(n.label);
            walk(n.children);
          });
      walk(all);
      expect(said.length).toBeGreaterThan(15); // the seeded catalogue, not an empty one
      expect(said.some((t) => /projetor/i.test(t))).toBe(false);
      expected = ["Ana Souza", "Bruno Lima", ...said];
    } finally {
      await check.close();
    }
    const engine = createEngine(setup.ctx.settings)!;
    // The cache's names are keyed with its own key (issue 14 item 11).
    const secret = ttsCacheSecret(setup.ctx.settings);
    const hashes = new Set(expected.map((t) => `${cacheKey(engine.name, engine.voiceKey, normaliseText(t), secret)}.sln`));
    const cached = async () => (await readdir(audioDirs(setup.ctx.settings).tts)).filter((f) => f.endsWith(".sln")).sort();

    // `ura users add` left the two active names in the cache before it returned (a running ura
    // start finds them there); prewarm synthesises the catalogue's sentences and finds the names.
    const names = ["Ana Souza", "Bruno Lima"].map((t) => `${cacheKey(engine.name, engine.voiceKey, normaliseText(t), secret)}.sln`);
    expect(await cached()).toEqual(names.sort());
    const first = context({});
    expect(await ttsCommand.run(["prewarm"], first.ctx)).toBe(0);
    expect(first.output().stdout).toContain(`${expected.length} texts: ${expected.length - 2} synthesised, 2 already cached, 0 failed (espeak)`);
    // Exactly those files: the inactive user and the inactive branch were not synthesised.
    expect(await cached()).toEqual([...hashes].sort());
    const inactive = cacheKey(engine.name, engine.voiceKey, "Carla Dias (desligada)", secret);
    expect(await cached()).not.toContain(`${inactive}.sln`);

    const second = context({});
    expect(await ttsCommand.run(["prewarm"], second.ctx)).toBe(0);
    expect(second.output().stdout).toContain(`${expected.length} texts: 0 synthesised, ${expected.length} already cached, 0 failed (espeak)`);
    expect(await cached()).toEqual([...hashes].sort());
  }, 60_000);
});
