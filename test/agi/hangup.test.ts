import type { Server, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AgiChannel, AgiServer } from "../../src/agi/index.js";
import { HangupError } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall, type CallOptions } from "../support/asterisk-emulator.js";
import { ScriptedCaller } from "../support/callers.js";
import { backToBaseline, handleCounts, PromiseTracker, processListenerCount, RawAsterisk, settled, sleep } from "./helpers.js";
import { eventually } from "../support/eventually.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

interface Observed {
  tracker: PromiseTracker;
  signalAborted: boolean | null;
  scriptEnded: boolean;
}

/** Serves `script` (its AGI calls tracked), places one emulated call, returns both sides' view. */
async function hangupCall(script: (ch: AgiChannel, t: PromiseTracker) => Promise<void>, call: Omit<CallOptions, "port">) {
  const seen: Observed = { tracker: new PromiseTracker(), signalAborted: null, scriptEnded: false };
  const s = await startAgiServer({
    ura: async (ch) => {
      try {
        await script(ch, seen.tracker);
      } finally {
        seen.signalAborted = ch.signal.aborted;
        seen.scriptEnded = true;
      }
    },
  });
  stop = s.close;
  const result = await placeCall({ port: s.port, deadChannelTimeoutMs: 3000, ...call });
  return { result, seen, server: s.server, logs: s.logs };
}

/** Every later AGI call also rejects; the script swallows nothing else. */
async function talk(ch: AgiChannel, t: PromiseTracker) {
  await t.track(ch.answer());
  await t.track(ch.streamFile("greeting", { escape: "1" })).catch(() => undefined);
  await t.track(ch.getData("menu", { timeoutMs: 3000, maxDigits: 1 })).catch(() => undefined);
  await t.track(ch.setVariable("URA_RESULT", "ok")).catch(() => undefined);
}

async function expectCleanEnd(server: AgiServer, seen: Observed, result: Awaited<ReturnType<typeof placeCall>>) {
  expect(result.agiStatus).toBe("HANGUP");
  expect(result.closedBy).toBe("server");
  expect(result.closeAfterHangupMs).not.toBeNull();
  expect(result.closeAfterHangupMs!).toBeLessThan(1000);
  // The socket may close before the script returns (it is closed at the hang-up itself).
  await eventually(() => seen.scriptEnded);
  expect(seen.tracker.pending).toBe(0);
  expect(seen.tracker.rejections().length).toBeGreaterThan(0);
  expect(seen.tracker.rejections().every((e) => e instanceof HangupError)).toBe(true);
  expect(seen.signalAborted).toBe(true);
  expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
}

