import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { soundsDir, type Settings } from "../config/index.js";
import { parsePromptTexts } from "../shared/prompt-texts.js";
import { audioLocatorFromSettings } from "./locator.js";
import type { AudioLocator, PromptSet } from "./types.js";

// The format is shared with the domain's written messages (src/shared/prompt-texts.ts).
export { parsePromptTexts, PromptFileError, PROMPT_ID } from "../shared/prompt-texts.js";

export const PROMPTS_FILE = "prompts.pt-BR.txt";

export class UnknownPromptError extends Error {
  constructor(readonly id: string) {
    super(`unknown prompt id "${id}" (not in sounds/${PROMPTS_FILE})`);
    this.name = "UnknownPromptError";
  }
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
