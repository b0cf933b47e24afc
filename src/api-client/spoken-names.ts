import { API_PREFIX, SPOKEN_NAMES_PAGE, spokenNamesResponse, type SpokenNamesPage } from "../api/contract.js";
import { DependencyUnavailableError } from "../ivr/index.js";
import { requestJson } from "../shared/http-client.js";

export { SPOKEN_NAMES_PAGE };

/** One page of the names the IVR says: `after` is the `next` of the page before (null: the first). */
export type SpokenNamesSource = (after: string | null) => Promise<SpokenNamesPage>;

/**
 * `GET /api/v1/spoken-names` (a token with scope `ivr`): how an IVR node on its own host learns the
 * names it synthesises ahead of its calls. Rejects with DependencyUnavailableError when the API
 * does not answer 200 with the contract's shape.
 */
export function createSpokenNamesReader(options: { baseUrl: string; token: string; timeoutMs: number; pageSize?: number }): SpokenNamesSource {
  const base = `${options.baseUrl.replace(/\/+$/, "")}${API_PREFIX}/spoken-names?limit=${options.pageSize ?? SPOKEN_NAMES_PAGE}`;
  return async (after) => {
    const url = after === null ? base : `${base}&after=${encodeURIComponent(after)}`;
    const reply = await requestJson(url, { headers: { authorization: `Bearer ${options.token}` }, timeoutMs: options.timeoutMs, dependency: "api" });
    const page = reply.status === 200 ? spokenNamesResponse.safeParse(reply.body) : null;
    if (!page?.success) throw new DependencyUnavailableError("api", "bad_response", `GET ${API_PREFIX}/spoken-names answered HTTP ${reply.status}${reply.text ? `: ${reply.text.slice(0, 200)}` : ""}`);
    return page.data;
  };
}
