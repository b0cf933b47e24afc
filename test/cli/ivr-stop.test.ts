import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { freePort, runUra } from "../support/processes.js";

/**
 * `ura ivr` is stopped (a deploy, `systemctl restart`) while it is still synthesising the users'
 * names for the first time, which on a fresh node takes an hour for 20,000 names
 * (docs/topology.md). The stop must not wait for that pass: the service manager would wait for
 * its own limit and then kill the node. The API here is a stand-in that only lists names, page
 * after page without end, so the pass is under way whenever the signal comes.
 */
describe("ura ivr stopped during its first names pass", () => {
  let api: Server;
  let apiUrl: string;
  let pages = 0;
  const dir = mkdtempSync(join(tmpdir(), "ura-ivr-stop-"));

  beforeAll(async () => {
    api = createServer((req, res) => {
      if (req.url?.startsWith("/api/v1/spoken-names")) {
        const page = pages++;
        const names = Array.from({ length: 20 }, (_, i) => `Pessoa ${page} ${i}`);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ names, next: String((page + 1) * 20) }));
        return;
      }
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "unavailable", message: "not in this test" }));
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => api?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 0 on SIGTERM without synthesising the rest of the names", async () => {
    const ura = runUra(["ivr"], {
      DATA_DIR: dir,
      API_URL: apiUrl,
      API_TOKEN: "ivr-token-for-the-names-stop-test",
      AGI_HOST: "127.0.0.1",
      AGI_PORT: String(await freePort()),
      METRICS_PORT: "0",
      TTS_ENGINE: "espeak",
      TTS_PREWARM_WAIT_MS: "2000",
      LOG_LEVEL: "info",
    });
    try {
      await ura.waitFor(/FastAGI server listening/, 30_000);
      await eventually(() => pages >= 1, 20_000);
      const code = await Promise.race([ura.stop(), new Promise((resolve) => setTimeout(() => resolve("still running"), 20_000))]);
      expect(code, ura.output()).toBe(0);
    } finally {
      if (ura.child.exitCode === null) ura.child.kill("SIGKILL");
    }
  }, 90_000);
});
