import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PassThrough } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/command.js";
import { command as doctor } from "../../src/cli/commands/doctor.js";
import { loadMigrations } from "../../src/domain/index.js";
import { testSettings, type Settings } from "../../src/config/index.js";
import { startApi } from "../../src/api/index.js";
import { buildServer } from "../../src/whatsapp/server.js";
import { DeliveryQueue } from "../../src/whatsapp/delivery-queue.js";
import { createLogSender } from "../../src/whatsapp/index.js";
import { FakePolly } from "../support/fake-polly.js";
import { FakeVenomClient } from "../support/fake-venom.js";
import { freePort } from "../support/processes.js";
import { DRIVERS, openTestDb } from "../support/databases.js";
import { readPromptTexts } from "../../src/tts/index.js";

/** Every prompt of the shipped texts (the count changes whenever a prompt is added). */
const PROMPT_COUNT = readPromptTexts("sounds").size;

const SOUNDS = fileURLToPath(new URL("../../sounds", import.meta.url));
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function runDoctor(settings: Settings): Promise<{ code: number; lines: Map<string, string> }> {
  const out: string[] = [];
  const stdout = new PassThrough();
  stdout.on("data", (c) => out.push(String(c)));
  const ctx: CliContext = { settings, stdout, stderr: new PassThrough(), stdin: new PassThrough(), logger: pino({ level: "silent" }) };
  const code = await doctor.run([], ctx);
  // "ok    database    sqlite …" → database → "ok    database    sqlite …"
  const lines = new Map(out.join("").trim().split("\n").map((l) => [l.slice(6).split(/\s+/)[0]!, l] as const));
  return { code, lines };
}

/** The AWS SDK wants credentials before it talks to the fake Polly. */
function useTestAwsCredentials(): void {
  const env = { AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret" };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  cleanups.push(() => {
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
  });
}

/**
 * Test settings whose ports are this test's own: the API and AGI checks probe API_URL, API_PORT
 * and AGI_PORT, and the defaults (8080, 4573) may be served by anything else on the host.
 */
