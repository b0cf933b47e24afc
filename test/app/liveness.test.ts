import { connect, type Socket } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { AgiServer } from "../../src/agi/index.js";
import { buildApi } from "../../src/api/index.js";
import { httpHeartbeats, ivrProbes, startHeartbeats, apiProbes, localHeartbeats, type HeartbeatReporter } from "../../src/app/heartbeats.js";
import { reactToLiveness } from "../../src/app/liveness.js";
import { command as statusCommand } from "../../src/cli/commands/status.js";
import { testSettings, type Settings } from "../../src/config/index.js";
import { LivenessBoard, openStore, type PartStatusChanged, type Store } from "../../src/domain/index.js";
import { realTimers } from "../../src/shared/timers.js";
import { fakeSender } from "../api/helper.js";
import { eventually } from "../support/eventually.js";
import { closedPort } from "../support/scenario.js";
import { SteppedTimers } from "../support/stepped-timers.js";
import { TelegramStandin } from "../support/telegram-standin.js";

const IVR_TOKEN = "liveness-ivr-token-0123456789abcdef";
const silent = pino({ level: "silent" });

/**
 * Seed 002 for our own parts, through real interfaces: two IVR nodes post heartbeats over HTTP to
 * the real API, the API reports itself and its database, and Telegram (a local stand-in) hears each
 * transition. The API's clock is stepped, so "30 s of silence" takes no wall-clock time.
 */
