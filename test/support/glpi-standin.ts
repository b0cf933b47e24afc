import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A local stand-in for GLPI's legacy REST API (apirest.php), built from
 * /work/shared/reference/glpi-api.md (GLPI 10.0.15 source lines cited there). It speaks the wire
 * protocol our client meets: the `["ERROR_…", message]` array with GLPI's HTTP statuses, the checks
 * GLPI makes before any endpoint (API enabled → caller IP → App-Token → session), sessions that
 * expire, 201/207/400 on single and bulk adds, search answers that leave `data` out when empty,
 * follow-ups and multipart document upload. It can be told to be down (the port refuses
 * connections), slow (answers late, after the work is done) or to fail once after committing.
 *
 * What it is not: GLPI's rights model, business rules, templates, notifications or HTML sanitising.
 * Its state is public so tests can look at what "GLPI" holds.
 */

export interface StandinUser {
  id: number;
  login: string;
  password?: string;
  /** The user's API token (Remote access key). */
  userToken?: string;
  firstname?: string;
  realname?: string;
  registration_number?: string;
  phone?: string;
  phone2?: string;
  mobile?: string;
  is_active?: number;
  entities_id?: number;
  locations_id?: number;
  /** What the user's profile allows (default: everything the IVR needs). */
  rights?: { ticketCreate?: boolean; userRead?: boolean; categoryRead?: boolean };
  /** Entities the user may work in (default [0]). */
  entities?: number[];
}

export interface StandinTicket {
  id: number;
  entities_id: number;
  name: string;
  content: string;
  date: string;
  date_mod: string;
  solvedate: string | null;
  closedate: string | null;
  status: number;
  type: number;
  urgency: number;
  impact: number;
  priority: number;
  itilcategories_id: number;
  requesttypes_id: number;
  users_id_recipient: number;
  requesters: number[];
}

export interface StandinFollowup {
  id: number;
  itemtype: string;
  items_id: number;
  content: string;
  is_private: number;
  users_id: number;
  requesttypes_id: number;
  date: string;
}

export interface StandinDocument {
  id: number;
  name: string;
  filename: string;
  mime: string;
  filesize: number;
  sha1sum: string;
  data: Buffer;
  /** Tickets the document is linked to (Document_Item). */
  tickets: number[];
}

export interface StandinOptions {
  /** The API client's app token; null = an API client that needs none (reference §1.1). */
  appToken?: string | null;
  /** Setup > General > API > Enable REST API. */
  apiEnabled?: boolean;
  /** Addresses with an active API client; default loopback. */
  allowedIps?: string[];
  /** Login with login/password (off by default in GLPI). */
  credentialsLogin?: boolean;
  /** A session unused this long is gone (PHP session GC); default one hour. */
  sessionTtlMs?: number;
  users?: StandinUser[];
  categories?: Array<{ id: number; name: string; itilcategories_id?: number; code?: string; is_helpdeskvisible?: number }>;
  /** Default: GLPI's six (1 Helpdesk … 3 Phone …). */
  requestTypes?: Array<{ id: number; name: string }>;
  entities?: Array<{ id: number; name: string }>;
  /** The first ticket id (so ids differ from other numbers in a test). */
  firstTicketId?: number;
  /** The user's list_limit: the default page of collections and searches. */
  listLimit?: number;
  /**
   * "9.5": search/ sorts on one column only (a `sort` array is not one of the columns, so the search
   * falls back to ORDER BY id) and echoes `sort`/`order` as sent; default: GLPI 10/11, which sorts
   * on several columns and echoes them as arrays.
   */
  version?: "9.5" | "10";
  now?: () => Date;
}

export interface StandinRequest {
  method: string;
  /** The path after apirest.php, without the query. */
  path: string;
  query: string;
  status: number;
}

type Json = unknown;

