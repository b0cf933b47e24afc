import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

// Token parsing lives in src/shared so the settings schema can check API_TOKENS at start-up.
export { SCOPES, TokenConfigError, parseApiTokens, type ApiTokenSpec, type Scope } from "../shared/api-tokens.js";
import { TokenConfigError, parseApiTokens, type ApiTokenSpec, type Scope } from "../shared/api-tokens.js";

/**
 * The tokens in force: API_TOKENS, or, when it is empty, random ones for `ivr`, `admin` and `web`
 * kept in DATA_DIR/api-tokens.local (mode 0600, made on first use) so a fresh install is never open.
 */
export function resolveApiTokens(settings: { API_TOKENS: string; DATA_DIR: string }): { tokens: ApiTokenSpec[]; file: string | null } {
  if (settings.API_TOKENS.trim() !== "") return { tokens: parseApiTokens(settings.API_TOKENS), file: null };
  const file = apiTokensFile(settings);
  mkdirSync(dirname(file), { recursive: true });
  const fresh = ["ivr:ivr", "admin:admin", "web:web"].map((ns) => `${ns}:${randomBytes(24).toString("base64url")}`).join("\n");
  try {
    writeFileSync(file, `${fresh}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const text = readFileSync(file, "utf8");
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
export function ivrTokenFor(settings: { API_TOKEN: string; API_TOKENS: string; DATA_DIR: string }, tokens?: readonly ApiTokenSpec[]): string | null {
  if (settings.API_TOKEN !== "") return settings.API_TOKEN;
  const known = tokens ?? (settings.API_TOKENS.trim() !== "" || existsSync(apiTokensFile(settings)) ? resolveApiTokens(settings).tokens : []);
  return known.find((t) => t.scopes.includes("ivr"))?.secret ?? null;
}

export interface ApiClient {
  name: string;
  scopes: ReadonlySet<Scope>;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Finds the client a bearer secret belongs to. Compares SHA-256 digests (equal lengths) with
 * timingSafeEqual against every token, without stopping at a match, so timing says nothing.
 */
export function createTokenChecker(tokens: readonly ApiTokenSpec[]): (authorization: string | undefined) => ApiClient | null {
  const known = tokens.map((t) => ({ client: { name: t.name, scopes: new Set(t.scopes) } as ApiClient, digest: digest(t.secret) }));
  return (authorization) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return null;
    const given = digest(m[1]!);
    let found: ApiClient | null = null;
    for (const k of known) {
      if (timingSafeEqual(k.digest, given)) found = k.client;
    }
    return found;
  };
}
