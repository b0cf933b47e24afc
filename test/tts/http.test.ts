import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audioRoutes, cacheKey } from "../../src/tts/index.js";
import { tone } from "../support/fake-polly.js";
import { freePort, runUra, type RunningUra } from "../support/processes.js";

let root: string;
let app: FastifyInstance;
const hash = cacheKey("espeak", "pt-br", "Maria");
const name = tone(0.5);
const greeting = tone(1.25, 300);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ura-audio-http-"));
  const dirs = { tts: join(root, "data", "tts"), prompts: join(root, "sounds", "pt-BR") };
  await mkdir(dirs.tts, { recursive: true });
  await mkdir(dirs.prompts, { recursive: true });
  await writeFile(join(dirs.tts, `${hash}.sln`), name);
  await writeFile(join(dirs.prompts, "greeting.sln"), greeting);
  await writeFile(join(root, "data", "secret.sln"), "SECRET");
  await writeFile(join(root, "secret"), "SECRET");
  app = Fastify();
  await app.register(audioRoutes({ dirs, secret: Buffer.from("audio-http-test-key-0123456789abcdef") }));
  await app.listen({ host: "127.0.0.1", port: 0 });
});

/** A request sent byte for byte (inject and ordinary clients would normalise the `..` away). */
function rawGet(path: string, port = (app.server.address() as AddressInfo).port): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: pbx\r\nConnection: close\r\n\r\n`));
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.on("end", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on("error", reject);
  });
}
afterAll(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

describe("HTTP audio route (what Asterisk's media cache fetches)", () => {
  it("serves synthesised speech with its length, type and immutable caching", async () => {
    const res = await app.inject({ method: "GET", url: `/audio/tts/${hash}.sln` });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/octet-stream");
    expect(res.headers["content-length"]).toBe(String(name.length));
    expect(res.rawPayload.equals(name)).toBe(true);
    expect(res.headers.etag).toBe(`"${hash}"`);
    expect(res.headers["cache-control"]).toMatch(/immutable/);
    expect(new Date(res.headers["last-modified"] as string).getTime()).not.toBeNaN();
  });

  it("serves a prompt, and answers the media cache's revalidation (HEAD + If-None-Match) with 304", async () => {
    const res = await app.inject({ method: "GET", url: "/audio/prompts/greeting.sln" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-length"]).toBe(String(greeting.length));
    expect(res.headers["cache-control"]).toBe("public, max-age=300");
    const etag = res.headers.etag as string;

    const head = await app.inject({ method: "HEAD", url: "/audio/prompts/greeting.sln" });
    expect(head.statusCode).toBe(200);
    expect(head.headers["content-length"]).toBe(String(greeting.length));
    expect(head.body).toBe("");

    const again = await app.inject({ method: "HEAD", url: "/audio/prompts/greeting.sln", headers: { "if-none-match": etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
  });

  it("answers 404 for audio that does not exist", async () => {
    for (const url of [`/audio/tts/${"0".repeat(64)}.sln`, "/audio/prompts/no-such-prompt.sln", "/audio/prompts/greeting.wav", "/audio/other/greeting.sln", "/audio/prompts/Greeting.sln"]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it("refuses path traversal with 400 and never reads outside the audio directories", async () => {
    const attempts = [
      "/audio/tts/../secret.sln",
      "/audio/tts/..%2fsecret.sln",
      "/audio/tts/%2e%2e/secret.sln",
      "/audio/prompts/%2E%2E%2F%2E%2E%2Fsecret",
      "/audio/prompts/..%5c..%5csecret.sln",
      "/audio/%2fetc%2fpasswd",
      "/audio//etc/passwd",
      "/audio/prompts/greeting.sln%00.txt",
      "/audio/prompts/%252e%252e%252fsecret.sln",
      "/audio/../../secret",
    ];
    for (const url of attempts) {
      const res = await rawGet(url);
      expect(res.status, url).toBe(400);
      expect(res.text, url).not.toContain("SECRET");
    }
  });
});

describe("ura api serves /audio too (a split site: AUDIO_HTTP_BASE_URL points at the API host)", () => {
  let api: RunningUra | undefined;
  afterAll(async () => {
    await api?.stop();
  });

  it("serves the prompts and the TTS cache another process wrote, and refuses traversal", async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), "ura-api-audio-"));
    const base = `http://127.0.0.1:${port}/audio`;
    // The same DATA_DIR (so TTS_CACHE_DIR) for both processes: what a shared mount gives an IVR node.
    const env = { API_PORT: String(port), DATA_DIR: dataDir, AUDIO_MODE: "http", AUDIO_HTTP_BASE_URL: base, TTS_ENGINE: "espeak" };
    try {
      api = runUra(["api"], env);
      await api.waitFor(/ticket API listening/);
      expect(api.output()).toMatch(/serving \/audio/);

      const prompt = await fetch(`${base}/prompts/greeting.sln`);
      expect(prompt.status).toBe(200);
      expect(prompt.headers.get("content-type")).toBe("application/octet-stream");
      expect(prompt.headers.get("cache-control")).toBe("public, max-age=300");
      const bytes = Buffer.from(await prompt.arrayBuffer());
      expect(bytes.length).toBeGreaterThan(8000); // over a quarter second of 8 kHz 16-bit audio
      expect(bytes.length % 2).toBe(0);

      // What an IVR node does on a caller's name: synthesise into the cache and hand Asterisk a URL.
      const say = runUra(["tts", "say", "Maria da Silva"], env);
      expect(await say.exited).toBe(0);
      const url = say.output().trim().split("\n").pop()!;
      expect(url).toMatch(new RegExp(`^${base}/tts/[0-9a-f]{32}/[0-9a-f]{64}\\.sln$`));
      const name = await fetch(url);
      expect(name.status).toBe(200);
      expect(name.headers.get("cache-control")).toMatch(/immutable/);
      expect((await name.arrayBuffer()).byteLength).toBeGreaterThan(8000);

      for (const attempt of ["/audio/prompts/../../package.json", "/audio/tts/..%2f..%2fapi-tokens.local", "/audio/prompts/%2e%2e%2fprompts.pt-BR.txt"]) {
        const res = await rawGet(attempt, port);
        expect(res.status, attempt).toBeGreaterThanOrEqual(400);
        expect(res.status, attempt).toBeLessThan(500);
        expect(res.text, attempt).not.toMatch(/"name": "ura-chamados"|ivr:|greeting:/);
      }
      expect((await fetch(`${base}/prompts/no-such-prompt.sln`)).status).toBe(404);
    } finally {
      expect(await api?.stop()).toBe(0);
      api = undefined;
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