describe("hang-up", () => {
  it("while the server is thinking (unsolicited HANGUP): later commands reject, signal aborted, socket closed", async () => {
    const { result, seen, server } = await hangupCall(
      async (ch, t) => {
        await t.track(ch.answer());
        await sleep(300); // e.g. waiting on the ticket API
        await t.track(ch.streamFile("menu")).catch(() => undefined);
        await t.track(ch.setVariable("URA_RESULT", "ok")).catch(() => undefined);
      },
      { hangupAfterIdleMs: 50 },
    );
    await expectCleanEnd(server, seen, result);
    expect(result.commands.map((c) => c.name)).toEqual(["ANSWER"]);
  });

  it("while the server is thinking, the socket is closed at once even if the script ignores the signal", async () => {
    let closedBeforeScriptEnded: boolean | undefined;
    let callDone = false;
    const { result, seen, server } = await hangupCall(
      async (ch, t) => {
        await t.track(ch.answer());
        await sleep(600); // slow work that does not listen to ch.signal
        closedBeforeScriptEnded = callDone;
      },
      { hangupAfterIdleMs: 50 },
    ).then((r) => ((callDone = true), r));
    // placeCall resolves when the socket closes; the script's own end comes later.
    expect(result.closedBy).toBe("server");
    expect(result.closeAfterHangupMs!).toBeLessThan(400);
    await sleep(700);
    expect(closedBeforeScriptEnded).toBe(true);
    expect(seen.scriptEnded).toBe(true);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("during a command (`-1` then HANGUP): HangupError, not a missing file", async () => {
    const { result, seen, server } = await hangupCall(talk, { caller: new ScriptedCaller().on("greeting").hangup(300) });
    await expectCleanEnd(server, seen, result);
    expect(result.commands.map((c) => c.name)).toEqual(["ANSWER", "STREAM FILE"]);
    expect(result.commands[1]!.reply).toEqual(["200 result=-1 endpos=2400"]);
  });

  it("just before a command: HANGUP then 511 for the command sent after it", async () => {
    const { result, seen, server } = await hangupCall(talk, { hangupBeforeCommand: 1 });
    await expectCleanEnd(server, seen, result);
    expect(result.commands[1]!.reply).toEqual(["511 Command Not Permitted on a dead channel or intercept routine"]);
    expect(result.commands).toHaveLength(2);
  });

  it("AGIEXITONHANGUP=yes (HANGUP, HANGUP, EOF) ends the call the same way", async () => {
    const { result, seen, server } = await hangupCall(talk, { caller: new ScriptedCaller().on("menu").hangup(), exitOnHangup: true });
    expect(result.agiStatus).toBe("HANGUP");
    expect(seen.tracker.pending).toBe(0);
    expect(seen.signalAborted).toBe(true);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("the HANGUP command itself (`200 result=1` then HANGUP) resolves, and the call ends", async () => {
    const { result, seen, server } = await hangupCall(
      async (ch, t) => {
        await t.track(ch.answer());
        await t.track(ch.hangup());
        await t.track(ch.verbose("after")).catch(() => undefined);
      },
      {},
    );
    expect(result.commands.map((c) => c.name)).toEqual(["ANSWER", "HANGUP"]);
    expect(seen.tracker.rejections().map((e) => (e as Error).constructor)).toEqual([HangupError]);
    expect(seen.signalAborted).toBe(true);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("Asterisk closing the socket mid-command rejects the command with HangupError", async () => {
    const tracker = new PromiseTracker();
    let aborted: boolean | undefined;
    const s = await startAgiServer({
      ura: async (ch) => {
        await tracker.track(ch.streamFile("greeting")).catch(() => undefined);
        await tracker.track(ch.streamFile("menu")).catch(() => undefined);
        aborted = ch.signal.aborted;
      },
    });
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    expect(await raw.nextLine()).toBe('STREAM FILE "greeting" ""');
    raw.socket.end();
    await raw.waitClosed();
    expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
    expect(tracker.pending).toBe(0);
    expect(tracker.rejections().map((e) => (e as Error).constructor)).toEqual([HangupError, HangupError]);
    expect(aborted).toBe(true);
  });

  it("many calls hanging up in every way leak no listeners and no timers", async () => {
    const s = await startAgiServer({
      ura: async (ch) => {
        await ch.answer().catch(() => undefined);
        await ch.streamFile("greeting", { escape: "1" }).catch(() => undefined);
        await sleep(5);
        await ch.getData("menu", { timeoutMs: 3000, maxDigits: 1 }).catch(() => undefined);
        await ch.setVariable("URA_RESULT", "ok").catch(() => undefined);
      },
    });
    stop = s.close;
    const serverSockets: Socket[] = [];
    (s.server["server"] as Server).on("connection", (sock: Socket) => serverSockets.push(sock));
    const variants: (() => Omit<CallOptions, "port">)[] = [
      () => ({ caller: new ScriptedCaller().on("greeting").hangup(100) }),
      () => ({ hangupBeforeCommand: 2 }),
      () => ({ caller: new ScriptedCaller().on("greeting").hangupAfter() }),
      () => ({ caller: new ScriptedCaller().on("menu").hangup(), exitOnHangup: true }),
      () => ({ hangupAfterIdleMs: 2 }),
      () => ({}),
    ];
    // Warm up once so lazily created process-wide things (loggers, DNS…) are counted in the baseline.
    await placeCall({ port: s.port });
    await settled(s.server);
    const listenersBefore = processListenerCount();
    const handlesBefore = handleCounts();
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        variants.map((v) => placeCall({ port: s.port, deadChannelTimeoutMs: 3000, ...v() })),
      );
      expect(results.map((r) => r.closedBy)).toEqual(variants.map(() => "server"));
    }
    expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
    expect(processListenerCount()).toBe(listenersBefore);
    const after = await backToBaseline(handlesBefore);
    expect(after.timers).toBeLessThanOrEqual(handlesBefore.timers);
    expect(after.sockets).toBeLessThanOrEqual(handlesBefore.sockets);
    // Every server-side socket is closed and carries no more listeners than it started with.
    expect(serverSockets.length).toBe(1 + variants.length * 10);
    expect(serverSockets.every((sock) => sock.destroyed)).toBe(true);
  });

  it("a long call's socket listener count does not grow with the number of commands", async () => {
    const counts: number[] = [];
    let serverSocket: Socket | undefined;
    const s = await startAgiServer({
      ura: async (ch) => {
        const count = () =>
          (["data", "error", "close", "end", "drain", "timeout"] as const).reduce((n, e) => n + serverSocket!.listenerCount(e), 0);
        for (let i = 0; i < 300; i++) {
          await ch.getVariable(`V${i}`);
          if (i === 0 || i === 299) counts.push(count());
        }
      },
    });
    stop = s.close;
    (s.server["server"] as Server).on("connection", (sock: Socket) => (serverSocket = sock));
    const result = await placeCall({ port: s.port });
    expect(result.commands).toHaveLength(300);
    expect(counts[1]).toBe(counts[0]);
  });
});
