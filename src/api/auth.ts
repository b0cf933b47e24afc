import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** What a token may do: `ivr` (the call flow), `web` (a web form or kiosk), `admin` (management). */
export const SCOPES = ["ivr", "admin", "web"] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiTokenSpec {
  name: string;
  scopes: Scope[];
  secret: string;
}

/** A bad API_TOKENS value: start-up stops with this message, naming the variable. */
export class TokenConfigError extends Error {
  constructor(message: string) {
    super(`API_TOKENS: ${message}`);
    this.name = "TokenConfigError";
  }
}

/**
 * Parses `name:scope+scope:secret,…` (e.g. `ivr:ivr:…,portal:web:…,ops:admin+web:…`). Names are
 * what the audit log records; secrets must be at least 16 characters and may contain `:`.
 */
export function parseApiTokens(spec: string): ApiTokenSpec[] {
  const out: ApiTokenSpec[] = [];
  for (const entry of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const first = entry.indexOf(":");
    const second = first === -1 ? -1 : entry.indexOf(":", first + 1);
    if (first <= 0 || second === -1) throw new TokenConfigError(`"${entry.split(":")[0]}…" is not name:scope+scope:secret`);
    const name = entry.slice(0, first);
    const scopes = entry.slice(first + 1, second).split("+").filter(Boolean);
    const secret = entry.slice(second + 1);
    if (!/^[\w.-]{1,64}$/.test(name)) throw new TokenConfigError(`token name "${name}" must be letters, digits, . _ -`);
    if (scopes.length === 0) throw new TokenConfigError(`token "${name}" has no scope (use ivr, admin, web)`);
    for (const s of scopes) {
      if (!(SCOPES as readonly string[]).includes(s)) throw new TokenConfigError(`token "${name}" has unknown scope "${s}" (use ivr, admin, web)`);
    }
    if (secret.length < 16) throw new TokenConfigError(`token "${name}" has a secret shorter than 16 characters`);
    if (out.some((t) => t.name === name)) throw new TokenConfigError(`token name "${name}" appears twice`);
    if (out.some((t) => t.secret === secret)) throw new TokenConfigError(`tokens "${name}" and another share a secret`);
    out.push({ name, scopes: scopes as Scope[], secret });
  }
  return out;
}

/**
 * The tokens in force: API_TOKENS, or, when it is empty, random ones for `ivr`, `admin` and `web`
 * kept in DATA_DIR/api-tokens.local (mode 0600, made on first use) so a fresh install is never open.
 */
export function resolveApiTokens(settings: { API_TOKENS: string; DATA_DIR: string }): { tokens: ApiTokenSpec[]; file: string | null } {
  if (settings.API_TOKENS.trim() !== "") return { tokens: parseApiTokens(settings.API_TOKENS), file: null };
  const file = resolve(join(settings.DATA_DIR, "api-tokens.local"));
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
