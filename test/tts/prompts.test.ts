import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
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
import type { MessageId } from "../../src/domain/messages.js";
import { PROMPT_IDS } from "../../src/ivr/prompt-ids.js";
import { PROMPT_IDS_MODULE, renderPromptIds } from "../../scripts/prompt-ids.js";

const root = resolve(import.meta.dirname, "../..");
const soundsDir = join(root, "sounds");
const renderedDir = join(soundsDir, "pt-BR");
const texts = readPromptTexts(soundsDir);
/** The written texts (sounds/messages.pt-BR.txt): templates the code fills in, never rendered. */
const messages = parsePromptTexts(readFileSync(join(soundsDir, "messages.pt-BR.txt"), "utf8"));

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

describe("prompt ids in the code", () => {
  it("src/ivr/prompt-ids.ts is what `npm run prompts` makes of sounds/prompts.pt-BR.txt", () => {
    expect(readFileSync(PROMPT_IDS_MODULE, "utf8"), "run `npm run prompts` and commit src/ivr/prompt-ids.ts").toBe(renderPromptIds(texts));
    expect([...PROMPT_IDS]).toEqual([...texts.keys()]);
  });

  it("the numbered families are the ids that end in a number", () => {
    expect(renderPromptIds(parsePromptTexts("greeting: Olá\ndigit-0: zero\nat-hour-14: às catorze horas\nat-hour-0: à meia-noite\n"))).toContain('export type NumberedFamily = "digit" | "at-hour";');
  });

  it("every message id the code fills in has a template in sounds/messages.pt-BR.txt, and every template is filled in", () => {
    // A Record over MessageId: tsc makes this list the code's ids, no more and no fewer.
    const filledIn: Record<MessageId, true> = {
      "otp-message": true,
      "otp-validity-seconds": true,
      "otp-validity-one-minute": true,
      "otp-validity-minutes": true,
      "catalogue-option": true,
      "guidance-option": true,
      "glpi-ticket-name": true,
      "glpi-content-intro-phone": true,
      "glpi-content-intro-web": true,
      "glpi-content-intro-api": true,
      "glpi-content-requester": true,
      "glpi-content-department": true,
      "glpi-content-caller": true,
      "glpi-content-identified": true,
      "glpi-identified-extension": true,
      "glpi-identified-code": true,
      "glpi-identified-otp": true,
      "glpi-content-service": true,
      "glpi-content-when": true,
      "glpi-content-description": true,
      "glpi-content-reference": true,
      "glpi-followup-status": true,
      "notice-title": true,
      "notice-service": true,
      "notice-requester": true,
      "notice-department": true,
      "notice-extension": true,
      "notice-link": true,
      "part-offline": true,
      "part-online": true,
    };
    expect([...messages.keys()].sort()).toEqual(Object.keys(filledIn).sort());
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
