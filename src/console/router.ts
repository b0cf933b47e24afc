import { ref } from "vue";

/**
 * Hash routes (#/entrar, #/painel?token=…): the server serves one index.html at `/`, and a kiosk
 * token in the fragment is never sent in an HTTP request line (nor logged).
 */
export type RouteName = "signIn" | "wallboard" | "notFound";

export interface Route {
  name: RouteName;
  query: URLSearchParams;
}

const paths: Record<string, RouteName> = { "": "signIn", "/": "signIn", "/entrar": "signIn", "/painel": "wallboard" };

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#/, "");
  const [path = "", query = ""] = body.split("?", 2);
  return { name: paths[path] ?? "notFound", query: new URLSearchParams(query) };
}

export const routeHrefs: Record<Exclude<RouteName, "notFound">, string> = { signIn: "#/entrar", wallboard: "#/painel" };

/** The current route, following the address bar. */
export function useRoute() {
  const route = ref<Route>(parseHash(window.location.hash));
  window.addEventListener("hashchange", () => (route.value = parseHash(window.location.hash)));
  return route;
}
