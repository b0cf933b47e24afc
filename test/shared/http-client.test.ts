import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { HttpRequestError, requestJson } from "../../src/shared/http-client.js";
import { freePort } from "../support/processes.js";

/** The one JSON HTTP client against a real local server: answers, and the three ways of getting none. */

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

describe("requestJson", () => {
  it("sends JSON with the caller's headers and returns status, headers and the parsed body", async () => {
    const url = await serve((req, body, res) => {
      res.writeHead(201, { "content-type": "application/json", "x-request-id": "r-1" });
      res.end(JSON.stringify({ got: JSON.parse(body), auth: req.headers.authorization, type: req.headers["content-type"], method: req.method }));
    });
    const answer = await requestJson(url, { method: "POST", body: { phone: "+5545999999999" }, headers: { authorization: "Bearer t" }, timeoutMs: 2000 });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("x-request-id")).toBe("r-1");
    expect(answer.notJson).toBe(false);
    expect(answer.body).toEqual({ got: { phone: "+5545999999999" }, auth: "Bearer t", type: "application/json", method: "POST" });
  });

  it("returns any HTTP status as an answer, and says when the body is not JSON", async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>Bad gateway</html>");
    });
    const answer = await requestJson(url, { timeoutMs: 2000 });
    expect(answer).toMatchObject({ status: 502, body: undefined, notJson: true });
  });

  it("an empty body is no body, not a broken one", async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(204);
      res.end();
    });
    expect(await requestJson(url, { timeoutMs: 2000 })).toMatchObject({ status: 204, body: undefined, notJson: false });
  });

  it("a server that never answers is HttpRequestError timeout", async () => {
    const url = await serve(() => undefined);
    const err = await requestJson(url, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpRequestError);
    expect(err).toMatchObject({ reason: "timeout", message: "no answer within 100 ms" });
  });

  it("the caller's signal aborting is HttpRequestError aborted", async () => {
    const url = await serve(() => undefined);
    const controller = new AbortController();
    const pending = requestJson(url, { timeoutMs: 10_000, signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await pending).toMatchObject({ name: "HttpRequestError", reason: "aborted" });
  });

  it("nobody listening is HttpRequestError unreachable, with the network code", async () => {
    const port = await freePort();
    const err = await requestJson(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "HttpRequestError", reason: "unreachable", code: "ECONNREFUSED", message: "unreachable (ECONNREFUSED)" });
  });
});
