import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

// What `ura start` mounts beside the API (e.g. the TTS engineer's /audio route).
async function audio(app: FastifyInstance) {
  app.get("/audio/:name", async (request) => ({ file: (request.params as { name: string }).name }));
  app.get("/audio-private", { config: { scopes: ["ivr"] } }, async () => ({ ok: true }));
}

describe.each(DRIVERS)("extra plugins (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename, {}, [audio]);
  });
  afterAll(async () => api?.close());

  it("serves a plugin's routes behind the same allow-list, with a token only where the route asks", async () => {
    expect((await api.call("GET", "/audio/nome-ana.sln", { token: null })).json()).toEqual({ file: "nome-ana.sln" });
    expect((await api.call("GET", "/audio/nome-ana.sln", { token: null, address: "192.0.2.1" })).statusCode).toBe(403);
    expect((await api.call("GET", "/audio-private", { token: null })).statusCode).toBe(401);
    expect((await api.call("GET", "/audio-private", { token: "ivr" })).statusCode).toBe(200);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await api.call("GET", "/api/v1/nothing");
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: "not_found" });
  });
});
