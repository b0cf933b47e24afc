import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

// Routes mounted beside the API, whose handlers answer what a buggy store might give back.
const person = z.object({ code: z.string(), name: z.string() });
const row: Record<string, unknown> = { code: "1001", name: "Ana", phone: "+5545999111111" };
const probes: FastifyPluginAsyncZod = async (app) => {
  app.get("/probe/extra", { schema: { response: { 200: person } } }, async () => row as z.output<typeof person>);
  app.get("/probe/broken", { schema: { response: { 200: person } } }, async () => ({ ...row, name: null }) as unknown as z.output<typeof person>);
};

describe.each(DRIVERS)("responses are checked against their schema (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename, {}, [probes]);
  });
  afterAll(async () => api?.close());

  it("never sends a field its schema does not list", async () => {
    const res = await api.call("GET", "/probe/extra", { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ code: "1001", name: "Ana" });
    expect(res.body).not.toContain("99911");
  });

  it("answers a response that breaks its schema with the generic 500, and logs which field", async () => {
    const res = await api.call("GET", "/probe/broken", { token: null });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: "internal", message: "internal error" });
    expect(res.body).not.toContain("Ana");
    const line = api.logs.find((l) => l.includes("response does not match its schema"));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 50, route: "GET /probe/broken", issues: [expect.stringMatching(/^name: /)] });
    expect(line).not.toContain("99911");
  });

  it("still answers the real routes by their schemas", async () => {
    const res = await api.call("GET", "/api/v1/catalogue", { token: "ivr" });
    expect(res.statusCode).toBe(200);
    expect(res.json().services[0]).toEqual({ id: expect.any(Number), key: "1", label: expect.any(String), prompt: expect.any(String), children: expect.any(Array) });
  });
});
