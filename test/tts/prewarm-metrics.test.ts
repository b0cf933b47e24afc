import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMetricsServer, type MetricsServer } from "../../src/app/metrics.js";
import { testSettings } from "../../src/config/index.js";
import { createSpeechSynthesizer, type TtsService } from "../../src/tts/index.js";
import { GatedEngine } from "../support/gated-engine.js";
import { sample } from "../support/metrics.js";

/**
 * `ura_tts_cache_misses_total` says how often a call had to wait for the engine (issue 13: none
 * should). A prewarm's syntheses are the opposite, done so that no call waits, and a names pass
 * makes thousands: counted as misses, they hid the calls' misses (review finding). A prewarm is
 * counted in neither hits nor misses; a call that waits for a synthesis a prewarm started is a miss.
 */
describe("the TTS cache's hit and miss counters, read on /metrics", () => {
  let dir: string;
  let metrics: MetricsServer;
  let engine: GatedEngine;
  let tts: TtsService;
  const counts = async () => {
    const text = await (await fetch(`${metrics.url}/metrics`)).text();
    return { hits: sample(text, "ura_tts_cache_hits_total"), misses: sample(text, "ura_tts_cache_misses_total") };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-tts-metrics-"));
    metrics = (await startMetricsServer(testSettings({ METRICS_PORT: "1" }), pino({ level: "silent" }), { port: 0 }))!;
    engine = new GatedEngine();
    tts = createSpeechSynthesizer(testSettings({ TTS_CACHE_DIR: dir }), { engine });
  });
  afterAll(async () => {
    tts?.close();
    await metrics?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a prewarm's syntheses are not misses, and neither is a prewarm of what is cached a hit", async () => {
    const before = await counts();
    const names = ["Maria Souza", "Joaquina Pereira", "Otávio Nunes"];
    expect(await tts.prewarm(names)).toMatchObject({ synthesised: 3, failed: [] });
    expect(await tts.prewarm(names)).toMatchObject({ cached: 3 });
    expect(await counts()).toEqual(before);
  });

  it("a call's synthesis is a miss, and a call for a prewarmed text a hit", async () => {
    const before = await counts();
    await tts.synthesize("Benedita Ramos");
    expect(await counts()).toEqual({ hits: before.hits, misses: before.misses + 1 });
    await tts.synthesize("Maria Souza");
    expect(await counts()).toEqual({ hits: before.hits + 1, misses: before.misses + 1 });
  });

  it("a call that waits for a synthesis a prewarm started is a miss, counted once", async () => {
    const before = await counts();
    engine.hold();
    const prewarm = tts.prewarm(["Sebastiana Freitas"]);
    while (engine.count("Sebastiana Freitas") === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const call = tts.synthesize("Sebastiana Freitas");
    engine.open();
    await Promise.all([prewarm, call]);
    expect(engine.count("Sebastiana Freitas")).toBe(1);
    expect(await counts()).toEqual({ hits: before.hits, misses: before.misses + 1 });
  });
});
