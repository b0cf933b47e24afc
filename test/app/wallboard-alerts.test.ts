import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { consoleViewers } from "../../src/api/console/index.js";
import { buildApi } from "../../src/api/index.js";
import { consoleApiPlugin } from "../../src/app/console.js";
import { testSettings } from "../../src/config/index.js";
import { LivenessBoard, openStore, type Store } from "../../src/domain/index.js";
import { fakeSender } from "../api/helper.js";
import { SteppedTimers } from "../support/stepped-timers.js";
import { connectWallboard, type WallboardClient } from "../support/wallboard-client.js";

const silent = pino({ level: "silent" });
const cli = { client: "cli:root", address: null };

/**
 * Issue 15's "both transitions are events: on the wallboard as critical_alert", through the real
 * wiring of `ura start`/`ura api` (consoleApiPlugin with the API's liveness board) and a real
 * socket: a protocol client speaking seed 004's messages, signed in with a kiosk token.
 */
describe("the wallboard's critical_alert from the parts' liveness", () => {
  const timers = new SteppedTimers();
  let store: Store;
  let board: LivenessBoard;
  let api: FastifyInstance;
  let tv: WallboardClient;

  beforeAll(async () => {
    const settings = testSettings({ DB_DRIVER: "sqlite", SQLITE_PATH: ":memory:", OTP_SECRET: "wallboard-alerts-otp-secret-0123456789abcdef", URA_TIMEZONE: "America/Sao_Paulo" });
    store = await openStore(settings, { migrate: true });
    board = new LivenessBoard({ timers });
    const clock = () => new Date(timers.now());
    const access = { account: () => null, wallboardViewer: consoleViewers(store, clock) };
    api = await buildApi({ settings, store, sender: fakeSender(), logger: silent, liveness: board, clock, plugins: [consoleApiPlugin(settings, store, silent, access, board)] });
    await api.listen({ host: "127.0.0.1", port: 0 });
    const { token } = await store.kiosks.create({ name: "TV da sala de TI" }, cli, clock());
    const port = (api.server.address() as { port: number }).port;
    tv = await connectWallboard(`ws://127.0.0.1:${port}/ws/dashboard_control/?token=${encodeURIComponent(token)}`);
    tv.send({ type: "identify", clientId: "Kiosk-ABCDE" });
    await tv.next("dashboard_update");
  });
  afterAll(async () => {
    await tv?.close();
    await api?.close();
    await store?.close();
  });

  it("a part silent for 30 s raises one critical_alert saying it is OFFLINE; its return raises one saying it is back", async () => {
    const beat = () => board.beat({ name: "ivr@pbx2", kind: "ivr", version: "1.0.0", host: "pbx2", state: "0 calls, 0 waiting" });
    beat();
    await timers.advance(29_000);
    expect(tv.received.filter((m) => m.type === "critical_alert")).toEqual([]);
    await timers.advance(1_000);
    const down = await tv.next("critical_alert");
    expect(Object.keys(down).sort()).toEqual(["data", "timestamp", "type"]);
    expect(down.data).toEqual({
      id: expect.stringMatching(/^ivr@pbx2:OFFLINE:/),
      title: expect.stringMatching(/^⚠️ ivr@pbx2 \(pbx2\) está OFFLINE: sem sinal de vida desde /),
      severity: "critical",
      soundUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/sounds\/alerta-critico\.wav$/),
    });
    // A minute more of silence raises nothing more.
    await timers.advance(60_000);
    beat();
    const up = await tv.next("critical_alert");
    expect(up.data).toMatchObject({ id: expect.stringMatching(/^ivr@pbx2:ONLINE:/), title: "✅ ivr@pbx2 (pbx2) voltou: ONLINE (0 calls, 0 waiting).", severity: "low" });
    expect(tv.received.filter((m) => m.type === "critical_alert")).toHaveLength(2);
  });
});
