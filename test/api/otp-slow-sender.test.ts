import pino from "pino";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SenderStandIn, sleep } from "../../bench/chaos-support.js";
import { buildApi } from "../../src/api/index.js";
import { API_PREFIX } from "../../src/api/contract.js";
import { createVenomSender } from "../../src/whatsapp/index.js";
import { admin, openTestDb, type TestDb } from "../support/databases.js";

const P = API_PREFIX;
const CAP = 5;
const IVR = "ivr-secret-0123456789abcdef";

/**
 * Issue 14 item 7: a sender that accepts after 3.5 s, past SENDER_TIMEOUT_MS (3 s), got 12 messages
 * for one user against a cap of 5: each timed-out code was marked failed and left out of the count,
 * though the sender delivered it. The API speaks to a stand-in of `ura whatsapp` over HTTP here.
 */
describe("one-time codes through a slow sender (sqlite)", () => {
  let db: TestDb;
  let app: FastifyInstance;
  const standIn = new SenderStandIn("wa-token-0123456789abcdef");

  beforeAll(async () => {
    await standIn.listen();
    standIn.delayMs = 3500;
    db = await openTestDb("sqlite", import.meta.filename, {
      API_TOKENS: `ivr:ivr:${IVR}`,
      OTP_MAX_PER_HOUR: String(CAP),
      SENDER_TIMEOUT_MS: "3000",
    });
    await db.store.users.create({ code: "7001", name: "Ana Lenta", phone: "(45) 99911-7001" }, admin, new Date());
    const sender = createVenomSender({ url: `http://127.0.0.1:${standIn.port}`, token: standIn.token, timeoutMs: db.settings.SENDER_TIMEOUT_MS });
    app = await buildApi({ settings: db.settings, store: db.store, sender, logger: pino({ level: "silent" }) });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await standIn.close();
  });

  it("12 requests for one user: at most the cap reach the phone, each with its own idempotency id", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await app.inject({
        method: "POST",
        url: `${P}/otp/request`,
        headers: { authorization: `Bearer ${IVR}` },
        payload: { userCode: "7001", callId: `slow-${i}` },
        remoteAddress: "127.0.0.1",
      });
      statuses.push(res.statusCode);
    }
    // The stand-in's answers still on their way.
    await sleep(standIn.delayMs + 500);
    const received = standIn.to("+5545999117001");
    expect(received.length).toBeLessThanOrEqual(CAP);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - CAP);
    // An id the service dedupes by (a retry of the same code is one message), one per code.
    expect(new Set(received.map((m) => m.id)).size).toBe(received.length);
    for (const m of received) expect(m.id).toMatch(/^otp-/);
  }, 120_000);
});
