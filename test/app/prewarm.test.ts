import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAll, type RunningApp } from "../../src/app/start.js";
import { testSettings } from "../../src/config/index.js";
import { systemActor } from "../../src/domain/index.js";
import { freePort } from "../support/processes.js";

/**
 * Issue 13: 0 synthesis inside any call, including the first after a start or a catalogue change.
 * `ura start` (in-process, the real espeak-ng) must have every catalogue sentence in the TTS cache
 * before its AGI port takes a call, and again after an admin's change, before the next call.
 * "Already in the cache" is read through prewarm's report: a sentence it had to synthesise was not.
 * The start waits for its prewarm as long as it takes here (TTS_PREWARM_WAIT_MS at its maximum), so
 * a loaded machine's slow espeak-ng makes the test slower, not red.
 */
describe("ura start warms the TTS cache before calls need it", () => {
  let dir: string;
  let app: RunningApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ura-prewarm-"));
    const settings = testSettings({ DATA_DIR: dir, TTS_ENGINE: "espeak", TTS_PREWARM_WAIT_MS: "600000", AGI_PORT: String(await freePort()), API_PORT: String(await freePort()) });
    app = await startAll(settings, pino({ level: "silent" }));
  }, 600_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every catalogue sentence is cached when start returns (the IVR is listening from then on)", async () => {
    const sentences = await app.store.catalogue.spokenSentences();
    expect(sentences.length).toBeGreaterThan(10);
    const report = await app.tts.prewarm(sentences);
    expect(report).toMatchObject({ total: sentences.length, synthesised: 0, failed: [] });
  });

  it("a catalogue change is synthesised by the store itself, before the next caller asks", async () => {
    await app.store.catalogue.update(101, { prompt: "Para o novo portal do servidor, tecle 1." }, systemActor, new Date());
    // Waits for what the change started, and starts nothing itself.
    await app.store.catalogue.whenSynthesised();
    const report = await app.tts.prewarm(["Para o novo portal do servidor, tecle 1."]);
    expect(report.synthesised).toBe(0);
    expect(report.cached).toBe(1);
  });
});

describe("ura start warms announcements before callers hear them", () => {
  let dir: string;
  let app: RunningApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ura-prewarm-notice-"));
    const settings = testSettings({ DATA_DIR: dir, TTS_ENGINE: "espeak", AGI_PORT: String(await freePort()), API_PORT: String(await freePort()) });
    app = await startAll(settings, pino({ level: "silent" }));
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a new announcement is in the TTS cache when the admin's write returns, and so is a changed text", async () => {
    const text = "A rede da Secretaria de Saúde está fora do ar, a equipe já está trabalhando.";
    const created = await app.store.announcements.create({ text }, systemActor, new Date());
    expect((await app.tts.prewarm([text])).synthesised).toBe(0);
    const changed = "A rede da Secretaria de Saúde voltou, obrigado pela paciência.";
    await app.store.announcements.update(created.id, { text: changed }, systemActor, new Date());
    expect((await app.tts.prewarm([changed])).synthesised).toBe(0);
  });
});

describe("ura start warms a user's name when an admin registers or renames them", () => {
  const ADMIN = "adm-secret-for-the-names-prewarm-0123";
  let dir: string;
  let app: RunningApp;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ura-prewarm-names-"));
    const apiPort = await freePort();
    const settings = testSettings({
      DATA_DIR: dir,
      TTS_ENGINE: "espeak",
      AGI_PORT: String(await freePort()),
      API_PORT: String(apiPort),
      API_TOKENS: `ivr:ivr:ivr-secret-for-the-names-prewarm-0123,ops:admin:${ADMIN}`,
    });
    app = await startAll(settings, pino({ level: "silent" }));
    base = `http://127.0.0.1:${apiPort}/api/v1/admin/users`;
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (method: string, url: string, body: unknown) =>
    fetch(url, { method, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify(body) });

  // Until then only the heartbeat's answer (10 s later) started it: a call in between synthesised the name.
  it("the name is in the TTS cache when the admin's write returns, so her first call synthesises nothing", async () => {
    const created = await send("POST", base, { code: "4321", name: "Carla Dias Pereira", phone: "(45) 99999-4321", extensions: ["2004"] });
    expect(created.status).toBe(201);
    expect((await app.tts.prewarm(["Carla Dias Pereira"])).synthesised).toBe(0);

    const renamed = await send("PATCH", `${base}/4321`, { name: "Carla Pereira Lobo" });
    expect(renamed.status).toBe(200);
    expect((await app.tts.prewarm(["Carla Pereira Lobo"])).synthesised).toBe(0);
  });
});