class Reply {
  constructor(
    readonly status: number,
    readonly body: Json,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** GLPI's `returnError` (API.php:2786-2811): `[code, message + doc hint]`, empty code → 400 "ERROR". */
function glpiError(status: number, code: string, message: string | Json[], docmessage = true): Reply {
  const text = typeof message === "string" && docmessage ? `${message}; view documentation in your browser at http://localhost/glpi/api/#${code}` : message;
  return new Reply(status, [code, text]);
}

const DEFAULT_REQUEST_TYPES = [
  { id: 1, name: "Helpdesk" },
  { id: 2, name: "E-Mail" },
  { id: 3, name: "Phone" },
  { id: 4, name: "Direct" },
  { id: 5, name: "Written" },
  { id: 6, name: "Other" },
];

/** The default priority matrix, [urgency][impact] (reference §5.3). */
const PRIORITY: number[][] = [
  [1, 1, 2, 2, 2],
  [1, 2, 2, 3, 3],
  [2, 2, 3, 4, 4],
  [2, 3, 4, 4, 5],
  [2, 3, 4, 5, 5],
];

const UPLOADABLE = new Set(["wav", "ogg", "mp3", "pdf", "png", "jpg", "jpeg", "txt", "gz", "zip"]);

export class GlpiStandin {
  readonly tickets = new Map<number, StandinTicket>();
  readonly followups: StandinFollowup[] = [];
  readonly documents: StandinDocument[] = [];
  readonly requests: StandinRequest[] = [];
  readonly sessions = new Map<string, { userId: number; lastUsed: number; entity: number }>();
  users: StandinUser[];
  categories: NonNullable<StandinOptions["categories"]>;
  requestTypes: NonNullable<StandinOptions["requestTypes"]>;
  entities: NonNullable<StandinOptions["entities"]>;
  appToken: string | null;
  apiEnabled: boolean;
  allowedIps: string[];
  credentialsLogin: boolean;
  sessionTtlMs: number;
  /** Every answer waits this long, after the work is done (a slow GLPI that still commits). */
  delayMs = 0;

  /** The base URL, like GLPI_URL: `http://127.0.0.1:<port>/glpi/apirest.php`. */
  url = "";
  port = 0;

  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextTicketId: number;
  private nextFollowupId = 1;
  private nextDocumentId = 1;
  private failNextCreate: "drop" | "500" | null = null;
  private readonly listLimit: number;
  private readonly version: "9.5" | "10";
  private readonly now: () => Date;

  constructor(options: StandinOptions = {}) {
    this.appToken = options.appToken === undefined ? "app-token-0123456789" : options.appToken;
    this.apiEnabled = options.apiEnabled ?? true;
    this.allowedIps = options.allowedIps ?? ["127.0.0.1", "::1", "::ffff:127.0.0.1"];
    this.credentialsLogin = options.credentialsLogin ?? false;
    this.sessionTtlMs = options.sessionTtlMs ?? 3_600_000;
    this.users = options.users ?? [{ id: 7, login: "ura-ivr", userToken: "user-token-0123456789", realname: "URA", firstname: "Serviço" }];
    this.categories = options.categories ?? [];
    this.requestTypes = options.requestTypes ?? DEFAULT_REQUEST_TYPES;
    this.entities = options.entities ?? [{ id: 0, name: "Root entity" }];
    this.nextTicketId = options.firstTicketId ?? 1;
    this.listLimit = options.listLimit ?? 20;
    this.version = options.version ?? "10";
    this.now = options.now ?? (() => new Date());
  }

  // ── life cycle and failure modes ────────────────────────────────────────────

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/glpi/apirest.php`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** GLPI goes down: the port refuses connections (open ones are cut). */
  async goDown(): Promise<void> {
    await this.stop();
  }

  /** GLPI comes back on the same address, with its data (sessions are kept, as PHP's files are). */
  async comeBack(): Promise<void> {
    if (!this.server) await this.start();
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** The next POST /Ticket creates its ticket(s), then drops the connection or answers a bare 500. */
  failOnceAfterCommit(mode: "drop" | "500"): void {
    this.failNextCreate = mode;
  }

  /** Every session is gone (PHP's session GC ran). */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** Requests to one endpoint, e.g. `count("GET", "/initSession")`. */
  count(method: string, path: string | RegExp): number {
    return this.requests.filter((r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path))).length;
  }

  /** Tickets whose content holds `text`. */
  ticketsWith(text: string): StandinTicket[] {
    return [...this.tickets.values()].filter((t) => t.content.includes(text));
  }

  // ── the HTTP front: GLPI's checks before any endpoint ───────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "http://glpi");
    // Apache's LimitRequestLine (8190 bytes by default; nginx's 8k buffers likewise) refuses a longer GET line.
    if (`${req.method} ${req.url} HTTP/1.1`.length > 8190) {
      this.requests.push({ method: req.method ?? "", path: url.pathname, query: url.search, status: 414 });
      res.writeHead(414, { "content-type": "text/html; charset=iso-8859-1" });
      res.end("<html><head><title>414 Request-URI Too Long</title></head><body><h1>Request-URI Too Long</h1></body></html>");
      return;
    }
    const prefix = "/glpi/apirest.php";
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || "/" : url.pathname;
    let reply: Reply | "drop";
    try {
      reply = await this.route(req, path.replace(/\/+$/, "") || "/", url.searchParams, raw);
    } catch (err) {
      reply = glpiError(500, "ERROR_SQL", `Unexpected SQL Error (${(err as Error).message})`);
    }
    this.requests.push({ method: req.method ?? "", path: path.replace(/\/+$/, "") || "/", query: url.search, status: reply === "drop" ? 0 : reply.status });
    const send = () => {
      if (res.destroyed) return;
      if (reply === "drop") {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { "content-type": "application/json; charset=UTF-8", ...reply.headers });
      res.end(reply.body === undefined ? "" : typeof reply.body === "string" && reply.status >= 500 ? reply.body : JSON.stringify(reply.body));
    };
    if (this.delayMs > 0) setTimeout(send, this.delayMs);
    else send();
  }

  private async route(req: IncomingMessage, path: string, query: URLSearchParams, raw: Buffer): Promise<Reply | "drop"> {
    const method = req.method ?? "GET";
    // API.php initApi: enabled (166-168), then the caller's IP (170-206), then the app token (2240-2261).
    if (!this.apiEnabled) return glpiError(400, "ERROR", "API disabled", false);
    const ip = req.socket.remoteAddress ?? "";
    if (!this.allowedIps.includes(ip)) {
      return glpiError(400, "ERROR_NOT_ALLOWED_IP", `There isn't an active API client matching your IP address in the configuration (${ip.replace(/^::ffff:/, "")})`);
    }
    const appToken = header(req, "app-token") ?? query.get("app_token");
    if (this.appToken !== null) {
      if (!appToken) return glpiError(400, "ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing parameter app_token");
      if (appToken !== this.appToken) return glpiError(400, "ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong");
    }

    const isMultipart = (header(req, "content-type") ?? "").startsWith("multipart/form-data");
    let body: Record<string, unknown> | null = null;
    let form: FormData | null = null;
    if (isMultipart) {
      form = await new Response(new Uint8Array(raw), { headers: { "content-type": header(req, "content-type")! } }).formData();
      const manifest = form.get("uploadManifest");
      const text = typeof manifest === "string" ? manifest : manifest ? await manifest.text() : null;
      try {
        body = text === null ? null : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        return glpiError(400, "ERROR_JSON_PAYLOAD_INVALID", "JSON payload seems not valid");
      }
    } else if (raw.length > 0) {
      if (method === "GET") return glpiError(400, "ERROR_JSON_PAYLOAD_FORBIDDEN", "GET requests should not have json payload (http body)");
      try {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      } catch {
        return glpiError(400, "ERROR_JSON_PAYLOAD_INVALID", "JSON payload seems not valid");
      }
    }

    // The dispatcher compares the resource only, not the verb (APIRest.php:170-173).
    if (path === "/initSession") return this.initSession(req, query);

    const token = header(req, "session-token") ?? query.get("session_token");
    if (!token) return glpiError(400, "ERROR_SESSION_TOKEN_MISSING", "parameter session_token is missing or empty");
    const session = this.sessions.get(token);
    const nowMs = this.now().getTime();
    if (!session || nowMs - session.lastUsed > this.sessionTtlMs) {
      this.sessions.delete(token);
      return glpiError(401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid");
    }
    session.lastUsed = nowMs;
    const user = this.users.find((u) => u.id === session.userId)!;

    if (path === "/killSession") {
      this.sessions.delete(token);
      return new Reply(200, true);
    }
    if (path === "/getFullSession") {
      return new Reply(200, {
        session: {
          glpiID: user.id,
          glpiname: user.login,
          glpiactive_entity: session.entity,
          glpiactiveprofile: { name: "URA" },
          glpilist_limit: this.listLimit,
        },
      });
    }
    if (path === "/getMyEntities") {
      const mine = user.entities ?? [0];
      return new Reply(200, { myentities: this.entities.filter((e) => mine.includes(e.id)) });
    }

    const parts = path.split("/").filter(Boolean);
    if (parts[0] === "search" && parts.length === 2) {
      // search/ whatever the verb, a POST's JSON body over the query string (APIRest::call, parseIncomingParams).
      const params = { ...parsePhpQuery(query), ...(body ?? {}) };
      if (parts[1] === "Ticket") return this.searchTickets(params);
      if (parts[1] === "User") {
        if (user.rights?.userRead === false) return glpiError(403, "ERROR_RIGHT_MISSING", "You don't have permission to perform this action.");
        return this.searchUsers(params);
      }
      return glpiError(400, "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM", "resource not found or not an instance of CommonDBTM");
    }
    const [itemtype, idText, sub] = parts;
    const id = idText === undefined ? null : Number(idText);
    switch (itemtype) {
      case "Ticket":
        if (method === "POST" && id === null) return this.addTickets(body, user, session.entity);
        if (method === "GET" && id !== null && sub === undefined) return this.getTicket(id, user, query);
        if (method === "PUT" && id !== null) return this.updateTicket(id, body);
        if (method === "GET" && id !== null && sub === "ITILFollowup") return this.ticketFollowups(id, query);
        if (method === "GET" && id !== null && sub === "Ticket_User") return this.ticketUsers(id);
        if (method === "GET" && id !== null && sub === "Document_Item") return this.ticketDocuments(id);
        break;
      case "ITILFollowup":
        if (method === "POST") return this.addFollowup(body, user);
        break;
      case "Document":
        if (method === "POST") return this.addDocument(body, form);
        break;
      case "User":
        if (method === "GET" && id === null) {
          if (user.rights?.userRead === false) return glpiError(403, "ERROR_RIGHT_MISSING", "You don't have permission to perform this action.");
          return this.collectionOf(this.users.map((u) => this.userRow(u, query.get("expand_dropdowns") === "true")), query);
        }
        break;
      case "ITILCategory":
        if (method === "GET" && id === null) {
          if (user.rights?.categoryRead === false) return glpiError(403, "ERROR_RIGHT_MISSING", "You don't have permission to perform this action.");
          return this.collectionOf(this.categories.map((c) => this.categoryRow(c)), query);
        }
        break;
      case "RequestType":
        if (method === "GET" && id === null) {
          return this.collectionOf(
            this.requestTypes.map((t) => ({ id: t.id, name: t.name, is_active: 1, is_helpdesk_default: t.id === 1 ? 1 : 0, is_followup_default: t.id === 1 ? 1 : 0 })),
            query,
          );
        }
        break;
      default:
        return glpiError(400, "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM", "resource not found or not an instance of CommonDBTM");
    }
    return glpiError(405, "ERROR_METHOD_NOT_ALLOWED", "Method Not Allowed");
  }

  // ── sessions ────────────────────────────────────────────────────────────────

  private initSession(req: IncomingMessage, query: URLSearchParams): Reply {
    const authorization = header(req, "authorization") ?? "";
    const userToken = query.get("user_token") ?? (authorization.startsWith("user_token ") ? authorization.split(" ")[1] : undefined);
    const basic = authorization.startsWith("Basic ") ? Buffer.from(authorization.slice(6), "base64").toString("utf8") : null;
    let user: StandinUser | undefined;
    if (userToken) {
      user = this.users.find((u) => u.userToken !== undefined && u.userToken === userToken);
      if (!user) return glpiError(401, "ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid");
    } else if (basic !== null) {
      if (!this.credentialsLogin) return glpiError(400, "ERROR_LOGIN_WITH_CREDENTIALS_DISABLED", "cannot log with credentials");
      const [login, ...rest] = basic.split(":");
      user = this.users.find((u) => u.login === login && u.password !== undefined && u.password === rest.join(":"));
      if (!user) return glpiError(401, "ERROR_GLPI_LOGIN", "Incorrect username or password", false);
    } else {
      return glpiError(400, "ERROR_LOGIN_PARAMETERS_MISSING", "parameter(s) login, password or user_token are missing");
    }
    const token = randomBytes(20).toString("hex");
    this.sessions.set(token, { userId: user.id, lastUsed: this.now().getTime(), entity: (user.entities ?? [0])[0]! });
    const body: Record<string, unknown> = { session_token: token };
    if (query.get("get_full_session") === "true") body.session = { glpiID: user.id, glpiname: user.login };
    return new Reply(200, body);
  }

  // ── tickets ─────────────────────────────────────────────────────────────────

  private addTickets(body: Record<string, unknown> | null, user: StandinUser, activeEntity: number): Reply | "drop" {
    const input = body?.input;
    if (input === undefined || input === null || typeof input !== "object") {
      return glpiError(400, "ERROR_BAD_ARRAY", "input parameter must be an array of objects");
    }
    const items = Array.isArray(input) ? (input as Record<string, unknown>[]) : [input as Record<string, unknown>];
    const results = items.map((item) => this.addTicket(item, user, activeEntity));
    const fail = this.failNextCreate;
    this.failNextCreate = null;
    if (fail === "drop") return "drop";
    if (fail === "500") return new Reply(500, "<html><body>Internal Server Error</body></html>");
    const base = "http://localhost/glpi/api/Ticket/";
    if (!Array.isArray(input)) {
      const r = results[0]!;
      if (r.id === false) return glpiError(400, "ERROR_GLPI_ADD", r.message, false);
      return new Reply(201, r, { location: `${base}${r.id}` });
    }
    const failed = results.filter((r) => r.id === false).length;
    if (failed === 0) return new Reply(201, results, { link: results.map((r) => `${base}${r.id}`).join(",") });
    // API.php:1884-1890: returnError exits before APIRest adds a Link header.
    if (failed < results.length) return glpiError(207, "ERROR_GLPI_PARTIAL_ADD", results, false);
    return glpiError(400, "ERROR_GLPI_ADD", results, false);
  }

  private addTicket(input: Record<string, unknown>, user: StandinUser, activeEntity: number): { id: number | false; message: string } {
    const denied = "You don't have permission to perform this action.";
    if (user.rights?.ticketCreate === false) return { id: false, message: denied };
    const entity = input.entities_id === undefined ? activeEntity : Number(input.entities_id);
    if (!(user.entities ?? [0]).includes(entity)) return { id: false, message: denied };
    if (input.date !== undefined && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(String(input.date))) {
      return { id: false, message: "Incorrect value for date field." };
    }
    const now = glpiDate(this.now());
    const content = String(input.content ?? "");
    const urgency = clampLevel(input.urgency);
    const impact = clampLevel(input.impact);
    const requesters = input._users_id_requester === undefined ? [] : ([] as unknown[]).concat(input._users_id_requester).map(Number).filter((n) => n > 0);
    const ticket: StandinTicket = {
      id: this.nextTicketId++,
      entities_id: entity,
      name: String(input.name ?? "") || content.replace(/<[^>]*>/g, "").slice(0, 70),
      content,
      date: input.date === undefined ? now : String(input.date),
      date_mod: now,
      solvedate: null,
      closedate: null,
      status: input.status === undefined ? 1 : Number(input.status),
      type: input.type === undefined ? 1 : Number(input.type),
      urgency,
      impact,
      // CommonITILObject.php:2594-2601: a given priority is kept (the account may change it), else the matrix's.
      priority: [1, 2, 3, 4, 5, 6].includes(Number(input.priority)) ? Number(input.priority) : PRIORITY[urgency - 1]![impact - 1]!,
      itilcategories_id: Number(input.itilcategories_id ?? 0),
      requesttypes_id: Number(input.requesttypes_id ?? 1),
      // CommonITILObject.php:2606-2623: the writer is the API user.
      users_id_recipient: user.id,
      requesters,
    };
    this.tickets.set(ticket.id, ticket);
    return { id: ticket.id, message: "" };
  }

  private getTicket(id: number, user: StandinUser, query: URLSearchParams): Reply {
    const t = this.tickets.get(id);
    if (!t) return glpiError(404, "ERROR_ITEM_NOT_FOUND", "Item not found");
    if (!(user.entities ?? [0]).includes(t.entities_id)) return glpiError(403, "ERROR_RIGHT_MISSING", "You don't have permission to perform this action.");
    const { requesters: _r, ...row } = t;
    const out: Record<string, unknown> = { ...row };
    if (query.get("with_documents") === "true") {
      out._documents = this.documents
        .filter((d) => d.tickets.includes(t.id))
        .map((d) => ({ id: d.id, name: d.name, filename: d.filename, mime: d.mime, sha1sum: d.sha1sum, filesize: d.filesize }));
    }
    if (query.get("get_hateoas") !== "false") {
      out.links = [
        { rel: "Entity", href: `http://localhost/glpi/api/Entity/${t.entities_id}` },
        { rel: "ITILFollowup", href: `http://localhost/glpi/api/Ticket/${t.id}/ITILFollowup` },
      ];
    }
    return new Reply(200, out, { "last-modified": new Date(t.date_mod.replace(" ", "T") + "Z").toUTCString() });
  }

  private updateTicket(id: number, body: Record<string, unknown> | null): Reply {
    const input = body?.input as Record<string, unknown> | undefined;
    if (!input || typeof input !== "object" || Array.isArray(input)) return glpiError(400, "ERROR_BAD_ARRAY", "input parameter must be an array of objects");
    const t = this.tickets.get(id);
    if (!t) return glpiError(400, "ERROR_GLPI_UPDATE", [{ [String(id)]: false, message: "Item not found" }], false);
    const now = glpiDate(this.now());
    if (input.status !== undefined) {
      const status = Number(input.status);
      if (!Number.isInteger(status) || status < 1 || status > 6) return glpiError(400, "ERROR_GLPI_UPDATE", [{ [String(id)]: false, message: "" }], false);
      t.status = status;
      if (status === 5) t.solvedate = now;
      if (status === 6) t.closedate = now;
    }
    for (const field of ["name", "content", "itilcategories_id"] as const) {
      if (input[field] !== undefined) (t as unknown as Record<string, unknown>)[field] = typeof t[field] === "number" ? Number(input[field]) : String(input[field]);
    }
    this.applyPriority(t, input);
    t.date_mod = now;
    return new Reply(200, [{ [String(id)]: true, message: "" }]);
  }

  /**
   * What a technician does in GLPI's form: change urgency, impact or priority (1–6, 6 = Major).
   * GLPI recomputes the priority from its matrix when urgency or impact change and no priority is
   * given (CommonITILObject, reference §5.3 [inference for updates]).
   */
  technicianSets(id: number, change: { urgency?: number; impact?: number; priority?: number }): void {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`the stand-in has no ticket ${id}`);
    this.applyPriority(t, change);
    t.date_mod = glpiDate(this.now());
  }

