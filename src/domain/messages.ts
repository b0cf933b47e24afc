import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parsePromptTexts } from "../shared/prompt-texts.js";

/**
 * Caller-facing pt-BR texts that are written rather than played as prompts (the WhatsApp message,
 * the default sentence of a catalogue option) live in `sounds/messages.pt-BR.txt`, beside the
 * prompt texts, not in code. Same `id: text` format as the prompts, with `{placeholders}`.
 */
export const MESSAGES_FILE = "messages.pt-BR.txt";

/** The ids the code fills in, with the placeholders each one takes. */
export interface MessageValues {
  "otp-message": { code: string; validity: string };
  "otp-validity-seconds": { seconds: number };
  "otp-validity-one-minute": Record<string, never>;
  "otp-validity-minutes": { minutes: number };
  "catalogue-option": { label: string; key: string };
  "guidance-option": { title: string; key: string };
  "glpi-ticket-name": { path: string };
  "glpi-content-intro-phone": Record<string, never>;
  "glpi-content-intro-web": Record<string, never>;
  "glpi-content-intro-api": Record<string, never>;
  "glpi-content-requester": { name: string; code: string };
  "glpi-content-department": { department: string };
  "glpi-content-caller": { number: string };
  "glpi-content-identified": { how: string };
  "glpi-identified-extension": Record<string, never>;
  "glpi-identified-code": Record<string, never>;
  "glpi-identified-otp": Record<string, never>;
  "glpi-content-service": { path: string };
  "glpi-content-when": { when: string };
  "glpi-content-description": { text: string };
  "glpi-content-reference": { marker: string };
  "glpi-followup-status": { note: string };
  "notice-title": { protocol: string };
  "notice-service": { service: string };
  "notice-requester": { name: string; code: string };
  "notice-department": { department: string };
  "notice-extension": { number: string };
  "notice-link": { url: string };
  "part-offline": { name: string; host: string; since: string };
  "part-online": { name: string; host: string; state: string };
}
export type MessageId = keyof MessageValues;

// Found from this module's own place (src/domain or dist/domain), as the prompt set is.
const BUNDLED_FILE = fileURLToPath(new URL(`../../sounds/${MESSAGES_FILE}`, import.meta.url));
let loaded: Map<string, string> | null = null;

/** The templates of the shipped `sounds/messages.pt-BR.txt` (read once; a bad line throws). */
export function messageTemplates(): Map<string, string> {
  loaded ??= parsePromptTexts(readFileSync(BUNDLED_FILE, "utf8"), BUNDLED_FILE);
  return loaded;
}

const PLACEHOLDER = /\{([a-z]+)\}/g;

/** The text of `id` with its placeholders filled in; a template with a placeholder the code does not give is an error. */
export function message<K extends MessageId>(id: K, values: MessageValues[K], templates: ReadonlyMap<string, string> = messageTemplates()): string {
  const template = templates.get(id);
  if (template === undefined) throw new Error(`message "${id}" is missing from sounds/${MESSAGES_FILE}`);
  const given = values as Record<string, string | number>;
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = given[name];
    if (value === undefined) throw new Error(`message "${id}" in sounds/${MESSAGES_FILE} uses {${name}}, which the code does not fill in`);
    return String(value);
  });
}
