/**
 * `npm run prompts` — writes src/ivr/prompt-ids.ts from sounds/prompts.pt-BR.txt, so the flow's
 * prompt ids are a union tsc checks: a typo, or a prompt removed from the texts while the flow
 * still plays it, is a compile error. test/tts/prompts.test.ts fails when the file is out of date.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readPromptTexts } from "../src/tts/prompts.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const PROMPT_IDS_MODULE = `${ROOT}src/ivr/prompt-ids.ts`;

/** A numbered prompt (`digit-7`, `at-hour-14`): its family is what comes before the last `-`. */
const NUMBERED = /^(.+)-(\d+)$/;

/** The TypeScript of src/ivr/prompt-ids.ts for these prompt texts. */
export function renderPromptIds(texts: ReadonlyMap<string, string>): string {
  const ids = [...texts.keys()];
  const families = [...new Set(ids.map((id) => NUMBERED.exec(id)?.[1]).filter((f) => f !== undefined))];
  return `// Generated from sounds/prompts.pt-BR.txt by \`npm run prompts\`: do not edit.

/** Every prompt id of sounds/prompts.pt-BR.txt, in its order. */
export const PROMPT_IDS = [
${ids.map((id) => `  ${JSON.stringify(id)},`).join("\n")}
] as const;

/** A prompt the flow can play: tsc refuses any other string. */
export type PromptId = (typeof PROMPT_IDS)[number];

/** The numbered families (\`digit-7\`, \`at-hour-14\`): their ids are made from a number at run time. */
export type NumberedFamily = ${families.map((f) => JSON.stringify(f)).join(" | ")};
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(PROMPT_IDS_MODULE, renderPromptIds(readPromptTexts(`${ROOT}sounds`)));
  process.stdout.write(`wrote ${PROMPT_IDS_MODULE}\n`);
}
