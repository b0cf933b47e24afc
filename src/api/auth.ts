import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { secretFile } from "../shared/secret-file.js";

// Token parsing lives in src/shared so the settings schema can check API_TOKENS at start-up.
export { SCOPES, TokenConfigError, parseApiTokens, type ApiTokenSpec, type Scope } from "../shared/api-tokens.js";
import { TokenConfigError, parseApiTokens, type ApiTokenSpec } from "../shared/api-tokens.js";
import type { HttpClient } from "../shared/http-access.js";
// One token check for the API and the WhatsApp service.
export { createTokenChecker } from "../shared/http-access.js";

/**
 * The tokens in force: API_TOKENS, or, when it is empty, random ones for `ivr`, `admin` and `web`
 * kept in DATA_DIR/api-tokens.local (mode 0600, made on first use) so a fresh install is never open.
 */
export function resolveApiTokens(settings: { API_TOKENS: string; DATA_DIR: string }): { tokens: ApiTokenSpec[]; file: string | null } {
  if (settings.API_TOKENS.trim() !== "") return { tokens: parseApiTokens(settings.API_TOKENS), file: null };
  const file = apiTokensFile(settings);
  const text = secretFile(file, () => ["ivr:ivr", "admin:admin", "web:web"].map((ns) => `${ns}:${randomBytes(24).toString("base64url")}`).join("\n"));
  try {
    return { tokens: parseApiTokens(text.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith("#")).join(",")), file };
  } catch (err) {
    throw new TokenConfigError(`${file} is damaged (${(err as Error).message}); delete it to make new tokens`);
  }
}

function apiTokensFile(settings: { DATA_DIR: string }): string {
  return resolve(join(settings.DATA_DIR, "api-tokens.local"));
}

/**
 * The IVR's bearer token: API_TOKEN, else the `ivr` token of this host's API (API_TOKENS, or the
 * file the API made; never made here). Null when there is none: every call would get a 401.
 */
export function ivrTokenFor(settings: { API_TOKEN: string; API_TOKENS: string; DATA_DIR: string }): string | null {
  // For an API on another host, API_TOKEN cannot be checked here: it is taken as given.
  if (settings.API_TOKEN !== "") return settings.API_TOKEN;
  if (settings.API_TOKENS.trim() === "" && !existsSync(apiTokensFile(settings))) return null;
  return ivrTokenAmong(settings, resolveApiTokens(settings).tokens)?.secret ?? null;
}

/**
 * The IVR's token among the API's own `tokens` (an IVR in the API's process): the one API_TOKEN
 * names, if it has scope ivr, or, when API_TOKEN is empty, the first with scope ivr.
 */
export function ivrTokenAmong(settings: { API_TOKEN: string }, tokens: readonly ApiTokenSpec[]): ApiTokenSpec | undefined {
  return tokens.find((t) => t.scopes.includes("ivr") && (settings.API_TOKEN === "" || t.secret === settings.API_TOKEN));
}

/** The client a request's token belongs to (set by the shared access plugin as `request.client`). */
export type ApiClient = HttpClient;
