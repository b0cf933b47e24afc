import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createApiClient } from "../../src/api-client/index.js";
import { DependencyUnavailableError, LimitReachedError } from "../../src/ivr/index.js";

/** The HTTP client of the IVR against a scripted server: what each answer becomes for the flow. */

let server: Server | undefined;
const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
afterEach(async () => {
  seen.length = 0;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** `timeoutMs`: long enough that a loaded machine's answer is never taken for no answer (0.5 s was not, session 21). */
async function api(handler: (req: IncomingMessage, res: ServerResponse) => void, timeoutMs = 10_000) {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return createApiClient({ baseUrl: `http://127.0.0.1:${port}/`, token: "secret-token", timeoutMs });
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

describe("IVR API client", () => {
  it("sends the bearer token under /api/v1 and parses answers with the contract", async () => {
    const client = await api((_req, res) => json(res, 200, { user: { code: "1234", name: "Maria", department: null, phoneMasked: null } }));
    expect(await client.identifyByCode("1234")).toMatchObject({ code: "1234", name: "Maria" });
    expect(seen[0]).toMatchObject({ method: "POST", url: "/api/v1/identify/code", auth: "Bearer secret-token", body: '{"code":"1234"}' });
  });

  it("404 means unknown (user code, someone else's ticket)", async () => {
    const client = await api((_req, res) => json(res, 404, { error: "not_found", message: "no" }));
    expect(await client.identifyByCode("1")).toBeNull();
    expect(await client.ticketStatus("20250001", "1234")).toBeNull();
    expect(seen[1]!.url).toBe("/api/v1/tickets/20250001?userCode=1234");
  });

  it("one-time code refusals become reasons; a 503 from the sender is not an API failure", async () => {
    const answers: [number, string][] = [[429, "rate_limited"], [423, "locked"], [409, "no_phone"], [422, "sender_rejected"], [503, "sender_unavailable"]];
    let i = 0;
    const client = await api((_req, res) => {
      const [status, error] = answers[i++]!;
      json(res, status, { error, message: "x" });
    });
    const reasons = [];
    for (let n = 0; n < answers.length; n++) {
      const r = await client.requestOtp({ userCode: "1", callId: "1.1" });
      reasons.push(r.ok ? "ok" : r.reason);
    }
    expect(reasons).toEqual(["rate_limited", "locked", "no_phone", "undeliverable", "sender_unavailable"]);
  });

  it("a limit reaches the flow with when it ends: identification 429 as LimitReachedError, code refusals with until", async () => {
    const until = "2025-06-02T13:31:00.000Z";
    const client = await api((req, res) => {
      if (req.url!.startsWith("/api/v1/identify")) return json(res, 429, { error: "rate_limited", message: "x", until, retryAfterSeconds: 60 });
      if (req.url === "/api/v1/otp/request") return json(res, 423, { error: "locked", message: "x", until, retryAfterSeconds: 1800 });
      return json(res, 200, { ok: false, reason: "locked", attemptsLeft: 0, until });
    });
    const refused = await client.identifyByCode("1").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LimitReachedError);
    expect(refused).toBeInstanceOf(DependencyUnavailableError);
    expect(refused).toMatchObject({ reason: "limited", until: new Date(until) });
    await expect(client.identifyByCaller({ number: "2001", internal: false })).rejects.toMatchObject({ name: "LimitReachedError", until: new Date(until) });
    expect(await client.requestOtp({ userCode: "1", callId: "1.1" })).toEqual({ ok: false, reason: "locked", until });
    expect(await client.verifyOtp({ userCode: "1", code: "000000" })).toEqual({ ok: false, reason: "locked", attemptsLeft: 0, until });
  });

  it("a 5xx, an answer off the contract, non-JSON and a timeout reject with DependencyUnavailableError", async () => {
    const modes = ["500", "bad", "html", "hang"];
    let i = 0;
    const client = await api((_req, res) => {
      const mode = modes[i++];
      if (mode === "500") json(res, 500, { error: "internal", message: "db down" });
      else if (mode === "bad") json(res, 200, { services: [{ id: "x" }] });
      else if (mode === "html") res.end("<html>");
      // "hang": never answers.
    }, 2000);
    const reasons: string[] = [];
    for (let n = 0; n < modes.length; n++) {
      const err = await client.catalogue().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyUnavailableError);
      reasons.push((err as DependencyUnavailableError).reason);
    }
    expect(reasons).toEqual(["server_error", "bad_response", "bad_response", "timeout"]);
  });

  it("an unexpected 4xx (bad token) is a failure the caller is told about, not a crash", async () => {
    const client = await api((_req, res) => json(res, 401, { error: "unauthorized", message: "missing or invalid bearer token" }));
    const err = (await client.hours().catch((e: unknown) => e)) as DependencyUnavailableError;
    expect(err.reason).toBe("rejected");
    expect(err.message).toContain("401 unauthorized");
  });
});
