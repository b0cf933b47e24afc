import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { testSettings } from "../../src/config/index.js";
import {
  cacheKey,
  createAudioLocator,
  loadPromptSet,
  normaliseText,
  parsePromptTexts,
  PromptFileError,
  readManifest,
  readPromptTexts,
  UnknownPromptError,
} from "../../src/tts/index.js";
import { findPromptReferences, listSources } from "./prompt-references.js";

const root = resolve(import.meta.dirname, "../..");
const soundsDir = join(root, "sounds");
const renderedDir = join(soundsDir, "pt-BR");
const texts = readPromptTexts(soundsDir);
/** The written texts (sounds/messages.pt-BR.txt): templates the code fills in, never rendered. */
const messages = parsePromptTexts(readFileSync(join(soundsDir, "messages.pt-BR.txt"), "utf8"));
/** The code that can refer to prompts: everything but the TTS module itself. */
const codeFiles = listSources(join(root, "src")).filter((f) => !f.startsWith(join(root, "src", "tts")));
const { references, sinksSeen } = findPromptReferences(root, codeFiles);

describe("prompt texts (sounds/prompts.pt-BR.txt)", () => {
  it("parse `id: sentence` lines, skipping comments and blank lines", () => {
    const parsed = parsePromptTexts("# comment\n\ngreeting: Olá! Tudo bem: sim.\r\ndigit-0:  zero \n");
    expect([...parsed]).toEqual([
      ["greeting", "Olá! Tudo bem: sim."],
      ["digit-0", "zero"],
    ]);
  });

  it("report every bad line at once, with its number", () => {
    const error = (() => {
      try {
        parsePromptTexts("ok: fine\nno colon here\nBad Id: x\nok: again\nempty:\n");
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(PromptFileError);
    expect((error as PromptFileError).problems).toEqual([
      'line 2: expected "id: sentence"',
      'line 3: "Bad Id" is not a prompt id (lower-case letters, digits, - and _)',
      'line 4: "ok" is defined twice',
      'line 5: "empty" has no sentence',
    ]);
  });

  it("the prompt set gives each id's sentence and the reference Asterisk plays, and refuses unknown ids", () => {
    const prompts = loadPromptSet(testSettings({ SOUNDS_DIR: soundsDir }));
    expect(prompts.text("digit-0")).toBe("zero");
    expect(prompts.file("greeting")).toBe(join(renderedDir, "greeting"));
    expect(prompts.has("greeting")).toBe(true);
    expect(prompts.ids()).toContain("goodbye");
    expect(() => prompts.file("no-such-prompt")).toThrow(UnknownPromptError);
    const overHttp = loadPromptSet(testSettings({ SOUNDS_DIR: soundsDir }), createAudioLocator({ mode: "http", dirs: { tts: "/t", prompts: renderedDir }, httpBaseUrl: "http://ivr:8080/audio" }));
    expect(overHttp.file("greeting")).toBe("http://ivr:8080/audio/prompts/greeting.sln");
  });

  it("include every digit, so a protocol number can always be read", () => {
    for (let d = 0; d <= 9; d++) expect(texts.has(`digit-${d}`), `digit-${d}`).toBe(true);
  });
});

describe("prompt ids used by the code", () => {
  it("are followed through variables, ternaries, helpers and typed templates", () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-scan-"));
    try {
      const file = join(dir, "flow.ts");
      writeFileSync(
        file,
        `type Status = "open" | "closed";
        declare const call: { p(...ids: string[]): string[] };
        class EndCall { constructor(readonly r: string, readonly s: string, readonly prompts: string[] = []) {} }
        function footer(n: number): string { return n > 1 ? "menu-footer" : "menu-footer-short"; }
        const digits = (s: string) => [...s].filter((c) => c >= "0").map((d) => \`digit-\${d}\`);
        export function flow(status: Status, ok: boolean) {
          const ids = [ok ? "closed-now" : "closed-holiday", ...digits("12")];
          call.p("greeting", footer(2), \`status-\${status}\`, ...ids);
          if (!ok) throw new EndCall("abandoned", "step-name", ["no-input-end"]);
        }`,
      );
      const { references } = findPromptReferences(dir, [file]);
      const ids = references.flatMap((r) => r.ids).sort();
      expect(ids).toEqual(["closed-holiday", "closed-now", "greeting", "menu-footer", "menu-footer-short", "no-input-end", "status-closed", "status-open"]);
      expect(references.filter((r) => r.pattern).map((r) => String(r.pattern))).toEqual(["/^digit-.+$/"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tell message ids (message(id, values)) from prompt ids, and follow a message nested in another's values", () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-scan-"));
    try {
      const file = join(dir, "texts.ts");
      writeFileSync(
        file,
        `declare function message(id: string, values: Record<string, string | number>): string;
        declare function p(...ids: string[]): string[];
        export const f = (short: boolean) => [message("otp-message", { validity: short ? message("otp-validity-seconds", { seconds: 5 }) : "x", code: "greeting" }), p("goodbye")];`,
      );
      const { references } = findPromptReferences(dir, [file]);
      const by = (kind: string) => references.filter((r) => r.kind === kind).flatMap((r) => r.ids).sort();
      expect(by("message")).toEqual(["otp-message", "otp-validity-seconds"]);
      expect(by("prompt")).toEqual(["goodbye"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("are found where the flow passes them (the scanner still understands the code)", () => {
    const flowFiles = codeFiles.filter((f) => f.includes(`${join("src", "ivr")}`));
    if (flowFiles.length === 0) return;
    expect(sinksSeen.has("p") || sinksSeen.has("promptFile"), "no prompt references found in src/: update SINKS in test/tts/prompt-references.ts").toBe(true);
    expect(references.length).toBeGreaterThan(10);
  });

  it("every id the code uses has a sentence in the prompt texts", () => {
    const missing: string[] = [];
    for (const ref of references.filter((r) => r.kind === "prompt")) {
      for (const id of ref.ids) if (!texts.has(id)) missing.push(`${ref.where}: "${id}" (from ${ref.source})`);
      if (ref.pattern && ![...texts.keys()].some((id) => ref.pattern!.test(id))) missing.push(`${ref.where}: nothing matches ${ref.source}`);
    }
    expect(missing, "add these to sounds/prompts.pt-BR.txt").toEqual([]);
  });

  it("every message id the code fills in has a template in sounds/messages.pt-BR.txt, and every template is used", () => {
    const used = references.filter((r) => r.kind === "message");
    expect(sinksSeen.has("message"), "message(…) calls not found: update SINKS.messages").toBe(true);
    const missing = used.flatMap((ref) => ref.ids.filter((id) => !messages.has(id)).map((id) => `${ref.where}: "${id}"`));
    expect(missing, "add these to sounds/messages.pt-BR.txt").toEqual([]);
    const usedIds = new Set(used.flatMap((r) => r.ids));
    expect([...messages.keys()].filter((id) => !usedIds.has(id)), "templates no code fills in").toEqual([]);
  });

  it("the message templates are not prompts: `ura sounds render` never speaks them", () => {
    expect([...messages.keys()].filter((id) => texts.has(id))).toEqual([]);
  });

  it("every prompt, and so every id the code uses, has rendered audio", () => {
    const missing = [...texts.keys()].filter((id) => !existsSync(join(renderedDir, `${id}.sln`)));
    expect(missing, "run `ura sounds render` and commit sounds/pt-BR").toEqual([]);
  });

  it("no rendered prompt is older than its text", async () => {
    const manifest = await readManifest(renderedDir);
    const stale: string[] = [];
    for (const [id, text] of texts) {
      const entry = manifest.prompts[id];
      const file = join(renderedDir, `${id}.sln`);
      if (!entry || !existsSync(file)) continue;
      const rendered = readFileSync(file);
      const ours = entry.audio === createHash("sha256").update(rendered).digest("hex");
      // A studio recording (bytes not ours) is the admin's business; our own renders must match their text.
      if (ours && entry.source !== cacheKey(entry.engine, entry.voice, normaliseText(text))) stale.push(id);
    }
    expect(stale, "the text changed since it was rendered: run `ura sounds render` and commit sounds/pt-BR").toEqual([]);
  });
});