  private applyPriority(t: StandinTicket, input: Record<string, unknown>): void {
    if (input.urgency !== undefined) t.urgency = clampLevel(input.urgency);
    if (input.impact !== undefined) t.impact = clampLevel(input.impact);
    const priority = Number(input.priority);
    if (input.priority !== undefined && Number.isInteger(priority) && priority >= 1 && priority <= 6) t.priority = priority;
    else if (input.urgency !== undefined || input.impact !== undefined) t.priority = PRIORITY[t.urgency - 1]![t.impact - 1]!;
  }

  private ticketUsers(id: number): Reply {
    const t = this.tickets.get(id);
    if (!t) return glpiError(404, "ERROR_ITEM_NOT_FOUND", "Item not found");
    return new Reply(200, t.requesters.map((u, i) => ({ id: i + 1, tickets_id: id, users_id: u, type: 1, use_notification: 1 })));
  }

  private ticketDocuments(id: number): Reply {
    const rows = this.documents
      .filter((d) => d.tickets.includes(id))
      .map((d) => ({ id: d.id, documents_id: d.id, itemtype: "Ticket", items_id: id }));
    return new Reply(200, rows);
  }

  // ── follow-ups and documents ────────────────────────────────────────────────

  private addFollowup(body: Record<string, unknown> | null, user: StandinUser): Reply {
    const input = body?.input as Record<string, unknown> | undefined;
    if (!input || typeof input !== "object" || Array.isArray(input)) return glpiError(400, "ERROR_BAD_ARRAY", "input parameter must be an array of objects");
    const denied = "You don't have permission to perform this action.";
    // ITILFollowup::canCreateItem is false without itemtype (FUP:162-186); closed tickets take none.
    if (input.itemtype !== "Ticket") return glpiError(400, "ERROR_GLPI_ADD", denied, false);
    const t = this.tickets.get(Number(input.items_id));
    if (!t || t.status === 6) return glpiError(400, "ERROR_GLPI_ADD", denied, false);
    const content = String(input.content ?? "");
    if (content.trim() === "") return glpiError(400, "ERROR_GLPI_ADD", "You can't add a followup without description", false);
    const now = glpiDate(this.now());
    const followup: StandinFollowup = {
      id: this.nextFollowupId++,
      itemtype: "Ticket",
      items_id: t.id,
      content,
      is_private: Number(input.is_private ?? 0),
      users_id: user.id,
      requesttypes_id: Number(input.requesttypes_id ?? 0),
      date: now,
    };
    this.followups.push(followup);
    t.date_mod = now;
    return new Reply(201, { id: followup.id, message: "" }, { location: `http://localhost/glpi/api/ITILFollowup/${followup.id}` });
  }