async function isolated(env: Record<string, string> = {}): Promise<Settings> {
  return testSettings({ API_PORT: String(await freePort()), API_URL: `http://127.0.0.1:${await freePort()}`, AGI_PORT: String(await freePort()), ...env });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ura-doctor-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("ura doctor", () => {
  it("on a fresh clone: no database yet (warn, nothing created), prompts rendered, espeak speaks, exit 0", async () => {
    const dir = tempDir();
    const { code, lines } = await runDoctor(await isolated({ DATA_DIR: dir }));
    expect(lines.get("database")).toMatch(/^warn .*ura\.sqlite does not exist yet/);
    expect(lines.get("prompts")).toMatch(new RegExp(`^ok .*${PROMPT_COUNT} prompts .* 0 missing`));
    expect(lines.get("tts")).toMatch(/^ok .*espeak .*synthesised a test sentence/);
    expect(lines.get("api")).toMatch(/^warn .*not reachable/);
    expect(lines.get("sender")).toMatch(/^warn .*SENDER_DRIVER=log/);
    expect(lines.get("agi")).toMatch(/^ok .* free; Asterisk allowed from 127\.0\.0\.1/);
    expect(code).toBe(0);
    expect(existsSync(join(dir, "ura.sqlite"))).toBe(false);
  });

  it.each(DRIVERS)("%s: an empty database lists the pending migrations; a migrated one is ok, and a running API answers", async (driver) => {
    const empty = await openTestDb(driver, import.meta.filename, {}, { migrate: false });
    cleanups.push(() => empty.cleanup());
    if (driver === "sqlite") await empty.store.ping(); // the file exists, the schema does not
    const before = await runDoctor(await isolated(pick(empty.settings)));
    const files = loadMigrations(driver);
    expect(before.lines.get("database")).toMatch(new RegExp(`^warn .*${files.length} migration\\(s\\) pending .*001_schema\\.sql.*run ura migrate`));

    await empty.store.migrate();
    const apiPort = await freePort();
    // As under `ura start`: API_URL keeps its default, the API listens on API_PORT.
    const settings = await isolated({ ...pick(empty.settings), API_PORT: String(apiPort) });
    const api = await startApi({ settings, store: empty.store, sender: createLogSender(join(empty.dataDir, "outbox.jsonl")), logger: pino({ level: "silent" }), tokens: [{ name: "ivr", scopes: ["ivr"], secret: "s".repeat(32) }] });
    cleanups.push(() => api.close());
    const after = await runDoctor(settings);
    expect(after.lines.get("database")).toMatch(new RegExp(`^ok .*${driver}.*reachable, schema at version ${files.at(-1)!.version}`));
    expect(after.lines.get("api")).toMatch(/^ok .*\/health: ok/);
  });

  it("a prompt whose audio is missing fails and names it; exit code 1", async () => {
    const sounds = join(tempDir(), "sounds");
    cpSync(SOUNDS, sounds, { recursive: true });
    rmSync(join(sounds, "pt-BR", "greeting.sln"));
    const { code, lines } = await runDoctor(await isolated({ DATA_DIR: tempDir(), SOUNDS_DIR: sounds }));
    expect(lines.get("prompts")).toMatch(/^FAIL .*1 missing \(greeting\); run ura sounds render/);
    expect(code).toBe(1);
  });

  it("Polly refusing the request fails the tts check with the service's reason", async () => {
    const polly = await FakePolly.start();
    cleanups.push(() => polly.close());
    polly.answer = () => ({ kind: "error", status: 400, type: "InvalidSsmlException", message: "bad ssml" });
    useTestAwsCredentials();
    const { code, lines } = await runDoctor(await isolated({ DATA_DIR: tempDir(), TTS_ENGINE: "polly", POLLY_ENDPOINT: polly.url }));
    expect(polly.requests).toHaveLength(1);
    expect(lines.get("tts")).toMatch(/^FAIL .*polly: .*bad ssml/);
    expect(lines.get("prompts")).toMatch(new RegExp(`^warn .*${PROMPT_COUNT} stale`)); // rendered with espeak, not with Polly
    expect(code).toBe(1);
  });

  it("a TTS engine that never answers fails the check within TTS_TIMEOUT_MS, saying so", async () => {
    const polly = await FakePolly.start();
    cleanups.push(() => polly.close());
    polly.answer = () => ({ kind: "hang" });
    useTestAwsCredentials();
    const started = Date.now();
    const { lines } = await runDoctor(await isolated({ DATA_DIR: tempDir(), TTS_ENGINE: "polly", POLLY_ENDPOINT: polly.url, TTS_TIMEOUT_MS: "300" }));
    expect(lines.get("tts")).toMatch(/^FAIL .*polly: no audio within TTS_TIMEOUT_MS=300 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("SENDER_DRIVER=venom: a WhatsApp service waiting for its QR fails the sender check; a connected one passes", async () => {
    const venom = new FakeVenomClient({ state: "qr" });
    const logger = pino({ level: "silent" });
    const queue = new DeliveryQueue({ client: venom, logger, maxSize: 10, perNumberPerMinute: 10 });
    const app = await buildServer({ client: venom, queue, token: "t".repeat(32), allowedClients: ["127.0.0.1"], logger });
    cleanups.push(async () => {
      queue.close();
      await app.close();
    });
    const port = await freePort();
    await app.listen({ port, host: "127.0.0.1" });
    const settings = await isolated({ DATA_DIR: tempDir(), SENDER_DRIVER: "venom", WHATSAPP_URL: `http://127.0.0.1:${port}` });
    const waiting = await runDoctor(settings);
    expect(waiting.lines.get("sender")).toMatch(/^FAIL .*WhatsApp not connected \(qr/);
    expect(waiting.code).toBe(1);

    venom.link();
    expect((await runDoctor(settings)).lines.get("sender")).toMatch(/^ok .*linked and connected/);
  });
});

/** The settings of a test database as environment strings, to add API_* to them. */
function pick(s: Settings): Record<string, string> {
  return { DB_DRIVER: s.DB_DRIVER, DATABASE_URL: s.DATABASE_URL, DATA_DIR: s.DATA_DIR, SQLITE_PATH: s.SQLITE_PATH, OTP_SECRET: s.OTP_SECRET };
}
