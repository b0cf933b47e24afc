import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PREFIX, identifyByCallerResponse } from "../../src/api/contract.js";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

const P = API_PREFIX;

/**
 * Identification by origin (docs/security.md): an own internal extension needs no one-time code,
 * a number from outside needs the user code and a one-time code; admins change it per department
 * and per extension, and every change is audited.
 */
describe.each(DRIVERS)("identification rules (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename);
    const users = [
      { code: "1001", name: "Ana Souza", phone: "(45) 99911-1111", extensions: ["2001"], department: "Saúde" },
      { code: "1002", name: "Bruno Lima", phone: "(45) 99922-2222", extensions: ["2002", "(45) 3264-1000"], department: "Educação" },
    ];
    for (const u of users) expect((await api.call("POST", `${P}/admin/users`, { body: u })).statusCode).toBe(201);
  });
  afterAll(async () => api?.close());

  const ask = async (number: string, internal?: boolean) => {
    const res = await api.call("POST", `${P}/identify/caller`, { token: "ivr", body: internal === undefined ? { number } : { number, internal } });
    expect(res.statusCode).toBe(200);
    return identifyByCallerResponse.parse(res.json());
  };
  const put = (scope: string, subject: string, body: unknown) => api.call("PUT", `${P}/admin/identification-rules/${scope}/${encodeURIComponent(subject)}`, { body });

  it("by default: the own internal extension needs nothing more; outside, or not said, it is code + one-time code", async () => {
    expect(await ask("2001", true)).toMatchObject({ match: "unique", user: { code: "1001" }, identification: "extension" });
    expect(await ask("2001", false)).toMatchObject({ match: "unique", identification: "code-otp" });
    expect(await ask("2001")).toMatchObject({ match: "unique", identification: "code-otp" });
    expect(await ask("(45) 3264-1000")).toMatchObject({ match: "unique", user: { code: "1002" }, identification: "code-otp" });
  });

  it("a department's rule applies to its users' extensions; an extension's rule wins; deleting restores the default", async () => {
    expect((await put("department", "Saúde", { mode: "extension-otp" })).statusCode).toBe(201);
    expect((await put("department", "Saúde", { mode: "extension-otp" })).statusCode).toBe(200);
    expect(await ask("2001", true)).toMatchObject({ identification: "extension-otp" });
    expect(await ask("2002", true)).toMatchObject({ identification: "extension" });

    const shared = await put("extension", "2001", { mode: "code-otp" });
    expect(shared.statusCode).toBe(201);
    expect(shared.json()).toMatchObject({ rule: { scope: "extension", subject: "2001", mode: "code-otp" } });
    expect(await ask("2001", true)).toMatchObject({ identification: "code-otp" });
    // A rule cannot make an outside number trusted.
    expect((await put("extension", "2002", { mode: "extension" })).statusCode).toBe(201);
    expect(await ask("2002", false)).toMatchObject({ identification: "code-otp" });

    const list = await api.call("GET", `${P}/admin/identification-rules`);
    expect(list.json()).toMatchObject({
      internalDefault: "extension",
      outside: "code-otp",
      rules: [
        { scope: "department", subject: "Saúde", mode: "extension-otp" },
        { scope: "extension", subject: "2001", mode: "code-otp" },
        { scope: "extension", subject: "2002", mode: "extension" },
      ],
    });
    for (const [scope, subject] of [["extension", "2001"], ["extension", "2002"], ["department", "Saúde"]] as const) {
      expect((await api.call("DELETE", `${P}/admin/identification-rules/${scope}/${encodeURIComponent(subject)}`)).statusCode).toBe(204);
    }
    expect(await ask("2001", true)).toMatchObject({ identification: "extension" });
    expect((await api.call("DELETE", `${P}/admin/identification-rules/extension/2001`)).statusCode).toBe(404);

    const audit = await api.call("GET", `${P}/admin/audit?entity=identification_rule`);
    expect((audit.json() as { entries: { action: string }[] }).entries.map((e) => e.action)).toEqual(expect.arrayContaining(["create", "update", "delete"]));
  });

  it("a rule no user is in the scope of is saved all the same, and its reply and the list say so (usersInScope 0)", async () => {
    const typo = await put("department", "sala 3", { mode: "code-otp" });
    expect(typo.statusCode).toBe(201);
    expect(typo.json()).toMatchObject({ rule: { scope: "department", subject: "sala 3", mode: "code-otp", usersInScope: 0 } });
    const known = await put("department", "Saúde", { mode: "extension-otp" });
    expect(known.json()).toMatchObject({ rule: { subject: "Saúde", usersInScope: 1 } });
    // An extension no user carries: byCaller matches nobody, so the rule could not apply either.
    expect((await put("extension", "2999", { mode: "code-otp" })).json()).toMatchObject({ rule: { subject: "2999", usersInScope: 0 } });
    expect((await put("extension", "(45) 3264-1000", { mode: "code-otp" })).json()).toMatchObject({ rule: { subject: "+554532641000", usersInScope: 1 } });

    // The user imported later: the same rule now reaches them, and the list says so.
    expect((await api.call("POST", `${P}/admin/users`, { body: { code: "1003", name: "Carla Dias", extensions: ["2003"], department: "sala 3" } })).statusCode).toBe(201);
    const list = (await api.call("GET", `${P}/admin/identification-rules`)).json() as { rules: { subject: string; usersInScope: number }[] };
    expect(Object.fromEntries(list.rules.map((r) => [r.subject, r.usersInScope]))).toEqual({ Saúde: 1, "sala 3": 1, "2999": 0, "+554532641000": 1 });
    for (const [scope, subject] of [["department", "sala 3"], ["department", "Saúde"], ["extension", "2999"], ["extension", "+554532641000"]] as const) {
      expect((await api.call("DELETE", `${P}/admin/identification-rules/${scope}/${encodeURIComponent(subject)}`)).statusCode).toBe(204);
    }
  });

  it("usersInScope says whether the rule applies as the database compares: on MariaDB \"saude\" is Saúde's department", async () => {
    const rule = (await put("department", "saude", { mode: "code-otp" })).json() as { rule: { usersInScope: number } };
    expect(rule.rule.usersInScope).toBe(driver === "mysql" ? 1 : 0);
    expect(await ask("2001", true)).toMatchObject({ identification: rule.rule.usersInScope > 0 ? "code-otp" : "extension" });
    expect((await api.call("DELETE", `${P}/admin/identification-rules/department/saude`)).statusCode).toBe(204);
  });

  it("bad input is a 400 naming the field; only admins may change rules", async () => {
    const badMode = await put("extension", "2001", { mode: "trust-everyone" });
    expect(badMode.statusCode).toBe(400);
    expect(badMode.json()).toMatchObject({ field: "mode" });
    const badScope = await put("building", "A", { mode: "extension" });
    expect(badScope.statusCode).toBe(400);
    expect(badScope.json()).toMatchObject({ field: "scope" });
    const badExtension = await put("extension", "ramal da Ana", { mode: "extension" });
    expect(badExtension.statusCode).toBe(400);
    expect(badExtension.json()).toMatchObject({ field: "subject" });
    const asIvr = await api.call("PUT", `${P}/admin/identification-rules/extension/2001`, { token: "ivr", body: { mode: "extension" } });
    expect(asIvr.statusCode).toBe(403);
  });
});
