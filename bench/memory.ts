/**
 * `node --import tsx bench/memory.ts [--calls 500,2000] [--hold S]` — memory per concurrent call.
 *
 * Under `npm run bench` the service's RSS grows with the allocation rate (V8 keeps heap headroom),
 * not with the calls inside it, so RSS / calls says little. Here the service (SQLite, `log` sender)
 * gets N calls that stop at the greeting: each caller simply does not answer the first prompt (the
 * STREAM FILE stays in flight, as while a prompt plays), so N calls sit in the service allocating
 * almost nothing. RSS is read with 0 calls, then with N parked calls after they have been still for
 * `--hold` seconds; (RSS with N − RSS with 0) / N is the memory one call in progress costs, GC
 * headroom included. The calls then hang up.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { placeCall, type Caller, type CallerAction } from "../src/emulator/asterisk-emulator.js";
import { readProc } from "./proc.js";
import { benchServiceEnv, build, freePort, startService, waitForPort } from "./service.js";

interface Step {
  calls: number;
  parked: number;
  rssMb: number;
  perCallKb: number | null;
}

/** Stops at the first prompt until `release` is called, then hangs up. */
class ParkedCaller implements Caller {
  parked = false;
  constructor(private readonly released: Promise<void>) {}
  async react(): Promise<CallerAction> {
    this.parked = true;
    await this.released;
    return { kind: "hangup" };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: "string", default: "500,2000" }, hold: { type: "string", default: "5" } } });
  const counts = values.calls.split(",").map(Number);
  const holdMs = Number(values.hold) * 1000;
  await build();
  const dataDir = await mkdtemp(join(tmpdir(), "ura-bench-mem-"));
  const [agiPort, apiPort] = [await freePort(), await freePort()];
  const token = randomBytes(24).toString("base64url");
  const service = startService(benchServiceEnv({ agiPort, apiPort, dataDir, apiTokens: `ivr:ivr:${token}`, ivrToken: token }));
  const steps: Step[] = [];
  try {
    await waitForPort(agiPort, 60_000, () => service.alive());
    await waitForPort(apiPort, 60_000, () => service.alive());
    // Warm up the paths a parked call takes (greeting, caller-id lookup), then let it settle.
    for (let i = 0; i < 20; i++) await placeCall({ port: agiPort, callerId: "39999", uniqueId: `mem.warm.${i}`, caller: new ParkedCaller(Promise.resolve()) });
    await sleep(holdMs);
    const idle = readProc(service.pid)!.rssKb / 1024;
    steps.push({ calls: 0, parked: 0, rssMb: idle, perCallKb: null });
    for (const n of counts) {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const callers = Array.from({ length: n }, () => new ParkedCaller(released));
      const calls = callers.map((caller, i) => placeCall({ port: agiPort, callerId: String(40000 + i), uniqueId: `mem.${n}.${i}`, caller, hangupAfterIdleMs: 120_000 }));
      const deadline = Date.now() + 60_000;
      while (callers.some((c) => !c.parked) && Date.now() < deadline) await sleep(100);
      await sleep(holdMs);
      const parked = callers.filter((c) => c.parked).length;
      const rssMb = readProc(service.pid)!.rssKb / 1024;
      steps.push({ calls: n, parked, rssMb, perCallKb: ((rssMb - idle) * 1024) / parked });
      release();
      await Promise.allSettled(calls);
      await sleep(holdMs);
    }
  } finally {
    await service.stop(5000);
    await rm(dataDir, { recursive: true, force: true });
  }
  process.stdout.write("calls parked at the greeting   RSS MB   per call\n");
  for (const s of steps) {
    process.stdout.write(`${String(s.calls).padStart(6)} (${String(s.parked).padStart(5)} parked)       ${s.rssMb.toFixed(1).padStart(7)}   ${s.perCallKb === null ? "" : `${s.perCallKb.toFixed(1)} kB`}\n`);
  }
}

await main();
