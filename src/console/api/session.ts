/** The result of a sign-in attempt, as the form shows it. */
export type SignInResult = { ok: true } | { ok: false; reason: "refused" | "too_many" | "unavailable"; retryAfterSeconds?: number };

/**
 * Opens a session (httpOnly cookie set by the server). Phase B adds the route
 * `POST /api/v1/session`; until then every attempt ends as "unavailable".
 */
export async function signIn(username: string, password: string): Promise<SignInResult> {
  let response: Response;
  try {
    response = await fetch("/api/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ username, password }),
    });
  } catch {
    return { ok: false, reason: "unavailable" };
  }
  if (response.ok) return { ok: true };
  if (response.status === 401) return { ok: false, reason: "refused" };
  if (response.status === 429) return { ok: false, reason: "too_many", retryAfterSeconds: Number(response.headers.get("retry-after") ?? 30) || 30 };
  return { ok: false, reason: "unavailable" };
}
