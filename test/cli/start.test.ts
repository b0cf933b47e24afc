import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, runUra, type RunningUra } from "../support/processes.js";

let running: RunningUra | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe("ura start on a fresh clone", () => {
  it("listens for FastAGI with no settings but ports and a data directory, and ura call reaches the ura script", async () => {
    const agiPort = await freePort();
    const apiPort = await freePort();
    const env = { AGI_PORT: String(agiPort), API_PORT: String(apiPort), DATA_DIR: mkdtempSync(join(tmpdir(), "ura-start-")) };
    running = runUra(["start"], env);
    await running.waitFor(/FastAGI server listening/);

    const call = runUra(["call", "--keys", ",,,,,,,,"], env);
    await call.waitFor(/call ended/);
    expect(call.output()).toMatch(/♪ greeting: Olá!/);
    expect(await running.stop()).toBe(0);
  });

  it("refuses to start on a bad setting and names it", async () => {
    running = runUra(["start"], { AGI_PORT: "70000" });
    expect(await running.exited).toBe(78);
    expect(running.output()).toContain("AGI_PORT: expected a whole number from 1 to 65535");
  });
});
