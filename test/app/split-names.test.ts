import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/index.js";
import type { HeartbeatReporter } from "../../src/app/heartbeats.js";
import type { IvrNode } from "../../src/app/ivr.js";
import { LivenessBoard, systemActor } from "../../src/domain/index.js";
import { fakeSender } from "../api/helper.js";
import { placeCall, type CallResult } from "../support/asterisk-emulator.js";
import { ScriptedCaller } from "../support/callers.js";
import { DRIVERS, openTestDb, type TestDb } from "../support/databases.js";
import type { GatedEngine } from "../support/gated-engine.js";
import { uniqueId } from "../support/scenario.js";
import { adminOf, startIvrNodeOnItsOwnHost, type IvrNodeOnItsOwnHost } from "../support/split-node.js";

const IVR_TOKEN = "names-ivr-token-0123456789abcdef";
const ADMIN_TOKEN = "names-admin-token-0123456789abcdef";
const silent = pino({ level: "silent" });

/**
 * Issue 13, "0 synthesis inside any call, including the first call after a start", for the users'
 * names with `ura ivr` on another host than `ura api` (docs/topology.md): the API has no TTS, the
 * node its own DATA_DIR and TTS cache and no user listing of its own. The node learns the names
 * from the API (`GET /spoken-names`) at start and when the heartbeat's answer says they changed,
 * and synthesises them before a call needs them. The engine is held during each call: a call that
 * needed a synthesis would have waited for it and heard the user code instead of the name.
 */
describe.each(DRIVERS)("an IVR node on another host has the users' names ready before their calls (%s)", (driver) => {
  let db: TestDb;
  let api: FastifyInstance;
  let split: IvrNodeOnItsOwnHost;
  let engine: GatedEngine;
  let node: IvrNode;
  let heartbeats: HeartbeatReporter;
  let agiPort: number;
  let admin: ReturnType<typeof adminOf>;
  let file: (text: string) => string;

  beforeAll(async () => {
    // `ura api`: no text-to-speech.
    db = await openTestDb(driver, import.meta.filename, { API_TOKENS: `ivr:ivr:${IVR_TOKEN},admin:admin:${ADMIN_TOKEN}` });
    // A user registered before the node starts, with her own extension.
    await db.store.users.create({ code: "1234", name: "Maria Souza", phone: "+5545999991234", extensions: ["1001"] }, systemActor, new Date());
    api = await buildApi({ settings: db.settings, store: db.store, sender: fakeSender(), logger: silent, liveness: new LivenessBoard() });
    await api.listen({ host: "127.0.0.1", port: 0 });
    const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
    admin = adminOf(apiUrl, ADMIN_TOKEN);
    // `ura ivr` on its own host.
    split = await startIvrNodeOnItsOwnHost({ apiUrl, token: IVR_TOKEN, ttsTimeoutMs: 500 });
    ({ engine, node, heartbeats, agiPort, file } = split);
    await node.spoken.idle();
  }, 60_000);

  afterAll(async () => {
    await split?.close();
    await api?.close();
    await db?.cleanup();
  });

  /**
   * A call from the user's own extension (PJSIP: internal, no one-time code): "Olá, <nome>." after
   * choosing to open a ticket; the caller hangs up at the next question. The engine is held for
   * the whole call, and what it was asked during the call is returned.
   */
  const callFrom = async (extension: string): Promise<{ call: CallResult; synthesised: string[] }> => {
    const before = engine.renders.length;
    engine.hold();
    try {
      const caller = new ScriptedCaller()
        .on("main-menu")
        .press("1")
        .on((e) => e.command === "GET DATA")
        .hangup();
      const call = await placeCall({ port: agiPort, script: "ura", uniqueId: uniqueId(), callerId: extension, channel: `PJSIP/${extension}-0000002a`, caller });
      return { call, synthesised: engine.renders.slice(before) };
    } finally {
      engine.open();
      await node.spoken.idle();
    }
  };
  /** What "Olá," is followed by. */
  const afterHello = (call: CallResult, n = 1) => {
    const i = call.heard.indexOf("hello-name");
    expect(i, call.heard.join(" ")).toBeGreaterThanOrEqual(0);
    return call.heard.slice(i + 1, i + 1 + n);
  };

  it("a user registered before the node started: her first call hears her name, synthesised at the node's start", async () => {
    expect(engine.count("Maria Souza")).toBe(1);
    const { call, synthesised } = await callFrom("1001");
    expect(afterHello(call)).toEqual([file("Maria Souza")]);
    expect(synthesised).toEqual([]);
  });

  it("a user added through the admin API: after the next heartbeat her first call on the node hears her name, with no synthesis in the call", async () => {
    await admin("POST", "/users", { code: "5678", name: "Joaquina Pereira", phone: "+5545988885678", extensions: ["1077"] });
    expect(engine.count("Joaquina Pereira")).toBe(0);

    await heartbeats.round();
    await node.spoken.idle();
    expect(engine.count("Joaquina Pereira")).toBe(1);

    const { call, synthesised } = await callFrom("1077");
    expect(afterHello(call)).toEqual([file("Joaquina Pereira")]);
    expect(synthesised).toEqual([]);
    // Names already in the cache are not synthesised again.
    expect(engine.count("Maria Souza")).toBe(1);
  });

  it("a renamed user is heard by the new name; a CSV import's users are ready too", async () => {
    await admin("PATCH", "/users/5678", { name: "Joaquina Pereira Lima" });
    await admin("POST", "/users/import", { csv: "code,name,phone,extensions\n9012,Otávio Nunes,+5545977779012,1099\n" });
    await heartbeats.round();
    await node.spoken.idle();

    const renamed = await callFrom("1077");
    expect(afterHello(renamed.call)).toEqual([file("Joaquina Pereira Lima")]);
    expect(renamed.synthesised).toEqual([]);
    const imported = await callFrom("1099");
    expect(afterHello(imported.call)).toEqual([file("Otávio Nunes")]);
    expect(imported.synthesised).toEqual([]);
  });

  it("a name the engine cannot say: the call reads the user code instead, as before", async () => {
    engine.failing.add("Zélia Quaresma");
    await admin("POST", "/users", { code: "3456", name: "Zélia Quaresma", phone: "+5545966663456", extensions: ["1055"] });
    // Two answers with the same new fingerprint (a round, and the one a call's end sends): one pass.
    await Promise.all([heartbeats.round(), heartbeats.round()]);
    await node.spoken.idle();
    expect(engine.count("Zélia Quaresma")).toBe(1);

    const { call } = await callFrom("1055");
    expect(call.heard).not.toContain(file("Zélia Quaresma"));
    expect(afterHello(call, 5)).toEqual(["user-with-code", "digit-3", "digit-4", "digit-5", "digit-6"]);
  });
});
