import { afterEach, describe, expect, it } from "vitest";
import { AgiTimeoutError, HangupError } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall } from "../support/asterisk-emulator.js";
import { PromiseTracker, RawAsterisk, settled } from "./helpers.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe("a command that never gets a reply", () => {
  it("rejects with AgiTimeoutError within the configured timeout, ends the call, closes the socket; other calls unaffected", async () => {
    const tracker = new PromiseTracker();
    let aborted: boolean | undefined;
    const s = await startAgiServer(
      {
        ura: async (ch) => {
          await tracker.track(ch.answer());
          await tracker.track(ch.streamFile("menu")).catch(() => undefined);
          await tracker.track(ch.setVariable("URA_RESULT", "late")).catch(() => undefined);
          aborted = ch.signal.aborted;
        },
        good: async (ch) => {
          await ch.answer();
          await ch.streamFile("greeting");
          await ch.setVariable("URA_RESULT", "ok");
        },
      },
      { commandTimeoutMs: 300 },
    );
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    expect(await raw.nextLine()).toBe("ANSWER");
    raw.send("200 result=0\n");
    const sentAt = Date.now();
    expect(await raw.nextLine()).toBe('STREAM FILE "menu" ""');
    // Asterisk "hangs": no reply. Meanwhile, well-behaved calls go on.
    const others = await Promise.all(Array.from({ length: 5 }, () => placeCall({ port: s.port, script: "good" })));
    await raw.waitClosed(2000);
    expect(raw.closedAt! - sentAt).toBeLessThan(2000);
    expect(raw.lines).toEqual([]); // nothing else was sent on the stuck call
    expect(tracker.pending).toBe(0);
    const [timeout, later] = tracker.rejections() as Error[];
    expect(timeout).toBeInstanceOf(AgiTimeoutError);
    expect((timeout as AgiTimeoutError).timeoutMs).toBe(300);
    expect(later).toBeInstanceOf(AgiTimeoutError);
    expect(aborted).toBe(true);
    expect(others.map((c) => c.variables.URA_RESULT)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(s.logs.some((l) => l.msg === "AGI command timed out, ending call")).toBe(true);
    expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("a late reply after the timeout is never read as the answer to another command", async () => {
    const got: unknown[] = [];
    const s = await startAgiServer(
      {
        ura: async (ch) => {
          await ch.getVariable("A").then(
            (v) => got.push(v),
            (e: Error) => got.push(e.name),
          );
          await ch.getVariable("B").then(
            (v) => got.push(v),
            (e: Error) => got.push(e.name),
          );
        },
      },
      { commandTimeoutMs: 150 },
    );
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    await raw.nextLine();
    await new Promise((r) => setTimeout(r, 250));
    raw.send("200 result=1 (late A)\n");
    await raw.waitClosed();
    expect(got).toEqual(["AgiTimeoutError", "AgiTimeoutError"]);
  });

  it("each command gets its whole timeout: replies that each come within it never time out, however long the commands take together", async () => {
    let result: string | null = null;
    const s = await startAgiServer(
      {
        ura: async (ch) => {
          for (const name of ["A", "B", "C", "D"]) await ch.getVariable(name);
          // Idle longer than the timeout between commands: the next command still gets its own.
          await new Promise((r) => setTimeout(r, 450));
          result = await ch.getVariable("E");
        },
      },
      { commandTimeoutMs: 300 },
    );
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    for (const name of ["A", "B", "C", "D", "E"]) {
      expect(await raw.nextLine()).toBe(`GET VARIABLE ${name}`);
      await new Promise((r) => setTimeout(r, 200));
      raw.send(`200 result=1 (${name})\n`);
    }
    await raw.waitClosed();
    expect(result).toBe("E");
    expect(s.logs.some((l) => l.msg === "AGI command timed out, ending call")).toBe(false);
  });

  it("a command after a RECORD FILE (whose timeout is its longest length + 30 s) times out at the command timeout", async () => {
    const tracker = new PromiseTracker();
    const s = await startAgiServer(
      {
        ura: async (ch) => {
          await tracker.track(ch.recordFile("/tmp/voice", { format: "wav", maxMs: 1000 }));
          await tracker.track(ch.streamFile("menu")).catch(() => undefined);
        },
      },
      { commandTimeoutMs: 300 },
    );
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    expect(await raw.nextLine()).toMatch(/^RECORD FILE /);
    raw.send("200 result=35 (dtmf) endpos=8000\n");
    expect(await raw.nextLine()).toBe('STREAM FILE "menu" ""');
    const sentAt = Date.now();
    await raw.waitClosed(5000);
    expect(raw.closedAt! - sentAt).toBeLessThan(1500);
    const [timeout] = tracker.rejections() as Error[];
    expect(timeout).toBeInstanceOf(AgiTimeoutError);
    expect((timeout as AgiTimeoutError).timeoutMs).toBe(300);
  });

  it("the call time limit ends a call that goes on too long, and closes the socket", async () => {
    const tracker = new PromiseTracker();
    const s = await startAgiServer({
      ura: async (ch) => {
        for (let i = 0; i < 1000 && !ch.signal.aborted; i++) {
          await tracker.track(ch.waitForDigit(100)).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
    });
    // maxCallSeconds has a 1 s floor in practice; reach into the server's options for a short one.
    (s.server["options"] as { maxCallSeconds: number }).maxCallSeconds = 0.3;
    stop = s.close;
    const call = await placeCall({ port: s.port });
    expect(call.closedBy).toBe("server");
    expect(call.commands.length).toBeGreaterThan(3);
    expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
    expect(tracker.pending).toBe(0);
    expect(s.logs.some((l) => l.msg === "call exceeded its time limit, ending it")).toBe(true);
    expect(tracker.rejections().every((e) => e instanceof HangupError)).toBe(true);
  });
});

describe("ECONNRESET from the peer", () => {
  it("does not crash the server; the call ends with HangupError and other calls are served", async () => {
    const tracker = new PromiseTracker();
    const errors: unknown[] = [];
    const onUncaught = (e: unknown) => errors.push(e);
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
    try {
      const s = await startAgiServer({
        ura: async (ch) => {
          await tracker.track(ch.streamFile("greeting")).catch(() => undefined);
          await tracker.track(ch.streamFile("menu")).catch(() => undefined);
        },
        good: async (ch) => ch.setVariable("URA_RESULT", "ok"),
      });
      stop = s.close;
      const raws = await Promise.all(Array.from({ length: 10 }, () => RawAsterisk.call(s.port)));
      await Promise.all(raws.map((r) => r.nextLine()));
      for (const r of raws) r.socket.resetAndDestroy();
      const other = await placeCall({ port: s.port, script: "good" });
      expect(other.variables.URA_RESULT).toBe("ok");
      expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
      expect(tracker.pending).toBe(0);
      expect(tracker.rejections()).toHaveLength(20);
      expect(tracker.rejections().every((e) => e instanceof HangupError)).toBe(true);
      // Reset also while the server is still reading the agi_* block.
      const early = await RawAsterisk.connect(s.port);
      early.send("agi_network: yes\nagi_request: agi://x/ura\n");
      await new Promise((r) => setTimeout(r, 20));
      early.socket.resetAndDestroy();
      expect((await placeCall({ port: s.port, script: "good" })).variables.URA_RESULT).toBe("ok");
      expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
    } finally {
      process.off("uncaughtException", onUncaught);
      process.off("unhandledRejection", onUncaught);
    }
    expect(errors).toEqual([]);
  });
});
