import { afterEach, describe, expect, it } from "vitest";
import { HangupError } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall, type CallOptions } from "../support/asterisk-emulator.js";
import { ScriptedCaller } from "../support/callers.js";
import { backToBaseline, handleCounts, int, pick, prng, processListenerCount, PromiseTracker, settled } from "./helpers.js";
import { eventually } from "../support/eventually.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

const SEED = 4573;
const CALLS = 200;
const PROMPTS = ["greeting", "menu", "ask-code", "goodbye"];

describe("200 concurrent calls with interleaved hang-ups", () => {
  it("all finish, none left pending, no call or socket or handle left behind", async () => {
    const tracker = new PromiseTracker();
    const unexpected: unknown[] = [];
    let scriptsEnded = 0;
    const s = await startAgiServer({
      ura: async (ch) => {
        try {
          await tracker.track(ch.answer());
          await tracker.track(ch.streamFile("greeting", { escape: "" }));
          const choice = await tracker.track(ch.getData("menu", { timeoutMs: 3000, maxDigits: 1 }));
          await new Promise((r) => setTimeout(r, 1 + (Number(choice.digits) || 0)));
          const code = await tracker.track(ch.getData("ask-code", { timeoutMs: 3000, maxDigits: 4 }));
          await tracker.track(ch.sayDigits(code.digits || "0"));
          await tracker.track(ch.streamFile("goodbye", { escape: "" }));
          await tracker.track(ch.setVariable("URA_RESULT", `ok-${ch.request.uniqueId}`));
        } catch (err) {
          if (!(err instanceof HangupError)) unexpected.push(err);
        } finally {
          scriptsEnded++;
        }
      },
    });
    stop = s.close;
    await placeCall({ port: s.port }); // warm-up: lazily created things count in the baseline
    const baseline = handleCounts();
    const listeners = processListenerCount();

    const rand = prng(SEED);
    const plans = Array.from({ length: CALLS }, (_, i) => {
      const caller = new ScriptedCaller().on("menu").press(String(int(rand, 1, 9))).on("ask-code").press("1234#");
      const options: Omit<CallOptions, "port"> = { uniqueId: `1700000000.${i}`, callerId: `55119${String(i).padStart(8, "0")}` };
      const hangs = i % 3 === 2;
      if (hangs) {
        if (rand() < 0.5) options.hangupBeforeCommand = int(rand, 0, 7);
        else {
          const where = pick(rand, PROMPTS);
          const how = rand() < 0.5 ? "hangup" : "hangupAfter";
          const c = new ScriptedCaller().on(where)[how](int(rand, 0, 500));
          if (where !== "menu") c.on("menu").press("1");
          if (where !== "ask-code") c.on("ask-code").press("1234#");
          options.caller = c;
        }
      } else options.caller = caller;
      return { i, hangs, options };
    });

    const results = await Promise.all(plans.map((p) => placeCall({ port: s.port, deadChannelTimeoutMs: 5000, ...p.options })));

    expect(results.every((r) => r.closedBy === "server")).toBe(true);
    for (const [n, p] of plans.entries()) {
      const r = results[n]!;
      if (!p.hangs) {
        expect(r.agiStatus).toBe("SUCCESS");
        expect(r.variables.URA_RESULT).toBe(`ok-1700000000.${p.i}`);
      } else if (r.hungUp) {
        expect(r.agiStatus).toBe("HANGUP");
        expect(r.closeAfterHangupMs!).toBeLessThan(2000);
      }
    }
    // Most hanging calls really did hang up (a hang-up planned after the last command may not).
    expect(results.filter((r) => r.hungUp).length).toBeGreaterThan(CALLS / 3 - 15);
    expect(unexpected).toEqual([]);
    expect(scriptsEnded).toBe(CALLS + 1);
    expect(tracker.pending).toBe(0);
    expect(tracker.rejections().every((e) => e instanceof HangupError)).toBe(true);
    expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
    const after = await backToBaseline(baseline);
    expect(after.timers).toBeLessThanOrEqual(baseline.timers);
    expect(after.sockets).toBeLessThanOrEqual(baseline.sockets);
    expect(processListenerCount()).toBe(listeners);
  });
});

describe("AGI_MAX_CALLS: a bound on calls served at once", () => {
  it("runs at most N scripts at once, serves the rest in arrival order, and frees a waiting caller who hangs up", async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    let release: () => void = () => undefined;
    let gate = new Promise<void>((r) => (release = r));
    const s = await startAgiServer(
      {
        ura: async (ch) => {
          running++;
          peak = Math.max(peak, running);
          order.push(ch.request.uniqueId);
          try {
            await ch.answer();
            await gate;
            await ch.setVariable("URA_RESULT", "done");
          } finally {
            running--;
          }
        },
      },
      { maxCalls: 2 },
    );
    stop = s.close;
    const call = (id: string, extra: Partial<CallOptions> = {}) => placeCall({ port: s.port, uniqueId: id, ...extra });
    const first = [call("1"), call("2")];
    await until(() => running === 2);
    const third = call("3");
    await until(() => s.server.waitingCalls === 1);
    // A caller who gives up while waiting: never reaches the script, and takes no slot with it.
    const quitter = call("4", { hangupAfterIdleMs: 200 });
    await until(() => s.server.waitingCalls === 2);
    const quitterResult = await quitter;
    expect(quitterResult.variables.URA_RESULT).toBeUndefined();
    expect(s.server.waitingCalls).toBe(1);
    const fifth = call("5");
    await until(() => s.server.waitingCalls === 2);

    release();
    gate = Promise.resolve();
    const results = await Promise.all([...first, third, fifth]);
    expect(results.map((r) => r.variables.URA_RESULT)).toEqual(["done", "done", "done", "done"]);
    expect(peak).toBe(2);
    expect(order).toEqual(["1", "2", "3", "5"]);
    expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
    // The slots were all returned: two more calls run at once again.
    const again = await Promise.all([call("6"), call("7")]);
    expect(again.map((r) => r.variables.URA_RESULT)).toEqual(["done", "done"]);
  });
});

async function until(check: () => boolean): Promise<void> {
  await eventually(check, 3000);
}
