import type { Component } from "vue";
import type { Role, SessionState } from "./stores/session";

/** What a guard decides: show the page, wait for the session to load, go sign in, or say "no access". */
export type GuardVerdict = "allow" | "wait" | "sign-in" | "forbidden";
export type Guard = (session: Readonly<SessionState>, query: URLSearchParams) => GuardVerdict;

export interface PageRoute {
  /** Unique; the current route's `name`. */
  name: string;
  /** "/admin/usuarios" (the part after `#`, without the query). */
  path: string;
  /** defineAsyncComponent(() => import(…)) for pages behind sign-in, so the first load stays small. */
  component: Component;
  /** Who may open it; absent: anyone (the sign-in page). */
  guard?: Guard;
  /** Label in the header's navigation, shown only to accounts the guard allows. */
  nav?: string;
  /** Props from the query (`#/painel?token=…` → { token }). */
  props?: (query: URLSearchParams) => Record<string, unknown>;
  /** Full screen, no header (the wall TV). */
  tv?: (query: URLSearchParams) => boolean;
  /** Where an account lands after sign-in: the first `home` route its guard allows. */
  home?: boolean;
}

/**
 * The route guard for pages behind sign-in: waits for the session, sends a signed-out desk to the
 * sign-in page (which comes back here afterwards), and refuses an account whose role is not enough
 * (an admin may open every technician's page).
 */
export function requireAccount(role: Role): Guard {
  return (session) => {
    if (!session.loaded) return "wait";
    if (!session.account) return "sign-in";
    return role === "technician" || session.account.role === "admin" ? "allow" : "forbidden";
  };
}