  private ticketFollowups(id: number, query: URLSearchParams): Reply {
    if (!this.tickets.has(id)) return glpiError(404, "ERROR_ITEM_NOT_FOUND", "Item not found");
    const rows = this.followups.filter((f) => f.items_id === id);
    return this.collectionOf(rows as unknown as Array<Record<string, unknown>>, query);
  }

  private async addDocument(body: Record<string, unknown> | null, form: FormData | null): Promise<Reply> {
    const files = form ? [...form.entries()].filter(([k, v]) => k.startsWith("filename") && typeof v !== "string") : [];
    // APIRest.php:510-537: no files → the request was over post_max_size as far as GLPI can tell.
    if (files.length === 0) return glpiError(400, "ERROR_UPLOAD_FILE_TOO_BIG_POST_MAX_SIZE", "The file seems too big");
    const input = body?.input as Record<string, unknown> | undefined;
    if (!input || typeof input !== "object") return glpiError(400, "ERROR_BAD_ARRAY", "input parameter must be an array of objects");
    const file = files[0]![1] as File;
    const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
    if (!UPLOADABLE.has(ext)) return glpiError(400, "ERROR_GLPI_ADD", "Filetype not allowed", false);
    const data = Buffer.from(await file.arrayBuffer());
    const doc: StandinDocument = {
      id: this.nextDocumentId++,
      name: String(input.name ?? file.name),
      filename: file.name,
      mime: file.type,
      filesize: data.length,
      sha1sum: createHash("sha1").update(data).digest("hex"),
      data,
      tickets: [],
    };
    if (input.itemtype === "Ticket" && this.tickets.has(Number(input.items_id))) doc.tickets.push(Number(input.items_id));
    this.documents.push(doc);
    return new Reply(201, { id: doc.id, message: "Document move succeeded.", upload_result: { filename: [{ name: file.name, size: data.length }] } });
  }

