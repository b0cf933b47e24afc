import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, runUra } from "../support/processes.js";

/**
 * A port already taken (a second `ura start`, two nodes on one host) stopped the service with a
 * bare EADDRINUSE that named no setting. Each listening port is a configuration error (exit 78)
 * naming the variable that chose it, as METRICS_PORT's is (test/cli/ivr-metrics-port.test.ts).
 */
describe("a service whose port is taken", () => {
  let taken: Server;
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), "ura-ports-"));

  beforeAll(async () => {
    taken = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function exitOf(args: string[], env: Record<string, string>) {
    const ura = runUra(args, { DATA_DIR: dir, TTS_ENGINE: "none", LOG_LEVEL: "info", METRICS_PORT: "0", ...env });
    try {
      const code = await Promise.race([new Promise((resolve) => ura.child.once("exit", resolve)), new Promise((resolve) => setTimeout(() => resolve("still running"), 30_000))]);
      return { code, output: ura.output() };
    } finally {
      if (ura.child.exitCode === null) ura.child.kill("SIGKILL");
    }
  }

  it.each([
    ["ivr", "AGI_PORT", { API_URL: "http://127.0.0.1:9", API_TOKEN: "ivr-token-for-the-port-test", AGI_HOST: "127.0.0.1" }],
    ["api", "API_PORT", { API_HOST: "127.0.0.1" }],
    ["start", "AGI_PORT", { API_HOST: "127.0.0.1", AGI_HOST: "127.0.0.1" }],
    ["start", "API_PORT", { API_HOST: "127.0.0.1", AGI_HOST: "127.0.0.1" }],
  ] as const)("ura %s with %s taken exits as a configuration error naming it", async (command, setting, env) => {
    const ports: Record<string, string> = { AGI_PORT: String(await freePort()), API_PORT: String(await freePort()), [setting]: String(port) };
    const { code, output } = await exitOf([command], { ...env, ...ports });
    expect(code, output).toBe(78);
    expect(output).toMatch(new RegExp(`${setting}: 127\\.0\\.0\\.1:${port} is in use`));
    expect(output).toContain("ura: invalid configuration");
  }, 60_000);
});
