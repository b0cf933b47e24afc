/**
 * One error class per cause (STYLE.md §3). GLPI answers every failure with a two-element JSON array
 * `["ERROR_…", message]` (API.php returnError); `message` is a per-item array for bulk writes.
 */

/** GLPI answered, with its error array. `code` is GLPI's (ERROR_SESSION_TOKEN_INVALID, …). */
export class GlpiApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string | unknown[],
    readonly what: string,
  ) {
    super(`${what}: GLPI answered HTTP ${status} ${code}${typeof detail === "string" && detail !== "" ? ` (${detail})` : ""}`);
    this.name = "GlpiApiError";
  }

  /** The credentials were refused (bad user token or login/password): logging in again cannot help. */
  get isLoginRefused(): boolean {
    return this.code.startsWith("ERROR_GLPI_LOGIN") || this.code === "ERROR_LOGIN_PARAMETERS_MISSING" || this.code === "ERROR_LOGIN_WITH_CREDENTIALS_DISABLED";
  }

  /** The session expired or was destroyed: one new initSession and one replay may help. */
  get isSessionInvalid(): boolean {
    return this.status === 401 && this.code === "ERROR_SESSION_TOKEN_INVALID";
  }
}

/**
 * GLPI did not answer usefully: unreachable, too slow, the connection dropped, a 5xx without GLPI's
 * array, or a body that is not GLPI's. `outcome` says whether a write may have happened anyway:
 * `not_sent` only when the request provably never reached GLPI (connection refused, DNS), so a
 * create after `unknown` must look for the ticket before trying again.
 */
export class GlpiUnavailableError extends Error {
  constructor(
    readonly reason: "unreachable" | "timeout" | "dropped" | "server_error" | "bad_response" | "cancelled",
    readonly outcome: "not_sent" | "unknown",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "GlpiUnavailableError";
  }
}

/** The GLPI settings cannot work (GLPI_URL missing, …): said before any request. */
export class GlpiConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = "GlpiConfigError";
  }
}

/** True when a write that failed with `err` certainly did not reach GLPI (safe to send again blindly). */
export function certainlyNotApplied(err: unknown): boolean {
  if (err instanceof GlpiUnavailableError) return err.outcome === "not_sent";
  // GLPI answered with its array: the request was refused, not half-done. A 5xx array
  // (ERROR_SQL) may follow a partial write, so it counts as unknown.
  if (err instanceof GlpiApiError) return err.status < 500;
  return false;
}

/** The first element of a GLPI error array and its message, or null when `body` is not one. */
export function parseGlpiErrorBody(body: unknown): { code: string; detail: string | unknown[] } | null {
  if (!Array.isArray(body) || body.length < 1 || typeof body[0] !== "string") return null;
  if (!/^ERROR/.test(body[0])) return null;
  const detail = body[1];
  return { code: body[0], detail: typeof detail === "string" || Array.isArray(detail) ? detail : detail === undefined ? "" : JSON.stringify(detail) };
}
