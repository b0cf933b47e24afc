import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { soundsDir, type Settings } from "../config/index.js";
import { audioLocatorFromSettings } from "./locator.js";
import type { AudioLocator, PromptSet } from "./types.js";

/** Prompt ids: lower-case letters, digits, `-` and `_`; they are file names on the PBX and in URLs. */
export const PROMPT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const PROMPTS_FILE = "prompts.pt-BR.txt";

export class PromptFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "PromptFileError";
  }
}

export class UnknownPromptError extends Error {
  constructor(readonly id: string) {
    super(`unknown prompt id "${id}" (not in sounds/${PROMPTS_FILE})`);
    this.name = "UnknownPromptError";
  }
}

/**
 * Reads the prompt text format: one `id: sentence` per line, `#` starts a comment line, blank
 * lines are ignored. Every bad line is reported at once, with its number.
 */
export function parsePromptTexts(source: string, file = PROMPTS_FILE): Map<string, string> {
  const texts = new Map<string, string>();
  const problems: string[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `line ${index + 1}`;
    const colon = line.indexOf(":");
    if (colon < 0) return void problems.push(`${where}: expected "id: sentence"`);
    const id = line.slice(0, colon).trim();
    const sentence = line.slice(colon + 1).trim();
    if (!PROMPT_ID.test(id)) problems.push(`${where}: "${id}" is not a prompt id (lower-case letters, digits, - and _)`);
    else if (texts.has(id)) problems.push(`${where}: "${id}" is defined twice`);
    else if (sentence === "") problems.push(`${where}: "${id}" has no sentence`);
    else texts.set(id, sentence);
  });
  if (problems.length > 0) throw new PromptFileError(file, problems);
  return texts;
}

/** The prompt texts of a sounds directory (SOUNDS_DIR). */
export function readPromptTexts(soundsDir: string): Map<string, string> {
  const file = resolve(soundsDir, PROMPTS_FILE);
  return parsePromptTexts(readFileSync(file, "utf8"), file);
}

/** A PromptSet over parsed texts: `file(id)` is the locator's reference for `prompts/<id>`. */
export function createPromptSet(texts: ReadonlyMap<string, string>, locator: AudioLocator): PromptSet {
  const references = new Map([...texts.keys()].map((id) => [id, locator.reference("prompts", id)]));
  return {
    file(id) {
      const reference = references.get(id);
      if (reference === undefined) throw new UnknownPromptError(id);
      return reference;
    },
    text(id) {
      const text = texts.get(id);
      if (text === undefined) throw new UnknownPromptError(id);
      return text;
    },
    has: (id) => texts.has(id),
    ids: () => [...texts.keys()],
  };
}

/** Reads SOUNDS_DIR/prompts.pt-BR.txt (at start-up: a bad line stops it) and addresses the rendered audio per AUDIO_MODE. */
export function loadPromptSet(settings: Settings, locator: AudioLocator = audioLocatorFromSettings(settings)): PromptSet {
  return createPromptSet(readPromptTexts(soundsDir(settings)), locator);
}
