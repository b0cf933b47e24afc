import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/index.js";
import { injectFetch } from "../../src/app/in-process-fetch.js";
import { requestJson } from "../../src/shared/http-client.js";
import { openTestDb, type TestDb } from "../support/databases.js";

/**
 * The API's request log under `ura start`: the IVR's own requests (in process, by inject) log at
 * debug, so a node's info log is not two lines per call step; requests over a socket (the console,
 * a PBX fetching audio, `ura ivr` on another host) still log at info.
 */
const IVR_TOKEN = "ivr-secret-0123456789abcdef";
let db: TestDb;
beforeAll(async () => {
  db = await openTestDb("sqlite", import.meta.filename, { API_TOKENS: `ivr:ivr:${IVR_TOKEN}`, API_ALLOWED_CLIENTS: "127.0.0.1,::1" });
});
afterAll(() => db.cleanup());

async function api(level: "info" | "debug", quietInProcessRequests: boolean | undefined) {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l) as { level: number; msg: string });
        done();
      },
    }),
  );
  const app = await buildApi({ settings: db.settings, store: db.store, sender: { driver: "log", send: async () => ({ id: "m1" }) }, logger, quietInProcessRequests });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const hours = (inProcess?: typeof globalThis.fetch) =>
    requestJson(`${base}/api/v1/hours`, { headers: { authorization: `Bearer ${IVR_TOKEN}` }, timeoutMs: 10_000, ...(inProcess ? { fetch: inProcess } : {}) });
  const requestLines = () => lines.filter((l) => l.msg === "incoming request" || l.msg === "request completed").map((l) => l.level);
  return { app, hours, requestLines, lines };
}

describe("request log", () => {
  it("under ura start: the IVR's in-process requests are not logged at info, socket requests are", async () => {
    const a = await api("info", true);
    try {
      expect((await a.hours(injectFetch(a.app))).status).toBe(200);
      expect(a.requestLines()).toEqual([]);
      expect((await a.hours()).status).toBe(200);
      expect(a.requestLines()).toEqual([30, 30]);
    } finally {
      await a.app.close();
    }
  });

  it("at LOG_LEVEL=debug the in-process requests are there, at debug", async () => {
    const a = await api("debug", true);
    try {
      await a.hours(injectFetch(a.app));
      expect(a.requestLines()).toEqual([20, 20]);
    } finally {
      await a.app.close();
    }
  });

  it("a refused in-process request still logs its outcome at info", async () => {
    const a = await api("info", true);
    try {
      const r = await requestJson(`http://127.0.0.1:1/api/v1/hours`, { headers: { authorization: "Bearer wrong-token-0123456789" }, timeoutMs: 10_000, fetch: injectFetch(a.app) });
      expect(r.status).toBe(401);
      expect(a.requestLines()).toEqual([30]);
    } finally {
      await a.app.close();
    }
  });

  it("without the option (ura api, tests) every request logs at info, inject or not", async () => {
    const a = await api("info", undefined);
    try {
      await a.hours(injectFetch(a.app));
      expect(a.requestLines()).toEqual([30, 30]);
    } finally {
      await a.app.close();
    }
  });
});
