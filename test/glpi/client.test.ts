import { afterEach, describe, expect, it } from "vitest";
import { GlpiApiError, GlpiClient, GlpiUnavailableError } from "../../src/glpi/index.js";
import { GlpiStandin, type StandinOptions } from "../support/glpi-standin.js";

const APP = "app-token-0123456789";
const USER = "user-token-0123456789";

const running: GlpiStandin[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

async function standin(options: StandinOptions = {}): Promise<GlpiStandin> {
  const s = await new GlpiStandin(options).start();
  running.push(s);
  return s;
}

function client(s: GlpiStandin, overrides: Partial<ConstructorParameters<typeof GlpiClient>[0]> = {}): GlpiClient {
  return new GlpiClient({ url: s.url, appToken: APP, auth: { userToken: USER }, timeoutMs: 5000, ...overrides });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("GLPI client: sessions", () => {
  it("opens one session and reuses it for every request, in parallel too", async () => {
    const s = await standin();
    const c = client(s);
    await Promise.all([c.createTicket({ name: "a", content: "a" }), c.createTicket({ name: "b", content: "b" }), c.getTicket(1)]);
    await c.getTicket(2);
    expect(s.count("GET", "/initSession")).toBe(1);
    expect(s.tickets.size).toBe(2);
  });

  it("logs in once and replays once when the session expired (401 ERROR_SESSION_TOKEN_INVALID)", async () => {
    const s = await standin();
    const c = client(s);
    await c.createTicket({ name: "before", content: "x" });
    s.expireSessions();
    const id = await c.createTicket({ name: "after", content: "y" });
    expect(s.tickets.get(id)?.name).toBe("after");
    expect(s.count("GET", "/initSession")).toBe(2);
    expect(s.requests.filter((r) => r.path === "/Ticket").map((r) => r.status)).toEqual([201, 401, 201]);
  });

  it("expires an idle session after the server's lifetime, and a new one is opened", async () => {
    let now = Date.parse("2026-03-02T12:00:00Z");
    const s = await standin({ sessionTtlMs: 60_000, now: () => new Date(now) });
    const c = client(s);
    await c.getTicket(1);
    now += 61_000;
    await c.getTicket(1);
    expect(s.count("GET", "/initSession")).toBe(2);
  });

  it("does not loop when the session is refused again right after a new login: one replay, then the error", async () => {
    const s = await standin({ sessionTtlMs: -1 }); // every session is dead on arrival
    const c = client(s);
    const err = await rejection(c.getTicket(1));
    expect(err).toBeInstanceOf(GlpiApiError);
    expect((err as GlpiApiError).code).toBe("ERROR_SESSION_TOKEN_INVALID");
    expect(s.count("GET", "/initSession")).toBe(2);
    expect(s.count("GET", "/Ticket/1")).toBe(2);
  });

  it("never retries a refused user token: ERROR_GLPI_LOGIN_USER_TOKEN, then no new login for a while", async () => {
    const s = await standin();
    const c = client(s, { auth: { userToken: "wrong" } });
    const first = await rejection(c.createTicket({ name: "x", content: "x" }));
    expect(first).toBeInstanceOf(GlpiApiError);
    expect((first as GlpiApiError).status).toBe(401);
    expect((first as GlpiApiError).code).toBe("ERROR_GLPI_LOGIN_USER_TOKEN");
    const second = await rejection(c.createTicket({ name: "y", content: "y" }));
    expect((second as GlpiApiError).code).toBe("ERROR_GLPI_LOGIN_USER_TOKEN");
    expect(s.count("GET", "/initSession")).toBe(1);
    expect(s.tickets.size).toBe(0);
  });

  it("logs in with login and password (basic auth) when GLPI allows it", async () => {
    const s = await standin({ credentialsLogin: true, users: [{ id: 9, login: "ura", password: "pw:with:colons" }] });
    const c = client(s, { auth: { login: "ura", password: "pw:with:colons" } });
    expect(await c.createTicket({ name: "x", content: "x" })).toBe(1);
    const off = await standin({ credentialsLogin: false, users: [{ id: 9, login: "ura", password: "pw" }] });
    const err = await rejection(client(off, { auth: { login: "ura", password: "pw" } }).getTicket(1));
    expect((err as GlpiApiError).code).toBe("ERROR_LOGIN_WITH_CREDENTIALS_DISABLED");
  });

  it("ends the session at shutdown (killSession), and a later request logs in again", async () => {
    const s = await standin();
    const c = client(s);
    await c.getTicket(1);
    expect(s.sessions.size).toBe(1);
    await c.killSession();
    expect(s.sessions.size).toBe(0);
    expect(s.count("GET", "/killSession")).toBe(1);
    await c.getTicket(1);
    expect(s.count("GET", "/initSession")).toBe(2);
  });
});

describe("GLPI client: every error as GLPI's array", () => {
  it.each([
    ["API disabled", { apiEnabled: false }, {}, 400, "ERROR", /API disabled/],
    ["IP not allowed", { allowedIps: ["10.9.8.7"] }, {}, 400, "ERROR_NOT_ALLOWED_IP", /127\.0\.0\.1/],
    ["a wrong app token", {}, { appToken: "nope" }, 400, "ERROR_WRONG_APP_TOKEN_PARAMETER", /app_token/],
    ["no app token when the API client needs one", {}, { appToken: "" }, 400, "ERROR_APP_TOKEN_PARAMETERS_MISSING", /app_token/],
  ] as const)("%s", async (_name, serverOptions, clientOptions, status, code, detail) => {
    const s = await standin(serverOptions as StandinOptions);
    const err = await rejection(client(s, clientOptions).getTicket(1));
    expect(err).toBeInstanceOf(GlpiApiError);
    expect((err as GlpiApiError).status).toBe(status);
    expect((err as GlpiApiError).code).toBe(code);
    expect(String((err as GlpiApiError).detail)).toMatch(detail);
  });

  it("an API client without an app token accepts requests that carry none", async () => {
    const s = await standin({ appToken: null });
    expect(await client(s, { appToken: "" }).createTicket({ name: "x", content: "x" })).toBe(1);
  });

  it("a refused add is ERROR_GLPI_ADD with GLPI's message", async () => {
    const s = await standin({ users: [{ id: 7, login: "ura", userToken: USER, rights: { ticketCreate: false } }] });
    const err = await rejection(client(s).createTicket({ name: "x", content: "x" }));
    expect((err as GlpiApiError).code).toBe("ERROR_GLPI_ADD");
    expect((err as GlpiApiError).detail).toBe("You don't have permission to perform this action.");
  });

  it("GLPI down is 'unreachable' and certainly not applied; slow is a timeout of unknown outcome", async () => {
    const s = await standin();
    const c = client(s, { timeoutMs: 300 });
    await s.goDown();
    // A client with no kept-alive connection: the connection is refused. (One whose pooled socket
    // was cut under it sees the request fail mid-way: "dropped", of unknown outcome, which is safe.)
    const down = await rejection(c.createTicket({ name: "x", content: "x" }));
    expect(down).toBeInstanceOf(GlpiUnavailableError);
    expect((down as GlpiUnavailableError).reason).toBe("unreachable");
    expect((down as GlpiUnavailableError).outcome).toBe("not_sent");
    await s.comeBack();
    await c.getTicket(1); // the session is open: only the create is slow
    s.delayMs = 1000;
    const slow = await rejection(c.createTicket({ name: "slow", content: "x" }));
    expect((slow as GlpiUnavailableError).reason).toBe("timeout");
    expect((slow as GlpiUnavailableError).outcome).toBe("unknown");
    // The slow GLPI still created it: this is why an unknown outcome is searched before a retry.
    expect([...s.tickets.values()].map((t) => t.name)).toEqual(["slow"]);
  });

  it("a connection dropped, or a bare 500, after GLPI committed is an unknown outcome", async () => {
    const s = await standin();
    const c = client(s);
    s.failOnceAfterCommit("drop");
    const dropped = await rejection(c.createTicket({ name: "a", content: "a" }));
    expect((dropped as GlpiUnavailableError).reason).toBe("dropped");
    expect((dropped as GlpiUnavailableError).outcome).toBe("unknown");
    s.failOnceAfterCommit("500");
    const failed = await rejection(c.createTicket({ name: "b", content: "b" }));
    expect((failed as GlpiUnavailableError).reason).toBe("server_error");
    expect(s.tickets.size).toBe(2);
    expect(await c.createTicket({ name: "c", content: "c" })).toBe(3);
  });
});

describe("GLPI client: tickets", () => {
  it("creates a ticket and reads its id from the body (GLPI's Location points at localhost)", async () => {
    const s = await standin({ firstTicketId: 4711 });
    const c = client(s);
    const id = await c.createTicket({ name: "Impressora", content: "<p>ref ura-001-call-1.2</p>", requesttypes_id: 3, _users_id_requester: 42 });
    expect(id).toBe(4711);
    const row = await c.getTicket(id);
    expect(row).toMatchObject({ id: 4711, name: "Impressora", status: 1, requesttypes_id: 3 });
    expect(s.tickets.get(4711)!.requesters).toEqual([42]);
    expect(await c.getTicket(9999)).toBeNull();
  });

  it("bulk add: 201 when all are added, 207 ERROR_GLPI_PARTIAL_ADD with per-item results, 400 when none", async () => {
    const s = await standin();
    const c = client(s);
    expect(await c.createTickets([{ name: "a" }, { name: "b" }])).toEqual([
      { id: 1, message: "" },
      { id: 2, message: "" },
    ]);
    const partial = await c.createTickets([{ name: "ok" }, { name: "bad", date: "yesterday" }]);
    expect(partial).toEqual([
      { id: 3, message: "" },
      { id: false, message: "Incorrect value for date field." },
    ]);
    expect(s.requests.at(-1)!.status).toBe(207);
    const none = await rejection(c.createTickets([{ name: "bad", date: "x" }]));
    expect((none as GlpiApiError).code).toBe("ERROR_GLPI_ADD");
    expect((none as GlpiApiError).detail).toEqual([{ id: false, message: "Incorrect value for date field." }]);
  });

  it("finds a ticket by the marker in its content; no match is an empty list (GLPI leaves `data` out)", async () => {
    const s = await standin();
    const c = client(s);
    expect(await c.ticketsWithMarker("ura-001-call-77.1")).toEqual([]);
    const empty = await c.search("Ticket", { criteria: [{ field: 21, searchtype: "contains", value: "nothing" }] });
    expect(empty).toEqual({ totalcount: 0, count: 0, data: undefined });
    await c.createTicket({ name: "other", content: "<p>ura-001-call-77.10</p>" });
    const id = await c.createTicket({ name: "this", content: "<p>Referência: ura-001-call-77.1</p>" });
    // "77.10" contains "77.1": the match is confirmed on the whole marker, not GLPI's LIKE.
    expect(await c.ticketsWithMarker("ura-001-call-77.1")).toContain(id);
    expect(await c.ticketsWithMarker("ura-001-call-77.10")).toEqual([1]);
  });

  it("searches by status meta-values and requester, paging with 206", async () => {
    const s = await standin();
    const c = client(s);
    for (let i = 0; i < 5; i++) await c.createTicket({ name: `t${i}`, content: "x", _users_id_requester: i % 2 === 0 ? 42 : 43 });
    await c.updateTicket(1, { status: 6 });
    const open42 = await c.search("Ticket", {
      criteria: [
        { field: 12, searchtype: "equals", value: "notold" },
        { link: "AND", field: 4, searchtype: "equals", value: 42 },
      ],
      forcedisplay: [2, 12],
      range: [0, 0],
    });
    expect(open42.totalcount).toBe(2);
    expect(open42.count).toBe(1);
    expect(s.requests.at(-1)!.status).toBe(206);
    expect(open42.data![0]).toMatchObject({ "2": 3, "12": 1 });
  });

  it("sorts a search by a search option id, ASC or DESC in capitals as GLPI reads them; a long search goes as a POST body and answers the same", async () => {
    const s = await standin();
    const c = client(s);
    // Priority from GLPI's matrix at impact 3: urgency 1 → 2, urgency 5 → 4, urgency 3 → 3.
    for (const urgency of [1, 5, 3]) await c.createTicket({ name: `u${urgency}`, content: "x", urgency, impact: 3, _users_id_requester: 42 });
    const status = { field: 12, searchtype: "equals" as const, value: "all" };
    const short = await c.search("Ticket", { criteria: [status], forcedisplay: [2, 3], sort: 3, order: "DESC" });
    expect(short.data!.map((r) => [r["2"], r["3"]])).toEqual([[2, 4], [3, 3], [1, 2]]);
    expect(s.requests.at(-1)).toMatchObject({ method: "GET", query: expect.stringContaining("sort=3&order=DESC") });
    // 200 OR'ed requesters (a large department) do not fit a GET line: the same search as a JSON body.
    const requesters = Array.from({ length: 200 }, (_, i) => ({ ...(i > 0 ? { link: "OR" as const } : {}), field: 4, searchtype: "equals" as const, value: 42 + i }));
    const long = await c.search("Ticket", { criteria: [status, { link: "AND", criteria: requesters }], forcedisplay: [2, 3], sort: 3, order: "DESC", range: [0, 1] });
    expect(s.requests.at(-1)).toMatchObject({ method: "POST", path: "/search/Ticket", status: 206 });
    expect(long.totalcount).toBe(3);
    expect(long.data!.map((r) => r["2"])).toEqual([2, 3]);
  });

  it("sorts on a second column only once GLPI's answers show it takes several (10.0+); a GLPI 9.5 gets one", async () => {
    for (const version of ["10", "9.5"] as const) {
      const s = await standin({ version });
      const c = client(s);
      for (const urgency of [3, 5, 3, 3]) await c.createTicket({ name: "x", content: "x", urgency, impact: 3 });
      const query = { criteria: [{ field: 12, searchtype: "equals" as const, value: "all" }], forcedisplay: [2, 3], sort: [3, 2], order: ["DESC", "ASC"] as Array<"DESC" | "ASC"> };
      const first = await c.search("Ticket", query);
      const second = await c.search("Ticket", query);
      expect(first.data![0]!["2"]).toBe(2); // the most urgent first, either way
      const several = s.requests.filter((r) => r.query.includes("sort%5B1%5D=2"));
      if (version === "10") {
        expect(several).toHaveLength(1); // the second search, after the first's answer
        expect(second.data!.map((r) => r["2"])).toEqual([2, 1, 3, 4]);
      } else {
        expect(several).toHaveLength(0); // an array would make 9.5 sort by id alone
        expect(second.data![0]!["2"]).toBe(2);
      }
    }
  });

  it("updates a status and refuses an unknown ticket with ERROR_GLPI_UPDATE", async () => {
    const s = await standin();
    const c = client(s);
    const id = await c.createTicket({ name: "x", content: "x" });
    await c.updateTicket(id, { status: 4 });
    expect((await c.getTicket(id))!.status).toBe(4);
    const err = await rejection(c.updateTicket(999, { status: 2 }));
    expect((err as GlpiApiError).code).toBe("ERROR_GLPI_UPDATE");
  });

  it("adds follow-ups (itemtype and items_id in the input) and lists them; an empty one is refused", async () => {
    const s = await standin();
    const c = client(s);
    const id = await c.createTicket({ name: "x", content: "x" });
    await c.addFollowup(id, "<p>Ligou de novo</p>", { requestTypeId: 3 });
    const list = await c.followups(id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ content: "<p>Ligou de novo</p>", isPrivate: false, userId: 7 });
    expect(s.followups[0]).toMatchObject({ itemtype: "Ticket", items_id: id, requesttypes_id: 3 });
    const err = await rejection(c.addFollowup(id, "  "));
    expect((err as GlpiApiError).detail).toBe("You can't add a followup without description");
  });

  it("uploads a file as a Document linked to the ticket (multipart uploadManifest + filename[0])", async () => {
    const s = await standin();
    const c = client(s);
    const id = await c.createTicket({ name: "x", content: "x" });
    const wav = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4]);
    const docId = await c.uploadDocument(id, { name: "Descrição por voz", fileName: "descricao.wav", contentType: "audio/wav", data: wav });
    const doc = s.documents.find((d) => d.id === docId)!;
    expect(doc).toMatchObject({ name: "Descrição por voz", filename: "descricao.wav", mime: "audio/wav", tickets: [id] });
    expect([...doc.data]).toEqual([...wav]);
    expect(await c.ticketDocuments(id)).toEqual([{ id: docId, name: "Descrição por voz", filename: "descricao.wav" }]);
    const refused = await rejection(c.uploadDocument(id, { name: "x", fileName: "x.exe", contentType: "application/octet-stream", data: wav }));
    expect((refused as GlpiApiError).code).toBe("ERROR_GLPI_ADD");
  });
});

