import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PREFIX } from "../../src/api/contract.js";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

const P = API_PREFIX;
const EVIL = `x'); DROP TABLE users; -- "quoted" \\ back\`tick % _ ; SELECT * FROM tickets WHERE '1'='1`;

interface Case {
  method: "POST" | "PUT" | "PATCH" | "GET";
  url: string;
  token: "ivr" | "admin";
  /** A body that is accepted. */
  valid: Record<string, unknown>;
  /** For each field, values that must be refused with a 400 naming that field. */
  bad: Record<string, unknown[]>;
}

const CASES: Case[] = [
  { method: "POST", url: `${P}/identify/code`, token: "ivr", valid: { code: "1001" }, bad: { code: [undefined, "", "12a", "1".repeat(13), 1001, null, EVIL] } },
  { method: "POST", url: `${P}/identify/caller`, token: "ivr", valid: { number: "2001" }, bad: { number: [undefined, "", "9".repeat(33), 2001] } },
  {
    method: "POST",
    url: `${P}/otp/request`,
    token: "ivr",
    valid: { userCode: "1001" },
    bad: { userCode: [undefined, "abc", EVIL], callId: ["", "has space", "x".repeat(65), EVIL], callerNumber: ["9".repeat(33), 5] },
  },
  { method: "POST", url: `${P}/otp/verify`, token: "ivr", valid: { userCode: "1001", code: "123456" }, bad: { userCode: [undefined, "x"], code: [undefined, "", "12ab56", 123456, "1".repeat(13)] } },
  {
    method: "POST",
    url: `${P}/tickets`,
    token: "ivr",
    valid: { userCode: "1001", serviceId: 202 },
    bad: {
      userCode: [undefined, "", EVIL],
      serviceId: [undefined, 0, -1, 1.5, "202", null],
      description: ["d".repeat(4001), 42],
      source: ["fax", 1],
      callId: ["", "a b", "x".repeat(65), EVIL],
      call: ["2001", { callerNumber: 2001 }, { callerNumber: "9".repeat(41) }, { identifiedBy: "face" }],
    },
  },
  {
    method: "POST",
    url: `${P}/calls`,
    token: "ivr",
    valid: { callId: "1.1", callerNumber: null, userCode: null, outcome: "ticket", step: null, ticketProtocol: null, startedAt: "2025-06-02T13:00:00Z", durationMs: 0 },
    bad: {
      callId: [undefined, "", EVIL],
      callerNumber: [undefined, "9".repeat(65), 1],
      userCode: [undefined, "x"],
      outcome: [undefined, "won"],
      step: [undefined, "s".repeat(65)],
      ticketProtocol: [undefined, "", "1".repeat(17), "abcdefgh"],
      startedAt: [undefined, 5, "yesterday"],
      durationMs: [undefined, -1, 1.5, "10"],
    },
  },
  {
    method: "POST",
    url: `${P}/admin/users`,
    token: "admin",
    valid: { code: "8001", name: "Válido" },
    bad: {
      code: [undefined, "", "a1", "1".repeat(13)],
      name: [undefined, "", "   ", "n".repeat(201), 3],
      phone: ["123", "(45) 3222-1000", "abc", 45999999999],
      extensions: ["2001", ["x"], [""].concat(Array.from({ length: 21 }, (_, i) => String(3000 + i)))],
      department: ["d".repeat(201), 7],
      active: ["yes", 1],
    },
  },
  { method: "PATCH", url: `${P}/admin/users/1001`, token: "admin", valid: { name: "Ana" }, bad: { name: ["", 1], phone: ["12"], extensions: [[5]], active: ["no"] } },
  {
    method: "POST",
    url: `${P}/admin/catalogue`,
    token: "admin",
    valid: { parentId: 6, key: "2", label: "Novo ramal" },
    bad: { parentId: [0, -3, "6"], key: [undefined, "0", "10", "*", 1], label: [undefined, "", "l".repeat(201)], prompt: ["", "p".repeat(501)], active: ["true"] },
  },
  { method: "PATCH", url: `${P}/admin/catalogue/601`, token: "admin", valid: { label: "Ramal mudo" }, bad: { key: ["a"], label: [""], parentId: [0], active: [0] } },
  { method: "PUT", url: `${P}/admin/holidays/2025-12-25`, token: "admin", valid: { name: "Natal" }, bad: { name: [undefined, "", "n".repeat(201)] } },
  {
    method: "PUT",
    url: `${P}/admin/schedule`,
    token: "admin",
    valid: { intervals: [{ weekday: 1, opens: "08:00", closes: "17:00" }] },
    bad: { intervals: [undefined, "mon-fri", [{ weekday: 7, opens: "08:00", closes: "17:00" }], [{ weekday: 1, opens: "8h", closes: "17:00" }], [{ weekday: 1, opens: "17:00", closes: "08:00" }]] },
  },
  {
    method: "POST",
    url: `${P}/admin/tickets/{protocol}/status`,
    token: "admin",
    valid: { status: "in_progress" },
    bad: { status: [undefined, "done", 1], note: ["n".repeat(2001), 5] },
  },
];

