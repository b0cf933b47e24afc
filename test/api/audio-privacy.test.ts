import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/index.js";
import { audioApiPlugin } from "../../src/app/audio.js";
import { createSpeechSynthesizer, type SpeechEngine } from "../../src/tts/index.js";
import { AUDIO_TREATMENT } from "../../src/tts/level.js";
import { openTestDb, type TestDb } from "../support/databases.js";
import { fakeSender } from "./helper.js";
import { tone } from "../support/fake-polly.js";

const IVR = "ivr-secret-0123456789abcdef";
const BASE = "http://ivr.example:8080/audio";

/** An engine that "synthesises" a short tone, as espeak would give a name. */
const engine: SpeechEngine = { name: "espeak", voiceKey: "pt-br@175wpm", render: async () => tone(0.3) };

/**
 * Issue 14 item 11: `/audio` told who had called. A TTS cache file was named by the SHA-256 of
 * the engine, the voice and the text, so anyone who could reach /audio computed the name of a
 * person and got 200 if that person had called (their name was synthesised) and 404 if not.
 */
describe("/audio/tts does not tell who has called (sqlite)", () => {
  let db: TestDb;
  let app: FastifyInstance;
  let signedUrl: string;

  beforeAll(async () => {
    db = await openTestDb("sqlite", import.meta.filename, { API_TOKENS: `ivr:ivr:${IVR}`, AUDIO_MODE: "http", AUDIO_HTTP_BASE_URL: BASE });
    // The IVR greets a caller by name: the name is synthesised into the cache.
    const tts = createSpeechSynthesizer(db.settings, { engine });
    signedUrl = await tts.synthesize("Maria Souza");
    app = await buildApi({ settings: db.settings, store: db.store, sender: fakeSender(), logger: pino({ level: "silent" }), plugins: [audioApiPlugin(db.settings)] });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
  });

  const get = (path: string, token?: string) =>
    app.inject({ method: "GET", url: path, remoteAddress: "127.0.0.1", headers: token ? { authorization: `Bearer ${token}` } : {} });
  /** The name the cache used before: anyone could compute it for any person. */
  const publicName = (text: string) =>
    createHash("sha256").update(JSON.stringify(["sln8k/1", AUDIO_TREATMENT, engine.name, engine.voiceKey, text])).digest("hex");

  it("without a token, a name that was said and one that was not get the same answer", async () => {
    const called = await get(`/audio/tts/${publicName("Maria Souza")}.sln`);
    const notCalled = await get(`/audio/tts/${publicName("José Ninguém")}.sln`);
    expect([401, 404]).toContain(called.statusCode);
    expect({ status: called.statusCode, body: called.body }).toEqual({ status: notCalled.statusCode, body: notCalled.body });
    // The real file's name, known to the IVR: still nothing without the token or a signed URL.
    const names = (await readdir(join(db.dataDir, "tts"))).filter((n) => /^[0-9a-f]{64}\.sln$/.test(n));
    expect(names).toHaveLength(1);
    expect(names[0]).not.toBe(`${publicName("Maria Souza")}.sln`);
    const real = await get(`/audio/tts/${names[0]}`);
    expect({ status: real.statusCode, body: real.body }).toEqual({ status: notCalled.statusCode, body: notCalled.body });
  });

  it("the IVR's token, or the signed URL the IVR hands Asterisk, gets the audio", async () => {
    const name = (await readdir(join(db.dataDir, "tts"))).find((n) => /^[0-9a-f]{64}\.sln$/.test(n))!;
    expect((await get(`/audio/tts/${name}`, IVR)).statusCode).toBe(200);
    expect(signedUrl.startsWith(`${BASE}/tts/`)).toBe(true);
    expect(signedUrl).toMatch(/\.sln$/);
    const path = new URL(signedUrl).pathname;
    const signed = await get(path);
    expect(signed.statusCode).toBe(200);
    expect(signed.rawPayload.length).toBeGreaterThan(1000);
    // A signature made up, or moved to another name, is the same 404 as a name never said.
    const forged = path.replace(/\/tts\/([0-9a-f]+)\//, (_m, sig: string) => `/tts/${sig.replace(/^./, (c) => (c === "0" ? "1" : "0"))}/`);
    const elsewhere = path.replace(/[0-9a-f]{64}\.sln$/, `${publicName("José Ninguém")}.sln`);
    const forgedAnswer = await get(forged);
    expect(forgedAnswer.statusCode).toBe(404);
    expect(forgedAnswer.body).toBe((await get(elsewhere)).body);
  });

  it("the text sidecar beside each file is readable by its owner only (0600)", async () => {
    const sidecars = (await readdir(join(db.dataDir, "tts"))).filter((n) => n.endsWith(".txt"));
    expect(sidecars).toHaveLength(1);
    expect(statSync(join(db.dataDir, "tts", sidecars[0]!)).mode & 0o777).toBe(0o600);
  });
});
