import { shallowRef } from "vue";
import type { PageRoute } from "./guards";
import type { SessionState } from "./stores/session";
import { adminPages } from "./routes/admin";
import { publicPages } from "./routes/public";
import { techPages } from "./routes/tech";

/**
 * Hash routes (#/entrar, #/painel?token=…, #/admin/usuarios): the server serves one index.html at
 * `/`, and a kiosk token in the fragment is never sent in an HTTP request line (nor logged).
 * Each page declares its route in routes/*.ts, with a guard that says who may open it.
 */
export { requireAccount, type Guard, type GuardVerdict, type PageRoute } from "./guards";

export const pages: PageRoute[] = [...publicPages, ...techPages, ...adminPages];

export interface Route {
  name: string;
  path: string;
  query: URLSearchParams;
  page: PageRoute | null;
}

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#/, "");
  const [rawPath = "", query = ""] = body.split("?", 2);
  const path = rawPath === "" || rawPath === "/" ? "/entrar" : rawPath;
  const page = pages.find((p) => p.path === path) ?? null;
  return { name: page?.name ?? "notFound", path, query: new URLSearchParams(query), page };
}

/** `#/path` of a page by name. */
export function hrefOf(name: string, query?: Record<string, string>): string {
  const page = pages.find((p) => p.name === name);
  const search = query ? `?${new URLSearchParams(query).toString()}` : "";
  return `#${page?.path ?? "/"}${search}`;
}

/** The public pages' addresses (kept for the views that link to them). */
export const routeHrefs = { signIn: "#/entrar", wallboard: "#/painel" } as const;

/** Where an account lands after signing in (unless it came from a page): its first home page, else the wallboard. */
export function homeHref(session: Readonly<SessionState>): string {
  const home = pages.find((p) => p.home && (!p.guard || p.guard(session, new URLSearchParams()) === "allow"));
  return home ? `#${home.path}` : routeHrefs.wallboard;
}

const current = shallowRef<Route>(parseHash(window.location.hash));
window.addEventListener("hashchange", () => (current.value = parseHash(window.location.hash)));

/** The current route, following the address bar (one for the whole page). */
export function useRoute() {
  return current;
}
