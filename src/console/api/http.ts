/**
 * The console's one way to call the API: same-origin JSON with the session cookie, the CSRF
 * header on every state-changing request, and a typed failure that names the field. A 401
 * forgets the session, so the route guard sends the desk back to the sign-in page.
 */

/** A refusal from the API: `{ error, message, field? }` with its HTTP status (0: the server was not reached). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly field?: string,
    readonly retryAfterSeconds?: number,
    /** An uploaded file's problem: the line it is on. */
    readonly line?: number,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface Hooks {
  csrfToken: () => string | null;
  onUnauthorized: () => void;
}
let hooks: Hooks = { csrfToken: () => null, onUnauthorized: () => undefined };

/** Set once by the session store. */
export function configureHttp(next: Hooks): void {
  hooks = next;
}

/** Calls `/api/v1<path>`; resolves with the JSON body (undefined for 204), rejects with ApiFailure. */
export async function api<T>(method: Method, path: string, body?: unknown, options: { contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  const csrf = hooks.csrfToken();
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: "same-origin",
      // A Blob (a chosen file) goes as its bytes: the API decodes them (a CSV may be Windows-1252).
      ...(body === undefined ? {} : { body: typeof body === "string" || body instanceof Blob ? body : JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure(0, "unreachable", "server not reached");
  }
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => null)) as (T & { error?: string; message?: string; field?: string; line?: number }) | null;
  if (response.ok) return data as T;
  if (response.status === 401 && path !== "/session") hooks.onUnauthorized();
  const retry = Number(response.headers.get("retry-after"));
  throw new ApiFailure(response.status, data?.error ?? "unknown", data?.message ?? response.statusText, data?.field, Number.isFinite(retry) && retry > 0 ? retry : undefined, data?.line);
}
