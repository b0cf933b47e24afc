import { activeLevel, finishAudio, TARGET_LEVEL_DBOV } from "../../src/tts/level.js";
import { fromSln } from "../../src/tts/audio.js";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testSettings } from "../../src/config/index.js";
import { cacheKey, createSpeechSynthesizer, resolveCacheSecret, TtsUnavailableError, type TtsService } from "../../src/tts/index.js";
import { FakePolly, tone } from "../support/fake-polly.js";

let polly: FakePolly;
let dir: string;

beforeAll(async () => {
  polly = await FakePolly.start();
});
afterAll(async () => {
  await polly.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ura-polly-"));
  polly.requests.length = 0;
  // Static credentials through the SDK's default chain (the environment provider comes first).
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDFAKEPOLLYTEST");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "fake-secret");
  vi.stubEnv("AWS_SESSION_TOKEN", "");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

function pollyTts(overrides: Record<string, string> = {}): TtsService {
  return createSpeechSynthesizer(
    testSettings({
      TTS_ENGINE: "polly",
      POLLY_ENDPOINT: polly.url,
      POLLY_REGION: "sa-east-1",
      TTS_CACHE_DIR: dir,
      ...overrides,
    }),
  );
}

describe("Polly engine (against a local fake of the Polly endpoint)", () => {
  it("asks for 8 kHz pcm in the configured voice with the text escaped in SSML, signed with the default credential chain", async () => {
    const tts = pollyTts({ TTS_VOICE: "Vitória", POLLY_ENGINE: "standard" });
    await tts.synthesize(`Ana & Bia <"O'Neil">`);
    expect(polly.requests).toHaveLength(1);
    const [request] = polly.requests;
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/v1/speech");
    expect(request!.body).toEqual({
      Engine: "standard",
      OutputFormat: "pcm",
      SampleRate: "8000",
      Text: "<speak>Ana &amp; Bia &lt;&quot;O&apos;Neil&quot;&gt;</speak>",
      TextType: "ssml",
      VoiceId: "Vitoria",
    });
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFAKEPOLLYTEST\/\d{8}\/sa-east-1\/polly\/aws4_request/);
  });

  it("defaults to Camila on the neural engine", async () => {
    await pollyTts().synthesize("Maria");
    expect(polly.requests[0]!.body).toMatchObject({ VoiceId: "Camila", Engine: "neural" });
  });

  it("writes Polly's bytes into the cache as the .sln Asterisk plays (only brought to the one level), and asks only once", async () => {
    const audio = tone(0.75);
    polly.answer = () => ({ kind: "audio", bytes: audio });
    const tts = pollyTts();
    const reference = await tts.synthesize("João da Silva");
    const hash = cacheKey("polly", "Camila/neural", "João da Silva", resolveCacheSecret(dir));
    expect(reference).toBe(join(dir, hash));
    const bytes = await readFile(`${reference}.sln`);
    expect(bytes.equals(finishAudio(audio))).toBe(true);
    expect(activeLevel(fromSln(bytes))).toBeCloseTo(TARGET_LEVEL_DBOV, 0);
    expect(await tts.synthesize("João da Silva")).toBe(reference);
    expect(polly.requests).toHaveLength(1);
  });

  it("surfaces a Polly error as TtsUnavailableError carrying Polly's exception, and caches nothing", async () => {
    polly.answer = () => ({ kind: "error", status: 400, type: "InvalidSsmlException", message: "Invalid SSML request" });
    const tts = pollyTts();
    const error = await tts.synthesize("Maria").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TtsUnavailableError);
    expect((error as Error).message).toMatch(/InvalidSsmlException/);
    expect(((error as Error).cause as Error).name).toBe("InvalidSsmlException");
    polly.answer = () => ({ kind: "audio", bytes: tone(0.3) });
    await expect(tts.synthesize("Maria")).resolves.toContain(dir);
  });

  it("refuses an answer that is not pcm audio", async () => {
    polly.answer = () => ({ kind: "audio", bytes: Buffer.from("ID3\u0004fake mp3"), contentType: "audio/mpeg" });
    await expect(pollyTts().synthesize("Maria")).rejects.toThrow(/audio\/mpeg/);
  });

  it("gives up on an endpoint that never answers within TTS_TIMEOUT_MS", async () => {
    polly.answer = () => ({ kind: "hang" });
    const tts = pollyTts({ TTS_TIMEOUT_MS: "400" });
    const started = Date.now();
    const error = await tts.synthesize("Maria").catch((err: unknown) => err);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(TtsUnavailableError);
    expect(((error as Error).cause as Error).name).toBe("TtsTimeoutError");
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(3000); // the fake never answers: well before that means the limit worked
  });

  it("stops waiting as soon as the caller's signal aborts (the caller hung up)", async () => {
    polly.answer = () => ({ kind: "audio", bytes: tone(0.3), delayMs: 2000 });
    const tts = pollyTts({ TTS_TIMEOUT_MS: "5000" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("caller hung up")), 100);
    const started = Date.now();
    await expect(tts.synthesize("Maria", { signal: controller.signal })).rejects.toBeInstanceOf(TtsUnavailableError);
    expect(Date.now() - started).toBeLessThan(600);
  });
});