describe.each(DRIVERS)("request validation (%s)", (driver) => {
  let api: TestApi;
  let protocol = "";
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename);
    await api.call("POST", `${P}/admin/users`, { body: { code: "1001", name: "Ana", phone: "(45) 99911-1111", extensions: ["2001"] } });
    protocol = (await api.call("POST", `${P}/tickets`, { token: "ivr", body: { userCode: "1001", serviceId: 202 } })).json().ticket.protocol;
  });
  afterAll(async () => api?.close());

  it("answers 400 naming the field, for every bad value of every body field", async () => {
    let checked = 0;
    for (const c of CASES) {
      const url = c.url.replace("{protocol}", protocol);
      for (const [field, values] of Object.entries(c.bad)) {
        for (const value of values) {
          const body: Record<string, unknown> = { ...c.valid };
          if (value === undefined) delete body[field];
          else body[field] = value;
          const res = await api.call(c.method, url, { token: c.token, body });
          const what = `${c.method} ${c.url} ${field}=${JSON.stringify(value)?.slice(0, 40)}`;
          expect(res.statusCode, what).toBe(400);
          const json = res.json();
          expect(json.error, what).toBe("validation");
          expect(String(json.field).split(".")[0], what).toBe(field);
          expect(json.message, what).toContain(field);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("answers 400 for bad path and query values, naming them", async () => {
    const cases: [string, string, string][] = [
      ["GET", `${P}/tickets/12ab?userCode=1001`, "protocol"],
      ["GET", `${P}/tickets/${protocol}`, "userCode"],
      ["GET", `${P}/tickets/${protocol}?userCode=%27%20OR%201%3D1`, "userCode"],
      ["GET", `${P}/admin/users?limit=0`, "limit"],
      ["GET", `${P}/admin/users?offset=-1`, "offset"],
      ["GET", `${P}/admin/tickets?status=lost`, "status"],
      ["GET", `${P}/admin/users/12a`, "code"],
      ["PUT", `${P}/admin/holidays/2025-02-30`, "date"],
      ["DELETE", `${P}/admin/catalogue/abc`, "id"],
    ];
    for (const [method, url, field] of cases) {
      const res = await api.call(method as "GET", url, { token: url.includes("/admin/") ? "admin" : "ivr", body: method === "PUT" ? { name: "x" } : undefined });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().field, url).toBe(field);
    }
  });

  it("names a nested field by its whole path", async () => {
    const intervals = [
      { weekday: 1, opens: "08:00", closes: "12:00" },
      { weekday: 2, opens: "8h", closes: "17:00" },
    ];
    const res = await api.call("PUT", `${P}/admin/schedule`, { body: { intervals } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "validation", field: "intervals.1.opens", message: expect.stringMatching(/^intervals\.1\.opens: /) });
  });

  it("refuses unknown body fields by name, and a body where none is taken", async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ["PUT", `${P}/admin/schedule`, { intervals: [], timeZone: "Europe/Lisbon" }, "timeZone"],
      ["POST", `${P}/tickets`, { userCode: "1001", serviceId: 202, priority: "high" }, "priority"],
      ["POST", `${P}/admin/users`, { code: "8009", name: "Bia", email: "bia@x" }, "email"],
      ["POST", `${P}/admin/purge`, { olderThanDays: 1 }, "body"],
      ["DELETE", `${P}/admin/holidays/2025-12-25`, { name: "Natal" }, "body"],
      ["POST", `${P}/admin/users/import`, { csv: "codigo;nome\n8010;Bia", dryRun: true }, "dryRun"],
    ];
    for (const [method, url, body, field] of cases) {
      const res = await api.call(method as "POST", url, { token: url.includes("/admin/") ? "admin" : "ivr", body });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: "validation", field });
    }
    // Nothing was written by the refused requests.
    expect((await api.call("GET", `${P}/admin/users/8009`)).statusCode).toBe(404);
    expect((await api.call("GET", `${P}/admin/schedule`)).json().intervals.length).toBeGreaterThan(0);
  });

  it("answers 400 to a body that is not JSON, or no body at all", async () => {
    const broken = await api.app.inject({
      method: "POST",
      url: `${P}/identify/code`,
      headers: { authorization: "Bearer ivr-secret-0123456789abcdef", "content-type": "application/json" },
      payload: "{not json",
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ error: "validation", field: "body" });
    const empty = await api.call("POST", `${P}/identify/code`, { token: "ivr" });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: "validation", field: "body" });
  });

  it("answers 413 to a body over the limit and 415 to a type it does not read, as JSON errors", async () => {
    const big = await api.call("POST", `${P}/identify/code`, { token: "ivr", body: { code: "1001", pad: "x".repeat(1024 * 1024) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: "too_large", message: expect.any(String) });
    const xml = await api.call("POST", `${P}/identify/code`, { token: "ivr", body: "<code>1001</code>", headers: { "content-type": "application/xml" } });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toMatchObject({ error: "unsupported_media_type" });
    // The CSV import takes bodies up to 20 MB, as text/csv: this one is read (its one row is refused).
    const csv = await api.call("POST", `${P}/admin/users/import`, { body: `codigo;nome\n8011;${"n".repeat(1024 * 1024)}\n`, headers: { "content-type": "text/csv" } });
    expect(csv.statusCode).toBe(200);
    expect(csv.json()).toMatchObject({ rows: 1, created: 0, rejected: [{ line: 2, field: "name" }] });
  });

  it("stores SQL metacharacters in every text field as plain text", async () => {
    const user = await api.call("POST", `${P}/admin/users`, { body: { code: "8002", name: EVIL, department: EVIL } });
    expect(user.statusCode).toBe(201);
    expect(user.json().user).toMatchObject({ name: EVIL, department: EVIL });
    const service = await api.call("POST", `${P}/admin/catalogue`, { body: { parentId: 6, key: "3", label: EVIL, prompt: EVIL } });
    expect(service.statusCode).toBe(201);
    const serviceId = service.json().service.id;
    const ticket = await api.call("POST", `${P}/tickets`, { token: "ivr", body: { userCode: "8002", serviceId, description: EVIL, callId: "a.b-c:d_e" } });
    expect(ticket.statusCode).toBe(201);
    expect(ticket.json().ticket).toMatchObject({ description: EVIL, requester: { name: EVIL }, service: { label: EVIL, path: `Ramal > ${EVIL}` } });
    expect((await api.call("PUT", `${P}/admin/holidays/2025-11-20`, { body: { name: EVIL } })).json().holiday.name).toBe(EVIL);
    const status = await api.call("POST", `${P}/admin/tickets/${ticket.json().ticket.protocol}/status`, { body: { status: "waiting", note: EVIL } });
    expect(status.json().history.at(-1).note).toBe(EVIL);
    expect((await api.call("POST", `${P}/identify/caller`, { token: "ivr", body: { number: `1' OR '1'='1` } })).json()).toEqual({ match: "none" });
    const search = await api.call("GET", `${P}/admin/users?search=${encodeURIComponent("'); DROP")}`);
    expect(search.json().users.map((u: { code: string }) => u.code)).toEqual(["8002"]);
    // Nothing was dropped or altered.
    expect((await api.call("GET", `${P}/admin/users?limit=500`)).json().total).toBe(2);
    expect((await api.call("GET", `${P}/catalogue`, { token: "ivr" })).json().services).toHaveLength(6);
  });
});
