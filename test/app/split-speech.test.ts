import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/index.js";
import type { HeartbeatReporter } from "../../src/app/heartbeats.js";
import type { IvrNode } from "../../src/app/ivr.js";
import { testSettings } from "../../src/config/index.js";
import { LivenessBoard, openStore, type Store } from "../../src/domain/index.js";
import { fakeSender } from "../api/helper.js";
import { placeCall, type CallResult } from "../support/asterisk-emulator.js";
import { ScriptedCaller } from "../support/callers.js";
import { eventually } from "../support/eventually.js";
import type { GatedEngine } from "../support/gated-engine.js";
import { identifiedVariables, uniqueId } from "../support/scenario.js";
import { adminOf, startIvrNodeOnItsOwnHost, type IvrNodeOnItsOwnHost } from "../support/split-node.js";

const IVR_TOKEN = "split-ivr-token-0123456789abcdef";
const ADMIN_TOKEN = "split-admin-token-0123456789abcdef";
const silent = pino({ level: "silent" });

/**
 * Issue 13 ("0 synthesis inside any call, including the first call after a catalogue change") and
 * issue 12 ("a change re-synthesises its sentences in the background before any caller hears the
 * menu") with `ura ivr` on another host than `ura api`: the API has no TTS, the IVR node its own
 * DATA_DIR and TTS cache. The node is what `ura ivr` builds (buildIvrNode); its heartbeats go to
 * the API over HTTP, and the test runs their rounds itself. No step waits for time to pass: an
 * engine that holds its syntheses shows that a call did not wait for one.
 */
describe("an IVR node on another host hears a change once its own cache has it", () => {
  let apiDir: string;
  let store: Store;
  let api: FastifyInstance;
  let split: IvrNodeOnItsOwnHost;
  let engine: GatedEngine;
  let node: IvrNode;
  let heartbeats: HeartbeatReporter;
  let agiPort: number;
  let admin: ReturnType<typeof adminOf>;
  let file: (text: string) => string;

  beforeAll(async () => {
    apiDir = mkdtempSync(join(tmpdir(), "ura-split-api-"));
    // `ura api`: no text-to-speech in its store, so it serves every change at once.
    const apiSettings = testSettings({ DATA_DIR: apiDir, API_TOKENS: `ivr:ivr:${IVR_TOKEN},admin:admin:${ADMIN_TOKEN}` });
    store = await openStore(apiSettings, { migrate: true });
    api = await buildApi({ settings: apiSettings, store, sender: fakeSender(), logger: silent, liveness: new LivenessBoard() });
    await api.listen({ host: "127.0.0.1", port: 0 });
    const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
    admin = adminOf(apiUrl, ADMIN_TOKEN);
    // `ura ivr` on its own host.
    split = await startIvrNodeOnItsOwnHost({ apiUrl, token: IVR_TOKEN, ttsTimeoutMs: 3000 });
    ({ engine, node, heartbeats, agiPort, file } = split);
  }, 60_000);

  afterAll(async () => {
    await split?.close();
    await api?.close();
    await store?.close();
    if (apiDir) rmSync(apiDir, { recursive: true, force: true });
  });

  /** A caller already identified (step mode) enters the catalogue's top menu and hangs up at its question. */
  const callTopMenu = async (): Promise<CallResult> => {
    const id = uniqueId();
    const caller = new ScriptedCaller().on((e) => e.command === "GET DATA").hangup();
    return placeCall({ port: agiPort, script: "ura/ticket", uniqueId: id, variables: identifiedVariables(id, "1234"), caller });
  };
  /** A caller who hangs up at the main menu (after the greeting and the announcements). */
  const callMainMenu = async (): Promise<CallResult> => {
    const caller = new ScriptedCaller().on((e) => e.command === "GET DATA").hangup();
    return placeCall({ port: agiPort, script: "ura", uniqueId: uniqueId(), callerId: "5545999990000", channel: "PJSIP/trunk-00000001", caller });
  };

  /** The sentence of a top-menu option as the API's database has it now. */
  const sentence = async (id: number) => (await store.catalogue.tree()).find((n) => n.id === id)!.prompt;

  it("at start the node's cache has every sentence of the catalogue", async () => {
    const call = await callTopMenu();
    expect(call.heard).toContain(file(await sentence(1)));
    expect(call.heard).toContain(file(await sentence(6)));
    expect(engine.renders).toEqual(expect.arrayContaining(await store.catalogue.spokenSentences()));
  });

  it("a call right after a catalogue change hears the previous menu, synthesises nothing, and the next call after the warm-up hears the new sentence", async () => {
    const before = await sentence(1);
    const after = "Para sistemas e portais da prefeitura, tecle 1.";
    engine.hold();
    await admin("PATCH", "/catalogue/1", { prompt: after });

    const first = await callTopMenu();
    expect(first.heard).toContain(file(before));
    expect(first.heard).not.toContain(file(after));
    // The new sentence is being synthesised in the background (held), and the call did not wait for
    // it. The synthesis starts after the node's cache lookup, which on a loaded machine can come
    // after the call has ended (session 21): waited for, not assumed.
    await eventually(() => engine.count(after) === 1, 10_000, "the node to start synthesising the new sentence");

    engine.open();
    await node.spoken.idle();
    const second = await callTopMenu();
    expect(second.heard).toContain(file(after));
    expect(second.heard).not.toContain(file(before));
    expect(engine.count(after)).toBe(1);
  });

  it("the API's answer to a heartbeat makes the node synthesise a change before any call asks", async () => {
    const after = "Para computadores e notebooks, tecle 2.";
    await admin("PATCH", "/catalogue/2", { prompt: after });
    expect(engine.count(after)).toBe(0);

    await heartbeats.round();
    await node.spoken.idle();
    expect(engine.count(after)).toBe(1);
    const rendersBefore = engine.renders.length;
    const call = await callTopMenu();
    expect(call.heard).toContain(file(after));
    expect(engine.renders.length).toBe(rendersBefore);
  });

  it("a new announcement is heard once the node has it: the call before hears none and waits for no synthesis", async () => {
    const text = "A rede da Secretaria de Saúde está fora do ar, a equipe já está trabalhando.";
    engine.hold();
    await admin("POST", "/announcements", { text });

    const first = await callMainMenu();
    expect(first.heard).not.toContain(file(text));
    await eventually(() => engine.count(text) === 1, 10_000, "the node to start synthesising the announcement");

    engine.open();
    await node.spoken.idle();
    const second = await callMainMenu();
    expect(second.heard).toContain(file(text));
    expect(engine.count(text)).toBe(1);
  });

  it("a new guidance text is synthesised on the node after the heartbeat that follows it", async () => {
    const text = "Para trocar sua senha, acesse o portal do servidor e escolha esqueci minha senha.";
    await admin("POST", "/guidance", { key: "1", title: "Troca de senha", text });
    await heartbeats.round();
    await node.spoken.idle();
    expect(engine.count(text)).toBe(1);
  });
});