  // ── collections and search ──────────────────────────────────────────────────

  /** GET /:itemtype/ (API.php:1084-1330): searchText, range, 206 + Content-Range. */
  private collectionOf(rows: Array<Record<string, unknown>>, query: URLSearchParams): Reply {
    const params = parsePhpQuery(query);
    let list = rows;
    const searchText = params.searchText as Record<string, string> | undefined;
    if (searchText && typeof searchText === "object") {
      for (const [field, value] of Object.entries(searchText)) {
        list = list.filter((r) => textMatches(String(r[field] ?? ""), String(value)));
      }
    }
    // API.php getItems: `order` ASC or DESC in any case, `sort` a column of the table, else a 400.
    const sort = typeof params.sort === "string" ? params.sort : "id";
    const orderText = typeof params.order === "string" ? params.order.toUpperCase() : "ASC";
    if (orderText !== "ASC" && orderText !== "DESC") return glpiError(400, "ERROR", "order must be DESC or ASC", false);
    if (rows.length > 0 && !(sort in rows[0]!)) return glpiError(400, "ERROR", "sort param is not a field of the table", false);
    const desc = orderText === "DESC";
    list = [...list].sort((a, b) => compare(a[sort], b[sort]) * (desc ? -1 : 1));
    const total = list.length;
    const range = typeof params.range === "string" ? params.range : `0-${this.listLimit - 1}`;
    const m = /^(\d+)-(\d+)$/.exec(range);
    if (!m) return glpiError(400, "ERROR", "range must be start-end", false);
    const start = Number(m[1]);
    const end = Number(m[2]);
    if (total > 0 && start > total) return glpiError(400, "ERROR_RANGE_EXCEED_TOTAL", "Provided range exceed total of data");
    const page = list.slice(start, end + 1);
    const headers: Record<string, string> = { "accept-range": "item 1000" };
    if (total > 0) headers["content-range"] = `${start}-${Math.min(end, total - 1)}/${total}`;
    return new Reply(end - start + 1 < total ? 206 : 200, page, headers);
  }

