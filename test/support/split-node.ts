import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import pino from "pino";
import type { HeartbeatReporter } from "../../src/app/heartbeats.js";
import { buildIvrNode, type IvrNode } from "../../src/app/ivr.js";
import { testSettings } from "../../src/config/index.js";
import { createSpeechSynthesizer, normaliseText, type TtsService } from "../../src/tts/index.js";
import { GatedEngine } from "./gated-engine.js";
import { freePort } from "./processes.js";
import { STATE_KEY } from "./scenario.js";

/** `ura ivr` on its own host (its own DATA_DIR and TTS cache), listening, its heartbeats started. */
export interface IvrNodeOnItsOwnHost {
  node: IvrNode;
  engine: GatedEngine;
  tts: TtsService;
  heartbeats: HeartbeatReporter;
  agiPort: number;
  /** The TTS file a sentence is played from on this node (its cache's name for it). */
  file(text: string): string;
  /** Stops the heartbeats and the node, and removes its DATA_DIR. */
  close(): Promise<void>;
}

/**
 * What `ura ivr` builds (buildIvrNode) against the API at `apiUrl`, with an engine that holds its
 * syntheses on demand (GatedEngine): warmed at start, then listening, with one heartbeat round
 * now and the next in an hour, so the rounds that matter are the test's own.
 */
export async function startIvrNodeOnItsOwnHost(options: { apiUrl: string; token: string; ttsTimeoutMs: number }): Promise<IvrNodeOnItsOwnHost> {
  const silent = pino({ level: "silent" });
  const dir = mkdtempSync(join(tmpdir(), "ura-split-ivr-"));
  const agiPort = await freePort();
  const settings = testSettings({
    DATA_DIR: dir,
    API_URL: options.apiUrl,
    API_TOKEN: options.token,
    AGI_PORT: String(agiPort),
    IVR_STATE_SECRET: STATE_KEY,
    IVR_API_BUDGET_MS: "10000",
    TTS_TIMEOUT_MS: String(options.ttsTimeoutMs),
  });
  const engine = new GatedEngine();
  const tts = createSpeechSynthesizer(settings, { engine, logger: silent });
  const node = buildIvrNode(settings, silent, tts);
  await node.spoken.warmAtStart(600_000);
  await node.ivr.listen();
  const heartbeats = node.startHeartbeats({ everyMs: 3_600_000 });
  return {
    node,
    engine,
    tts,
    heartbeats,
    agiPort,
    file: (text) => tts.cache!.name(engine.name, engine.voiceKey, normaliseText(text)),
    async close() {
      heartbeats.stop();
      engine.open();
      await node.ivr.drain(1000);
      tts.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An admin's request to the API at `apiUrl` (`/api/v1/admin…`), which must succeed. */
export function adminOf(apiUrl: string, token: string) {
  return async (method: string, path: string, body: unknown): Promise<Response> => {
    const r = await fetch(`${apiUrl}/api/v1/admin${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(r.status, await r.clone().text()).toBeLessThan(300);
    return r;
  };
}