describe("GLPI client: directory", () => {
  it("lists every user page by page (206 + Content-Range), with the fields the sync needs", async () => {
    const users = Array.from({ length: 450 }, (_, i) => ({
      id: 100 + i,
      login: `u${i}`,
      firstname: "Ana",
      realname: `Souza ${i}`,
      registration_number: String(5000 + i),
      phone: "2001",
      phone2: "",
      mobile: "+55 45 99911-1111",
    }));
    const s = await standin({ users: [{ id: 7, login: "ura", userToken: USER }, ...users] });
    const list = await client(s).users();
    expect(list).toHaveLength(451);
    expect(s.count("GET", "/User")).toBe(3);
    expect(list.find((u) => u.id === 100)).toMatchObject({ login: "u0", firstName: "Ana", lastName: "Souza 0", registrationNumber: "5000", phone: "2001", mobile: "+55 45 99911-1111", active: true });
  });

  it("an exact multiple of the page ends cleanly (GLPI answers ERROR_RANGE_EXCEED_TOTAL past the end only beyond it)", async () => {
    const users = Array.from({ length: 199 }, (_, i) => ({ id: 100 + i, login: `u${i}` }));
    const s = await standin({ users: [{ id: 7, login: "ura", userToken: USER }, ...users] });
    expect(await client(s).users()).toHaveLength(200);
  });

  it("a service account without the right to read users gets ERROR_RIGHT_MISSING (403)", async () => {
    const s = await standin({ users: [{ id: 7, login: "ura", userToken: USER, rights: { userRead: false } }] });
    const err = await rejection(client(s).users());
    expect((err as GlpiApiError).status).toBe(403);
    expect((err as GlpiApiError).code).toBe("ERROR_RIGHT_MISSING");
  });

  it("lists ITIL categories with their parents and complete names", async () => {
    const s = await standin({
      categories: [
        { id: 1, name: "Computador" },
        { id: 2, name: "Não liga", itilcategories_id: 1 },
      ],
    });
    const cats = await client(s).categories();
    expect(cats).toEqual([
      expect.objectContaining({ id: 1, name: "Computador", completeName: "Computador", parentId: 0, level: 1 }),
      expect.objectContaining({ id: 2, name: "Não liga", completeName: "Computador > Não liga", parentId: 1, level: 2 }),
    ]);
  });

  it("resolves the request type named Phone (3 on a fresh install), or null when it was renamed", async () => {
    const s = await standin();
    expect(await client(s).requestTypeId("Phone")).toBe(3);
    const renamed = await standin({ requestTypes: [{ id: 1, name: "Helpdesk" }, { id: 8, name: "Telefone" }] });
    expect(await client(renamed).requestTypeId("Phone")).toBeNull();
    expect(await client(renamed).requestTypeId("Telefone")).toBe(8);
  });
});