  private searchTickets(params: Record<string, unknown>): Reply {
    const name = (id: number) => this.categories.find((c) => c.id === id);
    const values = (t: StandinTicket): Record<number, unknown> => ({
      1: t.name,
      2: t.id,
      3: t.priority,
      4: t.requesters.length === 0 ? null : t.requesters.length === 1 ? this.userLogin(t.requesters[0]!) : t.requesters.map((u) => this.userLogin(u)),
      7: t.itilcategories_id ? this.categoryCompleteName(name(t.itilcategories_id)) : null,
      9: this.requestTypes.find((r) => r.id === t.requesttypes_id)?.name ?? null,
      10: t.urgency,
      11: t.impact,
      12: t.status,
      14: t.type,
      15: t.date,
      16: t.closedate,
      17: t.solvedate,
      19: t.date_mod,
      21: t.content,
      22: this.userLogin(t.users_id_recipient),
      80: this.entities.find((e) => e.id === t.entities_id)?.name ?? "",
    });
    const matchers: Record<number, (t: StandinTicket, c: ParsedCriterion) => boolean> = {
      2: (t, c) => numberMatches(t.id, c),
      4: (t, c) => (c.searchtype === "equals" ? t.requesters.includes(Number(c.value)) : t.requesters.some((u) => textMatches(this.userLogin(u), c.value)) === (c.searchtype === "contains")),
      12: (t, c) => statusMatches(t.status, c),
      15: (t, c) => dateMatches(t.date, c),
      19: (t, c) => dateMatches(t.date_mod, c),
      7: (t, c) => (c.searchtype === "equals" || c.searchtype === "under" ? t.itilcategories_id === Number(c.value) : textMatches(String(values(t)[7] ?? ""), c.value)),
      80: (t, c) => (c.searchtype === "equals" ? t.entities_id === Number(c.value) : textMatches(String(values(t)[80]), c.value)),
    };
    return this.search([...this.tickets.values()], params, values, matchers, [1, 2, 3, 4, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 21, 22, 80]);
  }

  private searchUsers(params: Record<string, unknown>): Reply {
    const values = (u: StandinUser): Record<number, unknown> => ({
      1: u.login,
      2: u.id,
      5: null,
      6: u.phone ?? "",
      8: u.is_active ?? 1,
      9: u.firstname ?? "",
      10: u.phone2 ?? "",
      11: u.mobile ?? "",
      22: u.registration_number ?? "",
      34: u.realname ?? "",
      80: this.entities.find((e) => e.id === (u.entities_id ?? 0))?.name ?? "",
    });
    const matchers: Record<number, (u: StandinUser, c: ParsedCriterion) => boolean> = {
      2: (u, c) => numberMatches(u.id, c),
      8: (u, c) => (u.is_active ?? 1) === Number(c.value),
    };
    return this.search(this.users, params, values, matchers, [1, 2, 5, 6, 8, 9, 10, 11, 22, 34, 80]);
  }

