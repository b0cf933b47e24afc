import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PREFIX } from "../../src/api/contract.js";
import { LivenessBoard } from "../../src/domain/index.js";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

const P = API_PREFIX;

/**
 * `GET /spoken-names`: what an IVR node on its own host reads to synthesise the users' names
 * before its calls (issue 13), and the heartbeat's `spoken` fingerprint that tells it when to
 * read again. Names only (LGPD): the IVR's token reads no code, phone or extension here.
 */
describe.each(DRIVERS)("the names the IVR says (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename, {}, [], { liveness: new LivenessBoard() });
    const people = [
      { code: "1001", name: "Maria Souza", phone: "+5545999991001", extensions: ["2001"] },
      { code: "1002", name: "João Lima", phone: "+5545999991002" },
      { code: "1003", name: "Ana Costa", department: "Saúde" },
      { code: "1004", name: "Pedro Alves", active: false },
      { code: "1005", name: "Lúcia Reis" },
    ];
    for (const body of people) expect((await api.call("POST", `${P}/admin/users`, { body })).statusCode).toBe(201);
  });
  afterAll(async () => api?.close());

  const page = (query: string, token = "ivr") => api.call("GET", `${P}/spoken-names${query}`, { token });
  const every = async (limit: number) => {
    const names: string[] = [];
    let pages = 0;
    for (let after: string | null = null; pages < 100; pages++) {
      const res = await page(`?limit=${limit}${after === null ? "" : `&after=${after}`}`);
      expect(res.statusCode, res.body).toBe(200);
      names.push(...res.json().names);
      after = res.json().next;
      if (after === null) return { names, pages: pages + 1 };
    }
    throw new Error("the pages never ended");
  };
  const fingerprint = async () => {
    const res = await api.call("POST", `${P}/heartbeats`, { token: "ivr", body: { name: "ivr@pbx2", kind: "ivr", version: "1.0.0", host: "pbx2", state: "0 calls" } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().spoken as string;
  };

  it("lists every active user's name, page by page, and nothing else about them", async () => {
    const res = await page("");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ names: ["Maria Souza", "João Lima", "Ana Costa", "Lúcia Reis"], next: null });
    expect(res.body).not.toMatch(/1001|9999|2001|Saúde/);

    const paged = await every(2);
    expect(paged.names).toEqual(["Maria Souza", "João Lima", "Ana Costa", "Lúcia Reis"]);
    expect(paged.pages).toBe(3); // 2 + 2 + an empty last page
  });

  it("only the IVR's token reads it, and a bad cursor or limit is a 400 naming the field", async () => {
    expect((await page("", "web")).statusCode).toBe(403);
    expect((await page("", "admin")).statusCode).toBe(403);
    expect((await page("", null as unknown as string)).statusCode).toBe(401);
    const badAfter = await page("?after=abc");
    expect(badAfter.statusCode).toBe(400);
    expect(badAfter.json()).toMatchObject({ error: "validation", field: "after" });
    const badLimit = await page("?limit=0");
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json()).toMatchObject({ error: "validation", field: "limit" });
  });

  it("the heartbeat's fingerprint changes when a user is added, renamed, activated or deactivated, and not for a phone", async () => {
    const start = await fingerprint();
    expect(await fingerprint()).toBe(start);

    await api.call("PATCH", `${P}/admin/users/1002`, { body: { phone: "+5545988881002" } });
    expect(await fingerprint()).toBe(start);

    const seen = new Set([start]);
    const changes: Array<[string, string, unknown]> = [
      ["POST", `${P}/admin/users`, { code: "1006", name: "Rita Gomes" }],
      ["PATCH", `${P}/admin/users/1006`, { name: "Rita Gomes Prado" }],
      ["PATCH", `${P}/admin/users/1004`, { active: true }],
      ["PATCH", `${P}/admin/users/1004`, { active: false }],
      ["POST", `${P}/admin/users/import`, { csv: "code,name\n1007,Otávio Nunes\n" }],
    ];
    for (const [method, url, body] of changes) {
      const res = await api.call(method as "POST", url, { body });
      expect(res.statusCode, res.body).toBeLessThan(300);
      const now = await fingerprint();
      expect(seen.has(now), `${method} ${url}`).toBe(false);
      seen.add(now);
    }
    expect((await every(500)).names).toEqual(["Maria Souza", "João Lima", "Ana Costa", "Lúcia Reis", "Rita Gomes Prado", "Otávio Nunes"]);
  });
});
