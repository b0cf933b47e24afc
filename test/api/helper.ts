import { Writable } from "node:stream";
import pino from "pino";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { buildApi, type ApiDeps, type ApiPlugin } from "../../src/api/index.js";
import type { Settings } from "../../src/config/index.js";
import type { MessageSender, OutgoingMessage } from "../../src/domain/index.js";
import { openTestDb, type Driver, type TestDb } from "../support/databases.js";

export const TOKENS = {
  ivr: "ivr-secret-0123456789abcdef",
  web: "web-secret-0123456789abcdef",
  admin: "adm-secret-0123456789abcdef",
} as const;
const API_TOKENS = `ivr:ivr:${TOKENS.ivr},portal:web:${TOKENS.web},ops:admin:${TOKENS.admin}`;

export interface FakeSender extends MessageSender {
  sent: OutgoingMessage[];
  fail: Error | null;
}

export function fakeSender(): FakeSender {
  const s: FakeSender = {
    driver: "log",
    sent: [],
    fail: null,
    async send(message) {
      if (s.fail) throw s.fail;
      s.sent.push(message);
      return { id: `m${s.sent.length}` };
    },
  };
  return s;
}

export interface TestApi {
  app: FastifyInstance;
  db: TestDb;
  sender: FakeSender;
  /** The API's clock: tests move it. */
  now: { value: Date };
  /** Next one-time code the API will make. */
  nextCode: { value: string };
  /** Every log line the API wrote. */
  logs: string[];
  call(method: InjectOptions["method"], url: string, options?: { token?: keyof typeof TOKENS | string | null; body?: unknown; address?: string; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The whole API over a real, migrated database, with a fake sender, clock and code generator. */
export async function openTestApi(
  driver: Driver,
  testFile: string,
  overrides: Partial<Record<keyof Settings, string>> = {},
  plugins: ApiPlugin[] = [],
  deps: Pick<ApiDeps, "liveness"> = {},
): Promise<TestApi> {
  const db = await openTestDb(driver, testFile, { API_TOKENS, API_ALLOWED_CLIENTS: "127.0.0.1,::1,10.1.0.0/16", LOG_LEVEL: "info", ...overrides });
  const sender = fakeSender();
  const now = { value: new Date("2025-06-02T13:00:00Z") }; // Monday 10:00 in São Paulo
  const nextCode = { value: "123456" };
  const logs: string[] = [];
  const logger = pino(
    { level: "info" },
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  const app = await buildApi({ settings: db.settings, store: db.store, sender, logger, clock: () => now.value, random: () => nextCode.value, plugins, ...deps });
  await app.ready();
  return {
    app,
    db,
    sender,
    now,
    nextCode,
    logs,
    call(method, url, options = {}) {
      const token = options.token === undefined ? "admin" : options.token;
      const secret = token === null ? null : token in TOKENS ? TOKENS[token as keyof typeof TOKENS] : token;
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (secret !== null) headers.authorization = `Bearer ${secret}`;
      const payload = options.body;
      return app.inject({
        method,
        url,
        headers,
        ...(payload === undefined ? {} : typeof payload === "string" ? { payload } : { payload: payload as object }),
        remoteAddress: options.address ?? "127.0.0.1",
      });
    },
    async close() {
      await app.close();
      await db.cleanup();
    },
  };
}