  /** search/:itemtype (API.php:1564-1795): criteria by option id, 1/2/80 always shown, no `data` when empty. */
  private search<T>(
    items: T[],
    params: Record<string, unknown>,
    values: (item: T) => Record<number, unknown>,
    matchers: Record<number, (item: T, c: ParsedCriterion) => boolean>,
    known: number[],
  ): Reply {
    // criteria[i][criteria][j]…: a bracketed group (reference §3.5), checked as the top level is.
    const parse = (list: unknown): ParsedNode[] | Reply => {
      const out: ParsedNode[] = [];
      for (const raw of asList(list)) {
        const c = raw as Record<string, unknown>;
        const link = String(c.link ?? "AND").toUpperCase();
        if (c.criteria !== undefined) {
          const group = parse(c.criteria);
          if (group instanceof Reply) return group;
          out.push({ link, group });
          continue;
        }
        if (c.field === undefined || c.searchtype === undefined || c.value === undefined) return glpiError(400, "ERROR", "Malformed search criteria", false);
        const field = Number(c.field);
        if (!known.includes(field)) return glpiError(400, "ERROR", "Bad field ID in search criteria", false);
        out.push({ link, field, searchtype: String(c.searchtype), value: String(c.value) });
      }
      return out;
    };
    const tree = parse(params.criteria);
    if (tree instanceof Reply) return tree;
    const flat = (nodes: ParsedNode[]): ParsedCriterion[] => nodes.flatMap((n) => ("group" in n ? flat(n.group) : [n]));
    const criteria = flat(tree);
    const test = (item: T, c: ParsedCriterion): boolean => {
      const custom = matchers[c.field];
      if (custom) return custom(item, c);
      const v = values(item)[c.field];
      const text = v === null || v === undefined ? "" : String(v);
      if (c.searchtype === "equals") return text === c.value;
      if (c.searchtype === "notequals") return text !== c.value;
      return textMatches(text, c.value);
    };
    // GLPI writes each criterion as `<link> (<clause>)` into one SQL WHERE (a group in brackets), so
    // SQL's precedence holds: AND binds before OR, and a NOT negates its own clause only.
    const evaluate = (item: T, nodes: ParsedNode[]): boolean => {
      const ored: boolean[] = [];
      let current = true;
      nodes.forEach((n, i) => {
        const raw = "group" in n ? evaluate(item, n.group) : test(item, n);
        const hit = n.link.includes("NOT") ? !raw : raw;
        if (i > 0 && n.link.startsWith("OR")) {
          ored.push(current);
          current = hit;
        } else current = i === 0 ? hit : current && hit;
      });
      ored.push(current);
      return nodes.length === 0 || ored.some(Boolean);
    };
    const matching = items.filter((item) => evaluate(item, tree));
    const { sort, order } = this.version === "9.5" ? sortOf95(params) : sortOf(params);
    // Ties come in the database's order, which SQL leaves undefined: here newest first, so that
    // nothing passes by relying on an order GLPI does not promise.
    matching.reverse();
    matching.sort((a, b) => {
      for (const [i, field] of sort.entries()) {
        const c = compare(values(a)[field], values(b)[field]) * (order[i] === "DESC" ? -1 : 1);
        if (c !== 0) return c;
      }
      return 0; // ties: the database's order (here, insertion)
    });
    const total = matching.length;
    const range = typeof params.range === "string" ? params.range : `0-${this.listLimit - 1}`;
    const m = /^(\d+)-(\d+)$/.exec(range);
    if (!m) return glpiError(400, "ERROR", "range must be start-end", false);
    const start = Number(m[1]);
    const end = Number(m[2]);
    if (total > 0 && start > total) return glpiError(400, "ERROR_RANGE_EXCEED_TOTAL", "Provided range exceed total of data");
    const page = matching.slice(start, end + 1);
    // The sort columns are added to the displayed ones (SearchEngine::prepareDataForSearch, "Add order item").
    const shown = new Set<number>([1, 2, 80, ...asList(params.forcedisplay).map(Number), ...criteria.map((c) => c.field), ...sort]);
    const body: Record<string, unknown> = {
      totalcount: total,
      count: page.length,
      ...(this.version === "9.5" ? { sort: params.sort ?? "1", order: params.order ?? "ASC" } : { sort, order }),
      "content-range": `${start}-${start + page.length - 1}/${total}`,
    };
    if (page.length > 0) {
      body.data = page.map((item) => {
        const all = values(item);
        const row: Record<string, unknown> = {};
        for (const f of shown) row[String(f)] = all[f] ?? null;
        return row;
      });
    }
    const headers: Record<string, string> = { "accept-range": "item 1000" };
    if (total > 0) headers["content-range"] = `${start}-${start + page.length - 1}/${total}`;
    return new Reply(page.length < total ? 206 : 200, body, headers);
  }

  // ── rows ────────────────────────────────────────────────────────────────────

  private userRow(u: StandinUser, expand: boolean): Record<string, unknown> {
    return {
      id: u.id,
      name: u.login,
      realname: u.realname ?? "",
      firstname: u.firstname ?? "",
      registration_number: u.registration_number ?? "",
      phone: u.phone ?? "",
      phone2: u.phone2 ?? "",
      mobile: u.mobile ?? "",
      is_active: u.is_active ?? 1,
      is_deleted: 0,
      entities_id: expand ? (this.entities.find((e) => e.id === (u.entities_id ?? 0))?.name ?? "") : (u.entities_id ?? 0),
      locations_id: u.locations_id ?? 0,
    };
  }

  private categoryRow(c: NonNullable<StandinOptions["categories"]>[number]): Record<string, unknown> {
    const level = this.categoryLevel(c);
    return {
      id: c.id,
      name: c.name,
      completename: this.categoryCompleteName(c),
      itilcategories_id: c.itilcategories_id ?? 0,
      level,
      code: c.code ?? "",
      is_helpdeskvisible: c.is_helpdeskvisible ?? 1,
      is_incident: 1,
      is_request: 1,
      entities_id: 0,
      is_recursive: 1,
    };
  }

