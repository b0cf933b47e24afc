import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PREFIX } from "../../src/api/contract.js";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

const P = API_PREFIX;

/**
 * Issue 14 items 8 and 12: values a client may send that the databases treat differently. A date
 * MariaDB cannot store is a 400 naming the field (it was a 500 "Incorrect datetime value"), and a
 * user search finds the text typed, `%`, `_` and `\` included, on both databases.
 */
describe.each(DRIVERS)("odd values (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename);
  });
  afterAll(async () => {
    await api?.close();
  });

  const call = (startedAt: unknown) => ({
    callId: `odd.${Math.random().toString(36).slice(2)}`,
    callerNumber: null,
    userCode: null,
    outcome: "abandoned",
    step: null,
    ticketProtocol: null,
    startedAt,
    durationMs: 0,
  });

  it("answers 400 naming startedAt for an instant the database cannot store", async () => {
    const outOfRange = [
      "+275760-09-13T00:00:00.000Z",
      "-000001-01-01T00:00:00Z",
      "+010000-01-01T00:00:00Z",
      "0999-12-31T23:59:59Z",
      "0000-01-01T00:00:00Z",
      "2025-02-30T10:00:00Z",
      "2025-06-02T25:00:00Z",
    ];
    for (const startedAt of outOfRange) {
      const res = await api.call("POST", `${P}/calls`, { token: "ivr", body: call(startedAt) });
      expect(res.statusCode, startedAt).toBe(400);
      expect(res.json(), startedAt).toMatchObject({ error: "validation", field: "startedAt" });
    }
  });

  it("still takes every instant a call can have, with or without an offset", async () => {
    for (const startedAt of ["2025-06-02T13:00:00Z", "2025-06-02T10:00:00.123-03:00", "1000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"]) {
      const body = call(startedAt);
      const res = await api.call("POST", `${P}/calls`, { token: "ivr", body });
      expect(res.statusCode, startedAt).toBe(201);
      expect((await api.db.store.calls.get(body.callId))?.startedAt).toBe(new Date(startedAt).toISOString());
    }
  });

  it("finds the text typed in a user search: % _ and \\ are plain characters", async () => {
    const people = [
      { code: "7101", name: "Back\\slash Silva" },
      { code: "7102", name: "Cem % Souza" },
      { code: "7103", name: "Sub_linha Costa" },
      { code: "7104", name: "Subxlinha Lima" },
      { code: "7105", name: "Exclama! Rocha" },
    ];
    for (const p of people) expect((await api.call("POST", `${P}/admin/users`, { body: p })).statusCode).toBe(201);
    const search = async (text: string) =>
      (await api.call("GET", `${P}/admin/users?limit=500&search=${encodeURIComponent(text)}`)).json().users.map((u: { code: string }) => u.code);
    expect(await search("\\")).toEqual(["7101"]);
    expect(await search("k\\s")).toEqual(["7101"]);
    expect(await search("%")).toEqual(["7102"]);
    expect(await search("_")).toEqual(["7103"]);
    expect(await search("Sub_")).toEqual(["7103"]);
    expect(await search("!")).toEqual(["7105"]);
    expect(await search("!%")).toEqual([]);
    expect(await search("710")).toEqual(["7101", "7102", "7103", "7104", "7105"]);
  });
});
