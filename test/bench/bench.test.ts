import { describe, expect, it } from "vitest";
import { runBench } from "../../bench/run.js";
import { formatReport } from "../../bench/report.js";

/**
 * The benchmark harness end to end, small: the real service as a child process, 2 callers for 2 s,
 * the floor for 1 s. Proves the harness works (numbers are not asserted: CI machines vary).
 */
describe("bench harness", () => {
  it("drives the service and the floor, and reports think times, CPU, memory and tickets", async () => {
    const report = await runBench({ calls: 2, durationS: 1.5, floorDurationS: 1, db: "sqlite", json: null, profile: null, logLevel: "warn", verbose: false });
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
    expect(report.tickets.completedWithTicket).toBe(report.service.completed);
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
  }, 60_000);
});
