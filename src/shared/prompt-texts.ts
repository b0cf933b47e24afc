/**
 * The `id: text` format of the caller-facing text files (`sounds/prompts.pt-BR.txt`, spoken, and
 * `sounds/messages.pt-BR.txt`, written). Shared because the TTS adapter reads the first and the
 * domain the second: one parser, one set of id rules.
 */

/** Text ids: lower-case letters, digits, `-` and `_`; prompt ids are file names on the PBX and in URLs. */
export const PROMPT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class PromptFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "PromptFileError";
  }
}

/**
 * Reads the text format: one `id: sentence` per line, `#` starts a comment line, blank lines are
 * ignored. Every bad line is reported at once, with its number.
 */
export function parsePromptTexts(source: string, file = "prompts.pt-BR.txt"): Map<string, string> {
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
