import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseOptions, runBench } from "../../bench/run.js";
import { formatReport } from "../../bench/report.js";

/**
 * The benchmark harness end to end, small: the real service as a child process, 2 callers for 2 s,
 * the floor for 1 s. Proves the harness works (numbers are not asserted: CI machines vary).
 */
describe("bench options", () => {
  it("warms up 20 s by default, takes --warmup 0 for none, and names --warmup when it is not seconds", () => {
    expect(parseOptions([]).warmupS).toBe(20);
    expect(parseOptions(["--warmup", "0"]).warmupS).toBe(0);
    expect(() => parseOptions(["--warmup", "soon"])).toThrow(/--warmup/);
    expect(() => parseOptions(["--warmup", "-1"])).toThrow(/--warmup/);
    expect(parseOptions([]).pairs).toBe(0);
    expect(parseOptions(["--pairs", "6"]).pairs).toBe(6);
    expect(() => parseOptions(["--pairs", "two"])).toThrow(/--pairs/);
  });
});

describe("bench harness", () => {
  it("drives the service and the floor, and reports think times, CPU, memory and tickets", async () => {
    const report = await runBench({ calls: 2, durationS: 1.5, floorDurationS: 1, warmupS: 1, db: "sqlite", json: null, profile: null, logLevel: "warn", verbose: false });
    expect(report.errors).toEqual([]);
    expect(report.service.completed).toBeGreaterThan(0);
    expect(report.service.errors).toBe(0);
    expect(report.service.think.n).toBeGreaterThan(0);
    expect(report.service.coarseSamples).toBe(0);
    expect(Number.isFinite(report.service.think.p50)).toBe(true);
    expect(report.service.proc.samples).toBeGreaterThan(1);
    expect(report.service.proc.rssMaxMb).toBeGreaterThan(10);
    expect(report.floor!.completed).toBeGreaterThan(0);
    expect(report.floor!.commandsPerCall.p50).toBe(report.service.commandsPerCall.p50);
    expect(report.tickets.completedWithoutTicket).toBe(0);
    expect(report.tickets.duplicateCallIds).toBe(0);
    // The warm-up load's calls are checked too: each opened its one ticket.
    expect(report.warmUp!.service.completed).toBeGreaterThan(0);
    expect(report.warmUp!.floor!.completed).toBeGreaterThan(0);
    expect(report.tickets.completedWithTicket).toBe(report.service.completed + report.warmUp!.service.completed);
    expect(report.cpuPerCall.serviceMs).toBeGreaterThan(0);
    expect(report.cpuPerCall.ratio).toBeCloseTo(report.cpuPerCall.serviceMs / report.cpuPerCall.floorMs!, 1);
    const [atQuestion, bargeIn] = report.happyPath;
    expect(atQuestion!.keys).toBeGreaterThan(0);
    expect(bargeIn!.perceivedMs).toBeLessThan(atQuestion!.perceivedMs);
    // Issue 13's paths from the caller's own extension: no code, no one-time code, no "Você é …?": the caller hears their name.
    const ownTicket = report.happyPath.find((h) => h.caller === "own-extension")!;
    const ownStatus = report.happyPath.find((h) => h.caller === "own-extension-status")!;
    expect(ownTicket.heard).toContain("hello-name");
    expect(ownTicket.heard).toContain("ticket-opened");
    expect(ownStatus.heard).toContain("ask-ticket-number");
    for (const h of [ownTicket, ownStatus]) expect(h.heard.filter((p) => ["ask-user-code", "ask-otp", "confirm-name", "confirm-caller"].includes(p))).toEqual([]);
    expect(ownStatus.heard).toContain("hello-name");
    expect(ownTicket.perceivedMs).toBeLessThan(atQuestion!.perceivedMs);
    expect(formatReport(report)).toContain("ratio to the floor");
    expect(formatReport(report)).toMatch(/service CPU \/ call .* measured after a 1 s warm-up load/);
    expect(formatReport(report)).toContain("warm-up CPU / call");
  }, 60_000);

  it("--pairs alternates 5 s windows of the service and the floor, reports each pair, and checks the pairs' tickets too", async () => {
    const report = await runBench({ calls: 2, durationS: 1, floorDurationS: 1, warmupS: 0, pairs: 2, db: "sqlite", json: null, profile: null, logLevel: "warn", verbose: false });
    expect(report.errors).toEqual([]);
    expect(report.cpuPerCall.pairs).toHaveLength(2);
    for (const pair of report.cpuPerCall.pairs) {
      expect(pair.serviceMs).toBeGreaterThan(0);
      expect(pair.floorMs).toBeGreaterThan(0);
    }
    // Each pair's 5 s of service load opened tickets, checked one per completed call with the rest.
    expect(report.tickets.completedWithTicket).toBeGreaterThan(report.service.completed);
    expect(report.tickets.completedWithoutTicket).toBe(0);
    expect(report.floor!.completed).toBeGreaterThan(0);
    expect(formatReport(report)).toMatch(/paired windows .*× the floor's, the median \(nearest rank\) of 2 pairs/);
  }, 90_000);

  it("--happy-path --json writes the happy paths' report where it is told, as a full run writes its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-bench-happy-"));
    try {
      const file = join(dir, "happy.json");
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/run.ts", "--happy-path", "--json", file, "--quiet"], {
        cwd: join(import.meta.dirname, "../.."),
        maxBuffer: 16 << 20,
      });
      expect(stdout).toContain(`JSON: ${file}`);
      const report = JSON.parse(readFileSync(file, "utf8"));
      expect(report).toMatchObject({ version: 1, options: { happyPathOnly: true, json: file }, errors: [] });
      expect(report.happyPath.map((h: { caller: string }) => h.caller)).toEqual(["answers-at-the-question", "barges-in", "own-extension", "own-extension-status"]);
      expect(report.happyPath[0].perceivedMs).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