describe("every part's liveness (seed 002)", () => {
  const timers = new SteppedTimers();
  const telegram = new TelegramStandin();
  const events: PartStatusChanged[] = [];
  let settings: Settings;
  let store: Store;
  let board: LivenessBoard;
  let api: FastifyInstance;
  let apiUrl: string;
  let stopReacting: () => Promise<void>;
  const nodes = new Map<string, { server: AgiServer; reporter: HeartbeatReporter | null }>();

  /** An IVR node named `name` that reports to the API over HTTP; its own loop is idle, each test step calls round(). */
  const startNode = (name: string): HeartbeatReporter => {
    const nodeSettings = { ...settings, NODE_NAME: name, API_URL: apiUrl };
    const server = nodes.get(name)?.server ?? new AgiServer({ host: "127.0.0.1", port: 0, allowedPeers: ["127.0.0.1"], commandTimeoutMs: 1000, maxCallSeconds: 60, logger: silent });
    const reporter = startHeartbeats({ probes: ivrProbes(nodeSettings, server, null), send: httpHeartbeats(nodeSettings, IVR_TOKEN), logger: silent, everyMs: 3_600_000, timers: realTimers });
    nodes.set(name, { server, reporter });
    return reporter;
  };
  /** Ten seconds pass: every running node reports once (what its loop does every 10 s). */
  const tenSeconds = async () => {
    await timers.advance(10_000);
    for (const { reporter } of nodes.values()) await reporter?.round();
  };
  const status = async () => {
    const res = await api.inject({ method: "GET", url: "/api/v1/status", headers: { authorization: `Bearer ${IVR_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    return res.json() as { parts: Array<{ name: string; kind: string; liveness: string; host: string; version: string; lastSeenAt: string; since: string; state: string }> };
  };
  const liveness = async (name: string) => (await status()).parts.find((p) => p.name === name)?.liveness;

  beforeAll(async () => {
    await telegram.start();
    settings = testSettings({
      DB_DRIVER: "sqlite",
      SQLITE_PATH: ":memory:",
      OTP_SECRET: "liveness-test-otp-secret-0123456789abcdef",
      API_TOKENS: `ivr:ivr:${IVR_TOKEN}`,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: [...telegram.chats][0]!,
      TELEGRAM_API_URL: telegram.url,
    });
    store = await openStore(settings, { migrate: true });
    board = new LivenessBoard({ timers });
    board.events.subscribe((e) => events.push(e));
    stopReacting = reactToLiveness(board, settings, silent);
    api = await buildApi({ settings, store, sender: fakeSender(), logger: silent, liveness: board, clock: () => new Date(timers.now()) });
    await api.listen({ host: "127.0.0.1", port: 0 });
    apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const { reporter } of nodes.values()) reporter?.stop();
    await stopReacting?.();
    await api?.close();
    await store?.close();
    await telegram.stop();
  });

  it("each IVR node appears by name, with the API, its database and Telegram reported by the API's process", async () => {
    const own = startHeartbeats({ probes: apiProbes(settings, store), send: localHeartbeats(board), logger: silent, everyMs: 3_600_000, timers: realTimers });
    try {
      await own.round();
    } finally {
      own.stop();
    }
    startNode("pbx1");
    startNode("pbx2");
    await tenSeconds();
    const table = await status();
    expect(table.parts.map((p) => `${p.name} ${p.kind} ${p.liveness}`).sort()).toEqual([
      "api api ONLINE",
      "database database ONLINE",
      "ivr@pbx1 ivr ONLINE",
      "ivr@pbx2 ivr ONLINE",
      "telegram telegram ONLINE",
    ]);
    const pbx1 = table.parts.find((p) => p.name === "ivr@pbx1")!;
    expect(pbx1.state).toBe("0 calls, 0 waiting");
    expect(pbx1.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(pbx1.host).not.toBe("");
    // A first heartbeat is not a transition: no alert.
    expect(events).toEqual([]);
  });

  it("a stopped node is OFFLINE 30 s after its last heartbeat, with one alert; the node still running stays ONLINE", async () => {
    nodes.get("pbx2")!.reporter!.stop();
    nodes.get("pbx2")!.reporter = null;
    const lastBeat = (await status()).parts.find((p) => p.name === "ivr@pbx2")!.lastSeenAt;
    await tenSeconds();
    await tenSeconds();
    expect(await liveness("ivr@pbx2")).toBe("ONLINE"); // 20 s of silence: not yet
    await tenSeconds();
    const down = (await status()).parts.find((p) => p.name === "ivr@pbx2")!;
    expect(down.liveness).toBe("OFFLINE");
    expect(new Date(down.since).getTime() - new Date(lastBeat).getTime()).toBe(30_000);
    expect(await liveness("ivr@pbx1")).toBe("ONLINE");

    // Another minute of silence raises nothing more.
    for (let i = 0; i < 6; i++) await tenSeconds();
    const offline = events.filter((e) => e.part.name === "ivr@pbx2");
    expect(offline.map((e) => e.part.liveness)).toEqual(["OFFLINE"]);
    // Telegram takes one message a second: the other parts that went silent are in the queue too.
    await eventually(() => telegram.messages.some((m) => m.text.includes("ivr@pbx2")), 15_000);
    expect(telegram.messages.filter((m) => m.text.includes("ivr@pbx2"))).toHaveLength(1);
    expect(telegram.messages.find((m) => m.text.includes("ivr@pbx2"))!.text).toContain("OFFLINE");
    // The parts the API reports itself went silent too (nothing reported them in this test): one alert each.
    expect(events.filter((e) => e.part.name === "api").map((e) => e.part.liveness)).toEqual(["OFFLINE"]);
  });

  it("started again, the node is ONLINE at its first heartbeat, with one alert saying so", async () => {
    startNode("pbx2");
    await nodes.get("pbx2")!.reporter!.round();
    expect(await liveness("ivr@pbx2")).toBe("ONLINE");
    expect(events.filter((e) => e.part.name === "ivr@pbx2").map((e) => e.part.liveness)).toEqual(["OFFLINE", "ONLINE"]);
    await eventually(() => telegram.messages.filter((m) => m.text.includes("ivr@pbx2")).length === 2, 15_000);
    expect(telegram.messages.filter((m) => m.text.includes("ivr@pbx2"))[1]!.text).toContain("ONLINE");
  });

  it("a node that loses its API link (its heartbeats are refused) is OFFLINE within 30 s", async () => {
    const cut = { ...settings, NODE_NAME: "pbx1", API_URL: apiUrl };
    // Same node, but its heartbeats now carry a token the API refuses (as if the link were cut).
    nodes.get("pbx1")!.reporter!.stop();
    nodes.get("pbx1")!.reporter = startHeartbeats({ probes: ivrProbes(cut, nodes.get("pbx1")!.server, null), send: httpHeartbeats(cut, "wrong-token-0123456789abcdef"), logger: silent, everyMs: 3_600_000, timers: realTimers });
    for (let i = 0; i < 3; i++) await tenSeconds();
    expect(await liveness("ivr@pbx1")).toBe("OFFLINE");
    expect(await liveness("ivr@pbx2")).toBe("ONLINE");
  });

  it("ura status prints the table from the API, and exits 1 while a part is OFFLINE", async () => {
    let out = "";
    const stdout = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
    const code = await statusCommand.run([], { settings: { ...settings, API_URL: apiUrl, API_TOKEN: IVR_TOKEN }, stdout, stderr: stdout, stdin: process.stdin, logger: silent });
    expect(code).toBe(1);
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^PART\s+KIND\s+STATUS\s+SINCE\s+LAST HEARTBEAT\s+HOST\s+VERSION\s+STATE$/);
    expect(lines.find((l) => l.startsWith("ivr@pbx1"))).toMatch(/OFFLINE/);
    expect(lines.find((l) => l.startsWith("ivr@pbx2"))).toMatch(/ONLINE/);
  });

  it("ura status says so, exit 2, when the API does not answer", async () => {
    let err = "";
    const stderr = new Writable({ write: (chunk, _enc, done) => ((err += String(chunk)), done()) });
    const code = await statusCommand.run([], { settings: { ...settings, API_URL: `http://127.0.0.1:${await closedPort()}`, API_TOKEN: IVR_TOKEN }, stdout: stderr, stderr, stdin: process.stdin, logger: silent });
    expect(code).toBe(2);
    expect(err).toContain("did not answer");
  });
});

/**
 * The calls in the IVR, as the wallboard counts them: each IVR node's heartbeat carries its calls
 * as numbers, sent again as soon as a call connects or ends (not only every 10 s), and the API's
 * board sums the ONLINE nodes.
 */
describe("calls in the IVR, from the nodes' heartbeats", () => {
  const IVR_TOKEN_2 = "calls-ivr-token-0123456789abcdef";
  let store: Store;
  let board: LivenessBoard;
  let api: FastifyInstance;
  const servers: Array<{ server: AgiServer; port: number }> = [];
  const reporters: HeartbeatReporter[] = [];
  const sockets: Socket[] = [];
  const sums: number[] = [];

  beforeAll(async () => {
    const settings = testSettings({ DB_DRIVER: "sqlite", SQLITE_PATH: ":memory:", OTP_SECRET: "calls-test-otp-secret-0123456789abcdef", API_TOKENS: `ivr:ivr:${IVR_TOKEN_2}` });
    store = await openStore(settings, { migrate: true });
    board = new LivenessBoard();
    board.callChanges.subscribe((e) => sums.push(e.inIvr));
    api = await buildApi({ settings, store, sender: fakeSender(), logger: silent, liveness: board });
    await api.listen({ host: "127.0.0.1", port: 0 });
    const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
    for (const name of ["pbx1", "pbx2"]) {
      const server = new AgiServer({ host: "127.0.0.1", port: 0, allowedPeers: ["127.0.0.1"], commandTimeoutMs: 1000, maxCallSeconds: 60, logger: silent });
      servers.push({ server, port: (await server.listen()).port });
      const nodeSettings = { ...settings, NODE_NAME: name, API_URL: apiUrl };
      // The 10-s loop is idle (an hour): every heartbeat below is one a call's start or end sent.
      reporters.push(startHeartbeats({ probes: ivrProbes(nodeSettings, servers.at(-1)!.server, null), send: httpHeartbeats(nodeSettings, IVR_TOKEN_2), logger: silent, everyMs: 3_600_000, timers: realTimers }));
    }
    await eventually(() => board.list().length === 2, 5000, "both nodes' first heartbeat");
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    for (const reporter of reporters) reporter.stop();
    for (const { server } of servers) await server.drain(0);
    board?.stop();
    await api?.close();
    await store?.close();
  });

  /** A call reaching a node: Asterisk's connection (the node counts it from the connect). */
  const callInto = async ({ port }: { port: number }) => {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    sockets.push(socket);
    return socket;
  };

  it("a call connecting to a node reaches the API's sum within a couple of seconds, with the node's numbers in its heartbeat", async () => {
    expect(board.callsInIvr()).toBe(0);
    await callInto(servers[0]!);
    await eventually(() => board.callsInIvr() === 1, 5000, "one call in the IVR");
    await callInto(servers[1]!);
    await callInto(servers[1]!);
    await eventually(() => board.callsInIvr() === 3, 5000, "three calls over two nodes");
    const pbx2 = board.list().find((p) => p.name === "ivr@pbx2")!;
    expect(pbx2.calls).toEqual({ active: 2, waiting: 0 });
    expect(pbx2.state).toBe("2 calls, 0 waiting");
    expect(sums.at(-1)).toBe(3);
  });

  it("calls that end leave the sum as soon as they end", async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await eventually(() => board.callsInIvr() === 0, 5000, "no call in the IVR");
    expect(sums.at(-1)).toBe(0);
  });

  it("a silent node's calls stop counting when it goes OFFLINE (its last count is stale)", async () => {
    const timers = new SteppedTimers();
    const local = new LivenessBoard({ timers });
    const changes: number[] = [];
    local.callChanges.subscribe((e) => changes.push(e.inIvr));
    local.beat({ name: "ivr@pbx1", kind: "ivr", version: "1.0.0", host: "pbx1", state: "4 calls, 0 waiting", calls: { active: 4, waiting: 0 } });
    local.beat({ name: "ivr@pbx2", kind: "ivr", version: "1.0.0", host: "pbx2", state: "1 calls, 0 waiting", calls: { active: 1, waiting: 0 } });
    // Another part's heartbeat, or the same count again, changes nothing.
    local.beat({ name: "api", kind: "api", version: "1.0.0", host: "api", state: "ok" });
    local.beat({ name: "ivr@pbx2", kind: "ivr", version: "1.0.0", host: "pbx2", state: "1 calls, 0 waiting", calls: { active: 1, waiting: 0 } });
    expect(changes).toEqual([4, 5]);
    await timers.advance(20_000);
    local.beat({ name: "ivr@pbx2", kind: "ivr", version: "1.0.0", host: "pbx2", state: "1 calls, 0 waiting", calls: { active: 1, waiting: 0 } });
    await timers.advance(10_000);
    expect(local.callsInIvr()).toBe(1);
    expect(changes).toEqual([4, 5, 1]);
    local.stop();
  });
});
