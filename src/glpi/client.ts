import type { Logger } from "pino";
import { GlpiApiError, GlpiUnavailableError, parseGlpiErrorBody } from "./errors.js";
import { criteriaParams, phpQuery, type Criterion, type QueryValue } from "./query.js";
import { TICKET_FIELD } from "./status.js";
import { HttpRequestError, neverReachedServer, requestJson, type JsonResponse } from "../shared/http-client.js";

export interface GlpiClientOptions {
  /** GLPI_URL: the base URL ending in apirest.php. */
  url: string;
  /** GLPI_APP_TOKEN; empty when the API client needs none. */
  appToken?: string;
  /** GLPI_USER_TOKEN (the service account's API token), or a login and password (basic auth). */
  auth: { userToken: string } | { login: string; password: string };
  /** Longest wait for one request when the caller gives none. */
  timeoutMs?: number;
  /** After GLPI refused the credentials, no new initSession for this long (never a login loop). */
  loginCooldownMs?: number;
  logger?: Logger;
  now?: () => number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** `POST` results: `id` is false for an item GLPI refused (bulk). */
export interface AddResult {
  id: number | false;
  message: string;
}

/** A search answer; `data` is absent when nothing matched (API.php sets it only inside the row loop). */
export interface SearchResult {
  totalcount: number;
  count: number;
  data?: Array<Record<string, unknown>>;
  "content-range"?: string;
}

export type SortOrder = "ASC" | "DESC";

export interface SearchQuery {
  criteria: Criterion[];
  forcedisplay?: number[];
  /** Search option ids, the first the most significant (a GLPI before 10.0 gets the first only: see search()). */
  sort?: number | readonly number[];
  /** One per sort column, in capitals (GLPI ignores anything else). */
  order?: SortOrder | readonly SortOrder[];
  /** Zero-based, inclusive: [start, end]. */
  range?: [number, number];
}

export interface GlpiTicketRow {
  id: number;
  name: string;
  content: string;
  status: number;
  /** 1–6; null when the row did not carry it. */
  priority: number | null;
  date: string;
  date_mod: string;
  entities_id: number;
  itilcategories_id: number;
  requesttypes_id: number;
  [field: string]: unknown;
}

export interface GlpiFollowup {
  id: number;
  content: string;
  isPrivate: boolean;
  userId: number;
  date: string;
}

/** The user fields the directory sync needs (User table columns, reference §3.6). */
export interface GlpiUser {
  id: number;
  login: string;
  firstName: string;
  lastName: string;
  registrationNumber: string;
  phone: string;
  phone2: string;
  mobile: string;
  active: boolean;
  entityId: number;
  /** The location or user category name when asked with expand_dropdowns (free to use as department). */
  raw: Record<string, unknown>;
}

export interface GlpiCategory {
  id: number;
  name: string;
  completeName: string;
  parentId: number;
  level: number;
  code: string;
  helpdeskVisible: boolean;
  incident: boolean;
  request: boolean;
}

const USER_AGENT = "ura-chamados";
/** The longest search query string sent as a GET (the rest of the line is the path; 8 KiB in all is the web servers' default). */
export const MAX_GET_QUERY = 6000;
const PAGE = 200;

/**
 * GLPI's legacy REST API (apirest.php) for the IVR. One session, opened once and reused (parallel
 * calls share it: API sessions are read-only by default, reference §6). On 401
 * ERROR_SESSION_TOKEN_INVALID it logs in once and replays the request once; a refused login
 * (ERROR_GLPI_LOGIN*) is never retried in a loop: further requests fail at once for a cool-down.
 */
export class GlpiClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private token: string | null = null;
  private login: Promise<string> | null = null;
  private refused: { until: number; error: GlpiApiError } | null = null;
  /** Whether this GLPI sorts a search on several columns (10.0 and later); null until an answer said. */
  private severalSortColumns: boolean | null = null;

