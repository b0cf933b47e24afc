import { describe, expect, it } from "vitest";
import { callOutcome, deadAirAfterKeys, DEFAULT_PERSONA, formatPacedReport, runPaced } from "../../bench/paced.js";

const cmd = (name: string, args: string[], reply: string, thinkMs: number) => ({ line: `${name} ${args.join(" ")}`, name, args, reply: [reply], at: 0, thinkMs, mediaMs: 0 });

describe("paced bench", () => {
  it("counts dead air from the reply that carried a key to the next prompt", () => {
    const air = deadAirAfterKeys([
      cmd("STREAM FILE", ["ura/main-menu", "123"], "200 result=0 endpos=8000", 1),
      cmd("GET DATA", ["ura/ask-user-code", "5000", "12"], "200 result=1234", 2),
      cmd("SET VARIABLE", ["URA_STEP", "otp"], "200 result=1", 3),
      cmd("STREAM FILE", ["ura/otp-sent", ""], "200 result=0 endpos=100", 5),
      cmd("STREAM FILE", ["ura/menu", "12"], "200 result=50 endpos=100", 1),
      cmd("GET DATA", ["ura/menu-footer", "5000", "1"], "200 result= (timeout)", 7),
    ]);
    // The key typed into GET DATA (3 + 5 ms until the next prompt), then the barge-in "2" (7 ms).
    expect(air.map((a) => a.ms)).toEqual([8, 7]);
    expect(air[0]!.step).toBe("STREAM FILE otp-sent");
  });

  it("counts a caller who heard the system was unavailable and then got a ticket apart from the plain successes", () => {
    const call = (heard: string[], result: string, hungUp = false) => ({ heard, variables: { URA_RESULT: result }, hungUp, commands: [] });
    expect(callOutcome(call(["greeting", "main-menu", "protocol-is"], "ticket"), false)).toEqual({ kind: "ticket", heardUnavailable: false });
    expect(callOutcome(call(["greeting", "system-unavailable", "ticket-wait", "protocol-is"], "ticket"), false)).toEqual({ kind: "ticket", heardUnavailable: true });
    expect(callOutcome(call(["greeting", "system-unavailable", "goodbye"], "error"), false)).toEqual({ kind: "error", reason: "URA_RESULT=error" });
    expect(callOutcome(call(["greeting"], "", true), true)).toEqual({ kind: "cut" });
  });

  it("holds a few human-paced calls on the real service, one ticket per completed call", async () => {
    // Media 50× faster than real time, so a minute-long call takes about a second.
    const report = await runPaced({ calls: 3, durationS: 6, db: "sqlite", split: false, timeScale: 0.02, persona: DEFAULT_PERSONA, seed: 7, json: null, verbose: false });
    expect(report.errors).toEqual([]);
    expect(report.calls.completed).toBeGreaterThan(0);
    expect(report.tickets.completedWithTicket).toBe(report.calls.completed);
    expect(report.tickets.duplicateCallIds).toBe(0);
    expect(report.deadAir.n).toBeGreaterThan(report.calls.completed);
    expect(report.concurrent.mean).toBeGreaterThan(0);
    expect(report.service.rssMeanMb).toBeGreaterThan(10);
    expect(formatPacedReport(report)).toContain("dead air after a key");
    expect(formatPacedReport(report)).toContain(`heard unavailable then recovered  ${report.calls.heardUnavailableThenRecovered} of the completed calls`);
  }, 120_000);
});
