import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, runUra } from "../support/processes.js";

/**
 * Two `ura ivr` nodes on one host (docs/topology.md): both took METRICS_PORT's default, and the
 * second died with a bare EADDRINUSE that named no setting (review finding). It must say which
 * variable to change, and exit as a configuration error (78), before it takes any call.
 */
describe("ura ivr with its metrics port taken", () => {
  let taken: Server;
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), "ura-ivr-metrics-"));

  beforeAll(async () => {
    // Another node's /metrics, on the port this one is told to use.
    taken = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits as a configuration error naming METRICS_PORT and the address in use, without listening for calls", async () => {
    const ura = runUra(["ivr"], {
      DATA_DIR: dir,
      API_URL: "http://127.0.0.1:9",
      API_TOKEN: "ivr-token-for-the-metrics-port-test",
      AGI_HOST: "127.0.0.1",
      AGI_PORT: String(await freePort()),
      METRICS_HOST: "127.0.0.1",
      METRICS_PORT: String(port),
      TTS_ENGINE: "none",
      LOG_LEVEL: "info",
    });
    try {
      const code = await Promise.race([new Promise((resolve) => ura.child.once("exit", resolve)), new Promise((resolve) => setTimeout(() => resolve("still running"), 30_000))]);
      expect(code, ura.output()).toBe(78);
      expect(ura.output()).toMatch(new RegExp(`METRICS_PORT: 127\\.0\\.0\\.1:${port} is in use`));
      expect(ura.output()).not.toContain("FastAGI server listening");
    } finally {
      if (ura.child.exitCode === null) ura.child.kill("SIGKILL");
    }
  }, 60_000);
});
