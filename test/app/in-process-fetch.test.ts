import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { injectFetch } from "../../src/app/in-process-fetch.js";
import { requestJson } from "../../src/shared/http-client.js";

/** `ura start`'s IVR reaches its API through inject: the same answers as over HTTP, no socket. */
describe("injectFetch", () => {
  const app = Fastify();
  app.addHook("onRequest", async (req, reply) => {
    if (req.headers.authorization !== "Bearer ivr-token") await reply.code(401).send({ error: "unauthorized", message: "bearer token missing or wrong" });
  });
  app.post("/api/v1/echo", async (req, reply) => reply.code(201).header("x-seen", req.headers["content-type"]).send({ got: req.body, query: req.query }));
  app.post("/api/v1/calls", async (_req, reply) => reply.code(204).send());
  const fetchInProcess = injectFetch(app);
  const auth = { authorization: "Bearer ivr-token" };
  afterAll(() => app.close());

  it("carries method, path, query, headers and the JSON body, and returns status, headers and body", async () => {
    const r = await requestJson("http://127.0.0.1:1/api/v1/echo?x=1", { method: "POST", body: { code: "1234" }, headers: auth, timeoutMs: 2000, fetch: fetchInProcess });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ got: { code: "1234" }, query: { x: "1" } });
    expect(r.headers.get("x-seen")).toBe("application/json");
    expect(app.server.listening).toBe(false);
  });

  it("passes the API's refusals through (a missing token is a 401 with its body)", async () => {
    const r = await requestJson("http://127.0.0.1:1/api/v1/echo", { method: "POST", body: {}, timeoutMs: 2000, fetch: fetchInProcess });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: "unauthorized", message: "bearer token missing or wrong" });
  });

  it("answers 204 with no body", async () => {
    const r = await requestJson("http://127.0.0.1:1/api/v1/calls", { method: "POST", body: {}, headers: auth, timeoutMs: 2000, fetch: fetchInProcess });
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
  });
});
