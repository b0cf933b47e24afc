import { reactive, readonly } from "vue";
import { api, ApiFailure, configureHttp } from "../api/http";

export type Role = "technician" | "admin";

/** The signed-in account, as GET /api/v1/session describes it. */
export interface SessionAccount {
  username: string;
  name: string;
  role: Role;
  /** The desk phone's extension (screen-pop with AMI), when set. */
  extension: string | null;
}

interface SessionView {
  account: SessionAccount;
  csrfToken: string;
  expiresAt: string;
}

export interface SessionState {
  /** False until the first GET /api/v1/session answered: guards wait for it. */
  loaded: boolean;
  account: SessionAccount | null;
  csrfToken: string | null;
}

/** The result of a sign-in attempt, as the form shows it. */
export type SignInResult = { ok: true } | { ok: false; reason: "refused" | "too_many" | "unavailable"; retryAfterSeconds?: number };

const state = reactive<SessionState>({ loaded: false, account: null, csrfToken: null });

configureHttp({
  csrfToken: () => state.csrfToken,
  // The session ended (idle, signed out elsewhere, account deactivated): the guard shows the sign-in page.
  onUnauthorized: () => {
    state.account = null;
    state.csrfToken = null;
  },
});

function apply(view: SessionView | null): void {
  state.account = view?.account ?? null;
  state.csrfToken = view?.csrfToken ?? null;
  state.loaded = true;
}

let loading: Promise<void> | null = null;

/** Asks the server who is signed in (the cookie is httpOnly: only the server can tell). */
function load(): Promise<void> {
  loading ??= api<SessionView>("GET", "/session").then(
    (view) => apply(view),
    () => apply(null),
  ).finally(() => (loading = null));
  return loading;
}

async function signIn(username: string, password: string): Promise<SignInResult> {
  try {
    apply(await api<SessionView>("POST", "/session", { username, password }));
    return { ok: true };
  } catch (err) {
    const failure = err instanceof ApiFailure ? err : new ApiFailure(0, "unknown", String(err));
    if (failure.status === 401) return { ok: false, reason: "refused" };
    if (failure.status === 429) return { ok: false, reason: "too_many", retryAfterSeconds: failure.retryAfterSeconds ?? 60 };
    return { ok: false, reason: "unavailable" };
  }
}

async function signOut(): Promise<void> {
  try {
    await api<void>("DELETE", "/session");
  } finally {
    apply(null);
  }
}

/**
 * The console's session, shared by every page: `state.account` (null when signed out),
 * `load()` once at start, `signIn`, `signOut`.
 * Calls to the API go through `api()` from api/http.ts, which adds the CSRF header.
 */
export function useSession() {
  return {
    state: readonly(state),
    load,
    signIn,
    signOut,
  };
}
