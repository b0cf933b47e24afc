import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startAgiServer } from "../support/agi-server.js";
import { freePort } from "../support/processes.js";
import { placeCall, type Caller, type CallerAction } from "../support/asterisk-emulator.js";
import { RawAsterisk, settled, sleep } from "./helpers.js";
import { eventually } from "../support/eventually.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A script that takes its time between commands (a slow caller, a slow API). */
function slowScript(pauseMs: number) {
  return async (ch: import("../../src/agi/index.js").AgiChannel) => {
    await ch.answer();
    await sleep(pauseMs);
    await ch.streamFile("menu");
    await sleep(pauseMs);
    await ch.setVariable("URA_RESULT", "finished");
  };
}

async function connectionRefused(port: number): Promise<boolean> {
  try {
    const raw = await RawAsterisk.connect(port);
    // Accepted by the kernel but closed by us at once is also a refusal.
    await raw.waitClosed(1000);
    return raw.received === "";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ECONNREFUSED";
  }
}

describe("graceful drain", () => {
  it("lets calls in progress finish (URA_RESULT set) and refuses new connections", async () => {
    const s = await startAgiServer({ ura: slowScript(250) });
    stop = s.close;
    const calls = Array.from({ length: 3 }, () => placeCall({ port: s.port }));
    await eventually(() => s.server.activeCalls === 3);
    const draining = s.server.drain(5000);
    expect(await connectionRefused(s.port)).toBe(true);
    const results = await Promise.all(calls);
    expect(results.map((r) => r.variables.URA_RESULT)).toEqual(["finished", "finished", "finished"]);
    expect(results.map((r) => r.agiStatus)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    expect(await draining).toEqual({ finished: 3, cut: 0 });
    expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("with a limit shorter than the calls, cuts them and resolves soon after the limit", async () => {
    const s = await startAgiServer({ ura: slowScript(2000) }); // the scripts ignore ch.signal
    const calls = Array.from({ length: 3 }, () => placeCall({ port: s.port }));
    await eventually(() => s.server.activeCalls === 3);
    const started = Date.now();
    const outcome = await s.server.drain(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcome).toEqual({ finished: 0, cut: 3 });
    const results = await Promise.all(calls);
    expect(results.every((r) => r.closedBy === "server" && r.variables.URA_RESULT === undefined)).toBe(true);
    expect(s.server.openSockets).toBe(0);
  });

  it("waits for work a call left running (a voice description's upload), and resolves when it is done", async () => {
    const s = await startAgiServer({ ura: slowScript(0) });
    stop = s.close;
    const call = await placeCall({ port: s.port });
    expect(call.variables.URA_RESULT).toBe("finished");
    let uploaded = false;
    s.server.track(sleep(300).then(() => (uploaded = true)));
    expect(await s.server.drain(5000)).toEqual({ finished: 0, cut: 0 });
    expect(uploaded).toBe(true);
  });

  it("gives up work a call left running at the limit, and says so", async () => {
    const s = await startAgiServer({ ura: slowScript(0) });
    stop = s.close;
    s.server.track(new Promise(() => undefined));
    expect(await s.server.drain(200)).toEqual({ finished: 0, cut: 0 });
    expect(s.logs.find((l) => l.msg.startsWith("drain limit reached"))).toMatchObject({ unfinished: 1, timeoutMs: 200 });
  });

  it("ura ivr: on SIGTERM a call in progress still completes, then the process exits 0", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, "bin/ura.js"), "ivr"], {
      cwd: mkdtempSync(join(tmpdir(), "ura-drain-")),
      env: { ...process.env, AGI_PORT: String(port), METRICS_PORT: "0", AGI_HOST: "127.0.0.1", LOG_LEVEL: "info", AGI_DRAIN_TIMEOUT_MS: "20000", API_TOKEN: "ivr-token-for-the-drain-test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await eventually(() => output.includes("FastAGI server listening"), 15_000);

      let sigtermAt = 0;
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      let inProgress = false;
      // A caller who is slow to react to the first prompt: the call is in progress at SIGTERM.
      const slowCaller: Caller = {
        async react(): Promise<CallerAction> {
          if (!inProgress) {
            inProgress = true;
            await released;
          }
          return { kind: "listen" };
        },
      };
      const call = placeCall({ port, caller: slowCaller, callerId: "1001" });
      await eventually(() => inProgress, 5000);
      child.kill("SIGTERM");
      sigtermAt = Date.now();
      await sleep(300); // the server is draining now
      expect(await connectionRefused(port)).toBe(true);
      release();
      const result = await call;
      expect(result.closedBy).toBe("server");
      expect(result.agiStatus).not.toBe("HANGUP");
      // The call went on after the signal: commands were answered after SIGTERM.
      expect(result.commands.length).toBeGreaterThan(1);
      expect(Object.keys(result.variables).some((k) => k.startsWith("URA_"))).toBe(true);
      const code = await Promise.race([exited, sleep(10_000).then(() => "still running")]);
      expect(code).toBe(0);
      expect(Date.now() - sigtermAt).toBeLessThan(10_000);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 30_000);
});
