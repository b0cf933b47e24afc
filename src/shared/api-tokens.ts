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
