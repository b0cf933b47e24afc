import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { resolveApiTokens } from "../../src/api/index.js";
import { testSettings } from "../../src/config/index.js";
import { freePort, runUra, type RunningUra } from "../support/processes.js";

let running: RunningUra | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/**
 * How long `ura start` may take to listen, or to give up: on a loaded machine its start (migrations,
 * the catalogue's names synthesised by espeak-ng, up to TTS_PREWARM_WAIT_MS) outlasted 20 s
 * (session 21). A limit for a hung process, not a speed test: the tests wait for what it prints.
 */
const START_LIMIT_MS = 120_000;

describe("ura start on a fresh clone", () => {
  it("listens for FastAGI with no settings but ports and a data directory, and ura call reaches the ura script", { timeout: 3 * START_LIMIT_MS }, async () => {
    const agiPort = await freePort();
    const apiPort = await freePort();
    const env = { AGI_PORT: String(agiPort), API_PORT: String(apiPort), DATA_DIR: mkdtempSync(join(tmpdir(), "ura-start-")) };
    running = runUra(["start"], env);
    await running.waitFor(/FastAGI server listening/, START_LIMIT_MS);

    const call = runUra(["call", "--keys", ",,,,,,,,"], env);
    try {
      await call.waitFor(/call ended/, START_LIMIT_MS);
    } finally {
      await call.stop();
    }
    expect(call.output()).toMatch(/♪ greeting: TI da prefeitura\./);
    expect(await running.stop()).toBe(0);
  });

  it("refuses to start on a bad setting and names it", async () => {
    running = runUra(["start"], { AGI_PORT: "70000" });
    expect(await running.exited).toBe(78);
    expect(running.output()).toContain("AGI_PORT: expected a whole number from 1 to 65535");
  });

  it("refuses an API_TOKEN that is not one of the API's ivr tokens (its IVR, in process, would be refused on every step)", async () => {
    running = runUra(["start"], {
      AGI_PORT: String(await freePort()),
      API_PORT: String(await freePort()),
      DATA_DIR: mkdtempSync(join(tmpdir(), "ura-start-")),
      API_TOKENS: "ivr:ivr:start-ivr-token-0123456789,ops:admin:start-admin-token-0123456789",
      API_TOKEN: "start-admin-token-0123456789",
    });
    expect(await running.exited).toBe(78);
    expect(running.output()).toContain('API_TOKEN: is not one of API_TOKENS with scope "ivr"');
  });

  it("refuses API_TOKENS with no ivr token when API_TOKEN is empty (its IVR would have no token to call the API with)", async () => {
    running = runUra(["start"], {
      AGI_PORT: String(await freePort()),
      API_PORT: String(await freePort()),
      DATA_DIR: mkdtempSync(join(tmpdir(), "ura-start-")),
      API_TOKENS: "ops:admin:start-admin-token-0123456789",
    });
    expect(await running.exited).toBe(78);
    expect(running.output()).toContain('API_TOKENS: has no token with scope "ivr" and API_TOKEN is empty');
  });

  it("with the AGI port taken, says so and exits instead of running on with the API alone", { timeout: 2 * START_LIMIT_MS }, async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const agiPort = (taken.address() as { port: number }).port;
    const apiPort = await freePort();
    try {
      running = runUra(["start"], { AGI_PORT: String(agiPort), API_PORT: String(apiPort), DATA_DIR: mkdtempSync(join(tmpdir(), "ura-start-")) });
      const code = await Promise.race([running.exited, new Promise((r) => setTimeout(() => r("still running"), START_LIMIT_MS))]);
      // A configuration error naming the setting (test/cli/ports-in-use.test.ts), not a bare EADDRINUSE.
      expect(code).toBe(78);
      expect(running.output()).toMatch(new RegExp(`AGI_PORT: \\S+:${agiPort} is in use`));
      // The API it had started is closed too: its port can be taken again.
      const again = createServer();
      await new Promise<void>((resolve, reject) => again.once("error", reject).listen(apiPort, "127.0.0.1", resolve));
      await new Promise((r) => again.close(r));
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});

describe("ura ivr", () => {
  it("refuses to start without an API token, naming API_TOKEN (every call would get a 401)", async () => {
    running = runUra(["ivr"], { AGI_PORT: String(await freePort()), METRICS_PORT: "0", DATA_DIR: mkdtempSync(join(tmpdir(), "ura-ivr-")) });
    expect(await running.exited).toBe(78);
    expect(running.output()).toContain("API_TOKEN: required by ura ivr");
  });

  it("on the API's host, uses the ivr token the API made in DATA_DIR", { timeout: 2 * START_LIMIT_MS }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ura-ivr-"));
    resolveApiTokens(testSettings({ DATA_DIR: dataDir })); // what `ura api` does at its first start
    running = runUra(["ivr"], { AGI_PORT: String(await freePort()), METRICS_PORT: "0", DATA_DIR: dataDir });
    await running.waitFor(/FastAGI server listening/, START_LIMIT_MS);
    expect(await running.stop()).toBe(0);
  });
});