  private categoryCompleteName(c: NonNullable<StandinOptions["categories"]>[number] | undefined): string {
    if (!c) return "";
    const parent = c.itilcategories_id ? this.categories.find((p) => p.id === c.itilcategories_id) : undefined;
    return parent ? `${this.categoryCompleteName(parent)} > ${c.name}` : c.name;
  }

  private categoryLevel(c: NonNullable<StandinOptions["categories"]>[number]): number {
    const parent = c.itilcategories_id ? this.categories.find((p) => p.id === c.itilcategories_id) : undefined;
    return parent ? this.categoryLevel(parent) + 1 : 1;
  }

  private userLogin(id: number): string {
    return this.users.find((u) => u.id === id)?.login ?? String(id);
  }
}

interface ParsedCriterion {
  link: string;
  field: number;
  searchtype: string;
  value: string;
}

type ParsedNode = ParsedCriterion | { link: string; group: ParsedNode[] };

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** PHP's reading of `a[0][b]=v` into nested objects (arrays are objects with numeric keys). */
export function parsePhpQuery(query: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of query) {
    const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(key);
    if (!m) continue;
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)];
    let node: Record<string, unknown> = out;
    path.forEach((k, i) => {
      const keyName = k === "" ? String(Object.keys(node).length) : k;
      if (i === path.length - 1) node[keyName] = value;
      else node = (node[keyName] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

/**
 * search/'s `sort` and `order` as GLPI reads them (SearchEngine::prepareDataForSearch and
 * SQLProvider::getOrderByCriteria, GLPI 10/11): `sort` is a search option id, a scalar cast to int
 * (or an array of ids for several columns); a scalar `order` counts only when it is exactly "ASC" or
 * "DESC" (anything else leaves the default ASC), and each direction of an array that is not "ASC" is
 * DESC. No sort: the first displayed column (1, the title, for tickets).
 */
function sortOf(params: Record<string, unknown>): { sort: number[]; order: Array<"ASC" | "DESC"> } {
  let sort = [0];
  if (params.sort !== undefined && typeof params.sort === "object" && params.sort !== null) sort = asList(params.sort).map((v) => Number.parseInt(String(v), 10) || 0);
  else if (params.sort !== undefined && (Number.parseInt(String(params.sort), 10) || 0) >= 0) sort = [Number.parseInt(String(params.sort), 10) || 0];
  let order: string[] = ["ASC"];
  if (params.order !== undefined && typeof params.order === "object" && params.order !== null) order = asList(params.order).map(String);
  else if (params.order === "ASC" || params.order === "DESC") order = [params.order];
  return { sort: sort.map((f) => (f === 0 ? 1 : f)), order: sort.map((_, i) => ((order[i] ?? "ASC") === "ASC" ? "ASC" : "DESC")) };
}

/** GLPI 9.5's reading: one `sort` column (an array matches none, so ORDER BY id ASC) and one `order`. */
function sortOf95(params: Record<string, unknown>): { sort: number[]; order: Array<"ASC" | "DESC"> } {
  if (typeof params.sort === "object" && params.sort !== null) return { sort: [2], order: ["ASC"] };
  return { sort: [Number.parseInt(String(params.sort ?? "1"), 10) || 1], order: [params.order === "ASC" || params.order === undefined ? "ASC" : "DESC"] };
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "object") return Object.keys(value).sort((a, b) => Number(a) - Number(b)).map((k) => (value as Record<string, unknown>)[k]);
  return [value];
}

/** GLPI's `contains`: a case-insensitive LIKE %v%, anchored by a leading ^ or a trailing $ (SRCH:9350-9401). */
function textMatches(text: string, pattern: string): boolean {
  let p = pattern;
  const start = p.startsWith("^");
  const end = p.endsWith("$");
  if (start) p = p.slice(1);
  if (end) p = p.slice(0, -1);
  const t = text.toLowerCase();
  const q = p.toLowerCase();
  if (start && end) return t === q;
  if (start) return t.startsWith(q);
  if (end) return t.endsWith(q);
  return t.includes(q);
}

function numberMatches(n: number, c: ParsedCriterion): boolean {
  switch (c.searchtype) {
    case "equals":
    case "contains":
      return String(n) === c.value.replace(/^\^|\$$/g, "");
    case "notequals":
      return String(n) !== c.value;
    case "lessthan":
      return n < Number(c.value);
    case "morethan":
      return n > Number(c.value);
    default:
      return false;
  }
}

/**
 * A date column against `lessthan`/`morethan` (strictly, as SQL's < and > on GLPI's
 * `YYYY-MM-DD HH:MM:SS`, which sorts as text); other search types match the text.
 */
function dateMatches(value: string | null, c: ParsedCriterion): boolean {
  if (c.searchtype === "lessthan") return value !== null && value < c.value;
  if (c.searchtype === "morethan") return value !== null && value > c.value;
  return textMatches(value ?? "", c.value);
}

/** Status 12 with its meta-values (TKT:3803-3822). */
function statusMatches(status: number, c: ParsedCriterion): boolean {
  const sets: Record<string, number[]> = { notold: [1, 2, 3, 4], notclosed: [1, 2, 3, 4, 5], process: [2, 3], old: [5, 6], all: [1, 2, 3, 4, 5, 6] };
  const set = sets[c.value] ?? [Number(c.value)];
  return c.searchtype === "notequals" ? !set.includes(status) : set.includes(status);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a ?? "").localeCompare(String(b ?? ""));
}

function clampLevel(value: unknown): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : 3;
}

/** GLPI's date format, `YYYY-MM-DD HH:MM:SS` (the stand-in's clock is UTC). */
export function glpiDate(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}