  constructor(private readonly options: GlpiClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** GLPI's web address for a ticket (for links in notices): `…/front/ticket.form.php?id=N`. */
  ticketUrl(id: number): string {
    return `${this.base.replace(/\/apirest\.php$/, "")}/front/ticket.form.php?id=${id}`;
  }

  get hasSession(): boolean {
    return this.token !== null;
  }

  // ── sessions ────────────────────────────────────────────────────────────────

  /** Opens a session (or returns the open one). Concurrent callers share one initSession. */
  async session(opts: CallOptions = {}): Promise<string> {
    if (this.token) return this.token;
    if (this.refused && this.now() < this.refused.until) throw this.refused.error;
    this.login ??= this.initSession(opts).finally(() => {
      this.login = null;
    });
    return this.login;
  }

  private async initSession(opts: CallOptions): Promise<string> {
    const auth =
      "userToken" in this.options.auth
        ? `user_token ${this.options.auth.userToken}`
        : `Basic ${Buffer.from(`${this.options.auth.login}:${this.options.auth.password}`).toString("base64")}`;
    // The login is shared by every waiting request, so one caller's abort must not cancel it.
    const reply = await this.send("GET", "/initSession", { headers: { authorization: auth }, what: "initSession", timeoutMs: opts.timeoutMs });
    try {
      const body = this.expect(reply, [200], "initSession") as { session_token?: unknown };
      if (typeof body.session_token !== "string" || body.session_token === "") {
        throw new GlpiUnavailableError("bad_response", "unknown", "initSession: GLPI answered without a session_token");
      }
      this.refused = null;
      this.token = body.session_token;
      this.options.logger?.info("GLPI session opened");
      return this.token;
    } catch (err) {
      if (err instanceof GlpiApiError && err.isLoginRefused) {
        this.refused = { until: this.now() + (this.options.loginCooldownMs ?? 30_000), error: err };
        this.options.logger?.error({ glpiError: err.code }, "GLPI refused the service account's credentials; not retrying for a while");
      }
      throw err;
    }
  }

  /** Ends the session (at shutdown). Never throws: GLPI may be gone already. */
  async killSession(opts: CallOptions = {}): Promise<void> {
    const token = this.token;
    this.token = null;
    if (!token) return;
    try {
      await this.send("GET", "/killSession", { headers: { "session-token": token }, what: "killSession", timeoutMs: opts.timeoutMs ?? 2000 });
    } catch (err) {
      this.options.logger?.warn({ err: (err as Error).message }, "GLPI killSession failed");
    }
  }

  /** `getFullSession`: who the session is (glpiname, glpiactiveprofile, glpiactive_entity …). */
  async fullSession(opts: CallOptions = {}): Promise<Record<string, unknown>> {
    const body = (await this.call("GET", "/getFullSession", { what: "getFullSession", ...opts })) as { session?: Record<string, unknown> };
    return body.session ?? {};
  }

  async myEntities(opts: CallOptions = {}): Promise<Array<{ id: number; name: string }>> {
    const body = (await this.call("GET", "/getMyEntities", { what: "getMyEntities", ...opts })) as { myentities?: Array<{ id: unknown; name: unknown }> };
    return (body.myentities ?? []).map((e) => ({ id: Number(e.id), name: String(e.name ?? "") }));
  }

  // ── tickets ─────────────────────────────────────────────────────────────────

  async createTicket(input: Record<string, unknown>, opts: CallOptions = {}): Promise<number> {
    const body = (await this.call("POST", "/Ticket", { json: { input }, what: "POST /Ticket", ok: [201], ...opts })) as { id?: unknown };
    const id = Number(body.id);
    if (!Number.isInteger(id) || id <= 0) throw new GlpiUnavailableError("bad_response", "unknown", "POST /Ticket: GLPI answered 201 without an id");
    return id;
  }

  /** Several tickets in one request: 201 when all were added, 207 (ERROR_GLPI_PARTIAL_ADD) when some were. */
  async createTickets(inputs: Record<string, unknown>[], opts: CallOptions = {}): Promise<AddResult[]> {
    const reply = await this.callReply("POST", "/Ticket", { json: { input: inputs }, what: "POST /Ticket (bulk)", ok: [201, 207], ...opts });
    const results = reply.status === 207 ? (reply.body as unknown[])[1] : reply.body;
    if (!Array.isArray(results)) throw new GlpiUnavailableError("bad_response", "unknown", "POST /Ticket (bulk): no per-item results");
    return results.map((r) => {
      const item = r as { id?: unknown; message?: unknown };
      return { id: item.id === false || item.id === undefined ? false : Number(item.id), message: String(item.message ?? "") };
    });
  }

  /** The ticket, or null when GLPI does not have it (404) or the account may not read it (403). */
  async getTicket(id: number, opts: CallOptions = {}): Promise<GlpiTicketRow | null> {
    try {
      const row = (await this.call("GET", `/Ticket/${id}`, { what: "GET /Ticket/:id", ...opts })) as Record<string, unknown>;
      return toTicketRow(row);
    } catch (err) {
      if (err instanceof GlpiApiError && (err.code === "ERROR_ITEM_NOT_FOUND" || err.code === "ERROR_RIGHT_MISSING")) return null;
      throw err;
    }
  }

  async updateTicket(id: number, input: Record<string, unknown>, opts: CallOptions = {}): Promise<void> {
    const body = await this.call("PUT", `/Ticket/${id}`, { json: { input }, what: "PUT /Ticket/:id", ...opts });
    // 200 [{"<id>": true, "message": ""}]; false means GLPI refused the change.
    const first = Array.isArray(body) ? (body[0] as Record<string, unknown> | undefined) : undefined;
    if (first && first[String(id)] === false) {
      throw new GlpiApiError(200, "ERROR_GLPI_UPDATE", String(first.message ?? ""), "PUT /Ticket/:id");
    }
  }

  async search(itemtype: "Ticket" | "User" | "ITILCategory", query: SearchQuery, opts: CallOptions = {}): Promise<SearchResult> {
    // GLPI 10.0+ sorts on several columns (`sort[]`/`order[]`); 9.5 compares `sort` with one column and
    // falls back to ORDER BY id when it is an array. The answers say which: 10.0+ echoes `sort` as an
    // array even for one column (SearchEngine::prepareDataForSearch), 9.5 as it was sent. Until one
    // has, and on 9.5, only the first column is sent.
    const sorts = query.sort === undefined ? [] : ([] as number[]).concat(query.sort);
    const orders = query.order === undefined ? [] : ([] as SortOrder[]).concat(query.order);
    const several = sorts.length > 1 && this.severalSortColumns === true;
    const params: Record<string, QueryValue> = {
      criteria: criteriaParams(query.criteria),
      forcedisplay: query.forcedisplay,
      sort: several ? sorts : sorts[0],
      order: several ? orders.slice(0, sorts.length) : orders[0],
      range: query.range ? `${query.range[0]}-${query.range[1]}` : undefined,
    };
    const line = phpQuery(params);
    // A long filter (a large department's requesters) goes as a JSON body: GLPI dispatches search/
    // on the resource whatever the verb and reads a POST's JSON body as its parameters
    // (APIRest::call and parseIncomingParams, 9.5 to 11), while a GET line over 8 KiB is refused by
    // Apache's and nginx's defaults (LimitRequestLine 8190, large_client_header_buffers 8k).
    const body = (await (line.length <= MAX_GET_QUERY
      ? this.call("GET", `/search/${itemtype}${line}`, { what: `search/${itemtype}`, ok: [200, 206], ...opts })
      : this.call("POST", `/search/${itemtype}`, { json: params, what: `search/${itemtype}`, ok: [200, 206], ...opts }))) as Partial<SearchResult>;
    if (typeof body !== "object" || body === null || body.totalcount === undefined) {
      throw new GlpiUnavailableError("bad_response", "unknown", `search/${itemtype}: not a search answer`);
    }
    const echoed = (body as { sort?: unknown }).sort;
    if (!several && echoed !== undefined && echoed !== null) this.severalSortColumns = Array.isArray(echoed);
    return { totalcount: Number(body.totalcount), count: Number(body.count ?? 0), data: Array.isArray(body.data) ? body.data : undefined };
  }

  /**
   * The ids of tickets whose content holds `marker` (the call's reference), lowest first. Used after
   * an unknown outcome, before creating the ticket again. The match is confirmed on the returned
   * content, since `contains` is a LIKE with wildcards on both ends.
   */
  async ticketsWithMarker(marker: string, opts: CallOptions = {}): Promise<number[]> {
    const result = await this.search(
      "Ticket",
      {
        criteria: [{ field: TICKET_FIELD.content, searchtype: "contains", value: marker }],
        forcedisplay: [TICKET_FIELD.id, TICKET_FIELD.content],
        sort: TICKET_FIELD.id,
        order: "ASC",
        range: [0, 49],
      },
      opts,
    );
    return (result.data ?? [])
      .filter((row) => String(row[String(TICKET_FIELD.content)] ?? "").includes(marker))
      .map((row) => Number(row[String(TICKET_FIELD.id)]))
      .filter((id) => Number.isInteger(id) && id > 0)
      .sort((a, b) => a - b);
  }

  // ── follow-ups and documents ────────────────────────────────────────────────

  /** A follow-up on a ticket; `itemtype`/`items_id` go in the input (reference §4.1). */
  async addFollowup(ticketId: number, content: string, options: { isPrivate?: boolean; requestTypeId?: number } & CallOptions = {}): Promise<number> {
    const input = {
      itemtype: "Ticket",
      items_id: ticketId,
      content,
      is_private: options.isPrivate ? 1 : 0,
      ...(options.requestTypeId ? { requesttypes_id: options.requestTypeId } : {}),
    };
    const body = (await this.call("POST", "/ITILFollowup", { json: { input }, what: "POST /ITILFollowup", ok: [201], ...options })) as { id?: unknown };
    return Number(body.id);
  }

  async followups(ticketId: number, opts: CallOptions = {}): Promise<GlpiFollowup[]> {
    const rows = (await this.call("GET", `/Ticket/${ticketId}/ITILFollowup${phpQuery({ range: "0-199", sort: "date", order: "ASC" })}`, {
      what: "GET /Ticket/:id/ITILFollowup",
      ok: [200, 206],
      ...opts,
    })) as Array<Record<string, unknown>>;
    return (Array.isArray(rows) ? rows : []).map((r) => ({
      id: Number(r.id),
      content: String(r.content ?? ""),
      isPrivate: Number(r.is_private) === 1,
      userId: Number(r.users_id ?? 0),
      date: String(r.date ?? ""),
    }));
  }

  /** Uploads a file as a Document linked to the ticket (multipart `uploadManifest` + `filename[0]`, reference §4.2). */
  async uploadDocument(
    ticketId: number,
    file: { name: string; fileName: string; contentType: string; data: Uint8Array },
    opts: CallOptions = {},
  ): Promise<number> {
    const form = new FormData();
    const manifest = { input: { name: file.name, _filename: [file.fileName], itemtype: "Ticket", items_id: ticketId } };
    form.append("uploadManifest", new Blob([JSON.stringify(manifest)], { type: "application/json" }));
    form.append("filename[0]", new Blob([file.data], { type: file.contentType }), file.fileName);
    const body = (await this.call("POST", "/Document", { form, what: "POST /Document", ok: [201], ...opts })) as { id?: unknown };
    const id = Number(body.id);
    if (!Number.isInteger(id) || id <= 0) throw new GlpiUnavailableError("bad_response", "unknown", "POST /Document: GLPI answered 201 without an id");
    return id;
  }

  /** The documents linked to a ticket (`with_documents`, reference §3.1). */
  async ticketDocuments(ticketId: number, opts: CallOptions = {}): Promise<Array<{ id: number; name: string; filename: string }>> {
    const row = (await this.call("GET", `/Ticket/${ticketId}${phpQuery({ with_documents: true })}`, { what: "GET /Ticket/:id?with_documents", ...opts })) as {
      _documents?: Array<Record<string, unknown>>;
    };
    return (Array.isArray(row._documents) ? row._documents : []).map((d) => ({ id: Number(d.id), name: String(d.name ?? ""), filename: String(d.filename ?? "") }));
  }

  // ── directory: users, categories, request types ─────────────────────────────

  /** Every user the account may see, page by page (`range`, 206 + Content-Range). */
  async users(options: { expandDropdowns?: boolean; searchText?: Record<string, string> } & CallOptions = {}): Promise<GlpiUser[]> {
    const rows = await this.collection("User", { expand_dropdowns: options.expandDropdowns ?? false, searchText: options.searchText }, options);
    return rows.map((r) => ({
      id: Number(r.id),
      login: String(r.name ?? ""),
      firstName: String(r.firstname ?? ""),
      lastName: String(r.realname ?? ""),
      registrationNumber: String(r.registration_number ?? ""),
      phone: String(r.phone ?? ""),
      phone2: String(r.phone2 ?? ""),
      mobile: String(r.mobile ?? ""),
      active: Number(r.is_active ?? 1) === 1,
      entityId: Number(r.entities_id ?? 0),
      raw: r,
    }));
  }

  async categories(opts: CallOptions = {}): Promise<GlpiCategory[]> {
    const rows = await this.collection("ITILCategory", {}, opts);
    return rows.map((r) => ({
      id: Number(r.id),
      name: String(r.name ?? ""),
      completeName: String(r.completename ?? r.name ?? ""),
      parentId: Number(r.itilcategories_id ?? 0),
      level: Number(r.level ?? 1),
      code: String(r.code ?? ""),
      helpdeskVisible: Number(r.is_helpdeskvisible ?? 1) === 1,
      incident: Number(r.is_incident ?? 1) === 1,
      request: Number(r.is_request ?? 1) === 1,
    }));
  }

  /** The id of the request type named exactly `name` ("Phone"), or null. */
  async requestTypeId(name: string, opts: CallOptions = {}): Promise<number | null> {
    const rows = await this.collection("RequestType", { searchText: { name: `^${name}$` } }, opts);
    const hit = rows.find((r) => String(r.name ?? "").toLowerCase() === name.toLowerCase());
    return hit ? Number(hit.id) : null;
  }

  private async collection(itemtype: string, params: Record<string, QueryValue>, opts: CallOptions): Promise<Array<Record<string, unknown>>> {
    const all: Array<Record<string, unknown>> = [];
    for (let start = 0; ; start += PAGE) {
      let reply: JsonResponse;
      try {
        reply = await this.callReply("GET", `/${itemtype}/${phpQuery({ ...params, range: `${start}-${start + PAGE - 1}` })}`, {
          what: `GET /${itemtype}`,
          ok: [200, 206],
          ...opts,
        });
      } catch (err) {
        // The total was an exact multiple of the page: the next page starts past the end.
        if (start > 0 && err instanceof GlpiApiError && err.code === "ERROR_RANGE_EXCEED_TOTAL") break;
        throw err;
      }
      const page = Array.isArray(reply.body) ? (reply.body as Array<Record<string, unknown>>) : [];
      all.push(...page);
      const total = Number(/\/(\d+)$/.exec(reply.headers.get("content-range") ?? "")?.[1] ?? NaN);
      if (page.length < PAGE || (Number.isFinite(total) && all.length >= total)) break;
    }
    return all;
  }

  // ── the request machinery ───────────────────────────────────────────────────

  private async call(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    req: { json?: unknown; form?: FormData; what: string; ok?: number[] } & CallOptions,
  ): Promise<unknown> {
    return (await this.callReply(method, path, req)).body;
  }

  /** One authenticated request; on an invalid session, one new login and one replay. */
  private async callReply(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    req: { json?: unknown; form?: FormData; what: string; ok?: number[] } & CallOptions,
  ): Promise<JsonResponse> {
    const attempt = async (token: string): Promise<JsonResponse> => {
      const reply = await this.send(method, path, {
        headers: { "session-token": token },
        json: req.json,
        form: req.form,
        what: req.what,
        timeoutMs: req.timeoutMs,
        signal: req.signal,
      });
      this.expect(reply, req.ok ?? [200], req.what);
      return reply;
    };
    const token = await this.session(req);
    try {
      return await attempt(token);
    } catch (err) {
      if (!(err instanceof GlpiApiError && err.isSessionInvalid)) throw err;
      if (this.token === token) this.token = null;
      this.options.logger?.info("GLPI session expired; logging in again");
      return attempt(await this.session(req));
    }
  }

  /**
   * The one place this client touches the network (the project's JSON HTTP client). No answer is
   * GlpiUnavailableError, saying whether GLPI may have acted on the request anyway.
   */
  private async send(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    req: { headers: Record<string, string>; json?: unknown; form?: FormData; what: string; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<JsonResponse> {
    const headers: Record<string, string> = {
      "user-agent": USER_AGENT,
      // 10.x HTML-encodes text by default; we want the text as written (reference §3.1).
      "x-glpi-sanitized-content": "false",
      // GLPI treats a request without it as JSON anyway; the docs say to always send it (MD:75-78).
      ...(req.form === undefined ? { "content-type": "application/json" } : {}),
      ...(this.options.appToken ? { "app-token": this.options.appToken } : {}),
      ...req.headers,
    };
    try {
      return await requestJson(this.base + path, {
        method,
        headers,
        body: req.json,
        form: req.form,
        timeoutMs: req.timeoutMs ?? this.timeoutMs,
        signal: req.signal,
        dependency: "glpi",
      });
    } catch (err) {
      if (!(err instanceof HttpRequestError)) throw err;
      const notSent = neverReachedServer(err);
      const reason = err.reason === "timeout" ? "timeout" : err.reason === "aborted" ? "cancelled" : notSent ? "unreachable" : "dropped";
      throw new GlpiUnavailableError(reason, notSent ? "not_sent" : "unknown", `${req.what}: GLPI ${reason === "dropped" ? "connection failed" : reason} (${err.message})`, {
        cause: err,
      });
    }
  }

  /** The body of an expected status; GLPI's error array becomes GlpiApiError, anything else GlpiUnavailableError. */
  private expect(reply: JsonResponse, ok: number[], what: string): unknown {
    if (ok.includes(reply.status)) {
      if (reply.notJson) {
        throw new GlpiUnavailableError("bad_response", "unknown", `${what}: GLPI answered HTTP ${reply.status} with something that is not JSON`);
      }
      return reply.body;
    }
    const error = parseGlpiErrorBody(reply.body);
    if (error) throw new GlpiApiError(reply.status, error.code, error.detail, what);
    if (reply.status >= 500) throw new GlpiUnavailableError("server_error", "unknown", `${what}: GLPI answered HTTP ${reply.status}`);
    throw new GlpiUnavailableError("bad_response", "unknown", `${what}: GLPI answered HTTP ${reply.status} without its error array`);
  }
}

function toTicketRow(row: Record<string, unknown>): GlpiTicketRow {
  return {
    ...row,
    id: Number(row.id),
    name: String(row.name ?? ""),
    content: String(row.content ?? ""),
    status: Number(row.status),
    priority: row.priority === undefined || row.priority === null ? null : Number(row.priority),
    date: String(row.date ?? ""),
    date_mod: String(row.date_mod ?? row.date ?? ""),
    entities_id: Number(row.entities_id ?? 0),
    itilcategories_id: Number(row.itilcategories_id ?? 0),
    requesttypes_id: Number(row.requesttypes_id ?? 0),
  };
}
