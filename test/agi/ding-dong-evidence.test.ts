/**
 * Evidence for docs/decisions.md ("FastAGI: our own transport…"): each of the nine defects of
 * ding-dong 0.1.7 listed in agi-facts §3, reproduced against the real, installed package with the
 * same bytes Asterisk would send, next to the same scenario against our transport. "Never settles"
 * is shown as "still pending after 300 ms" (the library has no timer that could ever settle it).
 */
import { spawn } from "node:child_process";
import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import type { Server, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AgiArgumentError, AgiCommandError, AgiTimeoutError, HangupError, type AgiChannel, type AgiRequest } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall } from "../support/asterisk-emulator.js";
import { PromiseTracker, RawAsterisk, sleep } from "./helpers.js";
import { freePort } from "../support/processes.js";

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NEVER_MS = 300;

interface DdReply {
  code: number;
  result: string;
  value?: string;
}
/** The part of ding-dong's Context (lib/context.js) these tests use. */
interface DdContext extends EventEmitter {
  variables: Record<string, string>;
  onEvent(event: string): Promise<unknown>;
  streamFile(file: string, escape?: string): Promise<DdReply>;
  setVariable(name: string, value: string): Promise<DdReply>;
  getVariable(name: string): Promise<DdReply>;
  exec(...args: string[]): Promise<DdReply>;
  waitForDigit(timeout?: number): Promise<DdReply>;
}
type DingDong = (handler: (ctx: DdContext) => void) => { start(port: number, host?: string): Server };
const dingDong = require("ding-dong") as DingDong;
const DING_DONG_VERSION = (require("ding-dong/package.json") as { version: string }).version;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts ding-dong's own server (lib/index.js) on a free port; every context gets an 'error' listener so the test process survives. */
async function startDingDong(handler: (ctx: DdContext, socket: () => Socket) => void) {
  const port = await freePort();
  const sockets: Socket[] = [];
  const server = dingDong((ctx) => {
    ctx.on("error", () => undefined);
    const index = sockets.length; // the 'connection' listener below runs right after this handler
    handler(ctx, () => sockets[index]!);
  }).start(port, "127.0.0.1");
  server.on("connection", (s: Socket) => sockets.push(s));
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return port;
}

async function startOurs(script: (ch: AgiChannel) => Promise<void>, options: { commandTimeoutMs?: number } = {}) {
  const s = await startAgiServer({ ura: script, ivr: script }, options);
  cleanups.push(s.close);
  return s;
}

/** Settles `p` or reports it still pending after `ms`. */
async function stateAfter<T>(p: Promise<T>, ms = NEVER_MS): Promise<"pending" | { resolved: T } | { rejected: unknown }> {
  return Promise.race([
    p.then(
      (v) => ({ resolved: v }),
      (e: unknown) => ({ rejected: e }),
    ),
    sleep(ms).then(() => "pending" as const),
  ]);
}

const COLON_ENV = (port: number) => ({
  agi_network_script: "ivr?x=a:b",
  agi_request: `agi://127.0.0.1:${port}/ivr?x=a:b`,
  agi_arg_1: "http://h:8080/",
});

describe(`ding-dong ${DING_DONG_VERSION} vs our transport (agi-facts §3)`, () => {
  it("is the version the evidence is about", () => {
    expect(DING_DONG_VERSION).toBe("0.1.7");
  });

  it("1. values containing ':' — ding-dong truncates them (line.split(':')); ours keeps them whole", async () => {
    let vars: Record<string, string> | undefined;
    const ddPort = await startDingDong((ctx) => void ctx.onEvent("variables").then((v) => (vars = v as Record<string, string>)));
    const dd = await RawAsterisk.call(ddPort, COLON_ENV(ddPort));
    await sleep(100);
    expect(vars?.agi_request).toBe("agi");
    expect(vars?.agi_network_script).toBe("ivr?x=a");
    expect(vars?.agi_arg_1).toBe("http");
    expect(Object.keys(vars ?? {})).toContain(""); // the block's empty line stored as a '' key
    dd.destroy();

    let req: AgiRequest | undefined;
    const ours = await startOurs(async (ch) => void (req = ch.request));
    const raw = await RawAsterisk.call(ours.port, COLON_ENV(ours.port));
    await raw.waitClosed();
    expect(req?.variables.request).toBe(`agi://127.0.0.1:${ours.port}/ivr?x=a:b`);
    expect(req?.variables.network_script).toBe("ivr?x=a:b");
    expect(req?.params).toEqual({ x: "a:b" });
    expect(req?.args).toEqual(["http://h:8080/"]);
  });

  it("2. HANGUP then 511 — ding-dong leaves the promise pending forever and never closes; ours rejects and closes", async () => {
    let pending: Promise<DdReply> | undefined;
    let hangups = 0;
    const ddPort = await startDingDong((ctx) => {
      ctx.on("hangup", () => hangups++);
      void ctx.onEvent("variables").then(() => (pending = ctx.streamFile("menu")));
    });
    const dd = await RawAsterisk.call(ddPort);
    expect(await dd.nextLine()).toBe('STREAM FILE "menu" "#"');
    dd.send("HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n");
    expect(await stateAfter(pending!)).toBe("pending");
    expect(hangups).toBe(2);
    expect(dd.closed).toBe(false); // Asterisk would hold the dead channel indefinitely

    const tracker = new PromiseTracker();
    const ours = await startOurs(async (ch) => void (await tracker.track(ch.streamFile("menu")).catch(() => undefined)));
    const raw = await RawAsterisk.call(ours.port);
    await raw.nextLine();
    raw.send("HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n");
    await raw.waitClosed();
    expect(tracker.pending).toBe(0);
    expect(tracker.rejections()[0]).toBeInstanceOf(HangupError);
  });

  it("3. 510 and multi-line 520 — ding-dong: false 'hangup' per line, hung promise; ours: AgiCommandError, no desync", async () => {
    const USAGE = "520-Invalid command syntax.  Proper usage follows:\n Usage: WAIT FOR DIGIT <timeout>\n520 End of proper usage.\n";
    const pendings: Promise<DdReply>[] = [];
    let hangups = 0;
    const ddPort = await startDingDong((ctx) => {
      ctx.on("hangup", () => hangups++);
      void ctx.onEvent("variables").then(() => pendings.push(ctx.waitForDigit()));
    });
    const dd = await RawAsterisk.call(ddPort);
    expect(await dd.nextLine()).toBe("WAIT FOR DIGIT "); // no timeout argument: Asterisk answers 520
    dd.send(USAGE);
    expect(await stateAfter(pendings[0]!)).toBe("pending");
    expect(hangups).toBe(3);

    const ddPort2 = await startDingDong((ctx) => {
      ctx.on("hangup", () => hangups++);
      void ctx.onEvent("variables").then(() => pendings.push(ctx.exec("NoSuchCommand")));
    });
    const dd2 = await RawAsterisk.call(ddPort2);
    await dd2.nextLine();
    dd2.send("510 Invalid or unknown command\n");
    expect(await stateAfter(pendings[1]!)).toBe("pending");
    expect(hangups).toBe(4);

    const got: unknown[] = [];
    const ours = await startOurs(async (ch) => {
      await ch.waitForDigit(1000).catch((e: unknown) => got.push(e));
      await ch.verbose("x").catch((e: unknown) => got.push(e));
      got.push(await ch.getVariable("A"));
      got.push(ch.hungUp);
    });
    const raw = await RawAsterisk.call(ours.port);
    expect(await raw.nextLine()).toBe("WAIT FOR DIGIT 1000");
    raw.send(USAGE);
    await raw.nextLine();
    raw.send("510 Invalid or unknown command\n");
    await raw.nextLine();
    raw.send("200 result=1 (its own reply)\n");
    await raw.waitClosed();
    expect(got.slice(0, 2).map((e) => (e as AgiCommandError).code)).toEqual([520, 510]);
    expect(got.slice(2)).toEqual(["its own reply", false]);
  });

  it("4. one pending slot — ding-dong gives the first reply to the second command and drops the first; ours never pipelines", async () => {
    const ps: Promise<DdReply>[] = [];
    const ddPort = await startDingDong((ctx) => {
      void ctx.onEvent("variables").then(() => ps.push(ctx.streamFile("one"), ctx.streamFile("two")));
    });
    const dd = await RawAsterisk.call(ddPort);
    expect([await dd.nextLine(), await dd.nextLine()]).toEqual(['STREAM FILE "one" "#"', 'STREAM FILE "two" "#"']); // pipelined
    dd.send("200 result=0 endpos=100\n");
    const [first, second] = await Promise.all(ps.map((p) => stateAfter(p)));
    expect(first).toBe("pending");
    expect(second).toEqual({ resolved: { code: 200, result: "0 endpos=100" } }); // defect 10 too: endpos left in result

    const results: unknown[] = [];
    const ours = await startOurs(async (ch) => void results.push(...(await Promise.all([ch.streamFile("one"), ch.streamFile("two")]))));
    const raw = await RawAsterisk.call(ours.port);
    expect(await raw.nextLine()).toBe('STREAM FILE "one" ""');
    await sleep(50);
    expect(raw.lines).toEqual([]); // the second waits for the first's reply
    raw.send("200 result=0 endpos=100\n");
    expect(await raw.nextLine()).toBe('STREAM FILE "two" ""');
    raw.send("200 result=0 endpos=200\n");
    await raw.waitClosed();
    expect(results).toEqual([
      { key: null, endpos: 100 },
      { key: null, endpos: 200 },
    ]);
  });

  it("5. onEvent leaks a listener per call and misses past events; ours holds a constant listener count", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    cleanups.push(() => void process.off("warning", onWarning));
    let ctxRef: DdContext | undefined;
    const late: Promise<unknown>[] = [];
    const ddPort = await startDingDong((ctx) => {
      ctxRef = ctx;
      void ctx.onEvent("variables").then(() => {
        for (let i = 0; i < 12; i++) void ctx.onEvent("response");
        late.push(ctx.onEvent("variables")); // already fired: never resolves
        void ctx.getVariable("A");
      });
    });
    const dd = await RawAsterisk.call(ddPort);
    await dd.nextLine();
    const before = ctxRef!.listenerCount("response");
    dd.send("200 result=1 (a)\n");
    await sleep(50);
    expect(before).toBe(12);
    expect(ctxRef!.listenerCount("response")).toBe(12); // resolved, but never removed
    expect(ctxRef!.listenerCount("variables")).toBe(2);
    expect(await stateAfter(late[0]!)).toBe("pending");
    expect(warnings).toContain("MaxListenersExceededWarning");

    const counts: number[] = [];
    let serverSocket: Socket | undefined;
    const ours = await startOurs(async (ch) => {
      const count = () => serverSocket!.eventNames().reduce((n, e) => n + serverSocket!.listenerCount(e), 0);
      for (let i = 0; i < 50; i++) {
        await ch.getVariable("A");
        if (i === 0 || i === 49) counts.push(count());
      }
    });
    (ours.server["server"] as Server).on("connection", (s: Socket) => (serverSocket = s));
    const call = await placeCall({ port: ours.port });
    expect(call.commands).toHaveLength(50);
    expect(counts[1]).toBe(counts[0]);
  });

  it("6. no timeouts and no rejection on close — ding-dong waits forever; ours: AgiTimeoutError, HangupError on close", async () => {
    let pending: Promise<DdReply> | undefined;
    const ddPort = await startDingDong((ctx) => void ctx.onEvent("variables").then(() => (pending = ctx.getVariable("A"))));
    const dd = await RawAsterisk.call(ddPort);
    await dd.nextLine();
    expect(await stateAfter(pending!)).toBe("pending"); // no answer: no timer fires
    dd.socket.end(); // Asterisk goes away
    await dd.waitClosed();
    expect(await stateAfter(pending!)).toBe("pending"); // …and the promise is still not rejected

    const errors: unknown[] = [];
    const ours = await startOurs(async (ch) => void (await ch.getVariable("A").catch((e: unknown) => errors.push(e))), { commandTimeoutMs: 200 });
    const raw = await RawAsterisk.call(ours.port);
    await raw.nextLine();
    await raw.waitClosed(2000); // we close it ourselves
    const raw2 = await RawAsterisk.call(ours.port);
    await raw2.nextLine();
    raw2.socket.end();
    await raw2.waitClosed();
    await sleep(20);
    expect(errors.map((e) => (e as Error).constructor)).toEqual([AgiTimeoutError, HangupError]);
  });

  it("7. a chunk ending mid-line (`HANGUP\\n200 resu` + `lt=-1 endpos=0\\n`) — ding-dong drops the fragment; ours reads it whole", async () => {
    let pending: Promise<DdReply> | undefined;
    let hangups = 0;
    const ddPort = await startDingDong((ctx) => {
      ctx.on("hangup", () => hangups++);
      void ctx.onEvent("variables").then(() => (pending = ctx.streamFile("menu")));
    });
    const dd = await RawAsterisk.call(ddPort);
    await dd.nextLine();
    dd.send("HANGUP\n200 resu");
    await sleep(30);
    dd.send("lt=-1 endpos=0\n");
    expect(await stateAfter(pending!)).toBe("pending"); // the reply was lost
    expect(hangups).toBe(3); // "HANGUP", "200 resu", "lt=-1 endpos=0"

    // Ours, same bytes: one hang-up, the reply fragment reassembled (no protocol error logged).
    const errors: unknown[] = [];
    const ours = await startOurs(async (ch) => void (await ch.streamFile("menu").catch((e: unknown) => errors.push(e))));
    const raw = await RawAsterisk.call(ours.port);
    await raw.nextLine();
    raw.send("HANGUP\n200 resu");
    await sleep(30);
    raw.send("lt=-1 endpos=0\n");
    await raw.waitClosed();
    expect(errors.map((e) => (e as Error).constructor)).toEqual([HangupError]);
    expect(ours.logs.filter((l) => l.msg === "hang-up")).toHaveLength(1);
    expect(ours.logs.filter((l) => l.level >= 40)).toEqual([]);
    // And a plain reply split mid-line after a complete line is not lost either.
    const got: unknown[] = [];
    const ours2 = await startOurs(async (ch) => {
      got.push(await ch.exec("Gosub", "s,1"));
      got.push(await ch.getVariable("B"));
    });
    const raw2 = await RawAsterisk.call(ours2.port);
    await raw2.nextLine();
    raw2.send("100 result=0 Trying...\n200 resu");
    await sleep(30);
    raw2.send("lt=0 Gosub complete\n");
    await raw2.nextLine();
    raw2.send("200 result=1 (b)\n");
    await raw2.waitClosed();
    expect(got).toEqual([0, "b"]);
  });

  it("8. ECONNRESET — ding-dong's process dies with \"Unhandled 'error' event\"; ours stays up", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const agi = require("ding-dong");
         const server = agi((ctx) => { ctx.onEvent("variables").then(() => ctx.streamFile("menu")); }).start(${port}, "127.0.0.1");
         server.on("listening", () => console.log("listening"));`,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    cleanups.push(() => void (child.exitCode === null && child.kill("SIGKILL")));
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    for (let i = 0; i < 100 && !out.includes("listening"); i++) await sleep(20);
    expect(out).toContain("listening");
    const dd = await RawAsterisk.call(port);
    await dd.nextLine();
    dd.socket.resetAndDestroy();
    const code = await Promise.race([exited, sleep(5000).then(() => "still running")]);
    expect(code).toBe(1);
    expect(out).toContain("Unhandled 'error' event");
    expect(out).toContain("ECONNRESET");

    const ours = await startOurs(async (ch) => {
      await ch.streamFile("menu").catch(() => undefined);
      await ch.setVariable("URA_RESULT", "ok").catch(() => undefined);
    });
    const raw = await RawAsterisk.call(ours.port);
    await raw.nextLine();
    raw.socket.resetAndDestroy();
    await sleep(50);
    const next = await placeCall({ port: ours.port });
    expect(next.variables.URA_RESULT).toBe("ok");
  });

  it("9. unescaped arguments — ding-dong lets a value inject a command and drops EXEC arguments; ours refuses/quotes", async () => {
    let done: (() => void) | undefined;
    const finished = new Promise<void>((r) => (done = r));
    const ddPort = await startDingDong((ctx, socket) => {
      void ctx.onEvent("variables").then(async () => {
        await ctx.setVariable("X", 'a"b\nEXEC Hangup');
        await ctx.exec("Dial", "PJSIP/100", "30");
        await sleep(50);
        socket().end();
        done?.();
      });
    });
    const dd = await placeCall({ port: ddPort });
    await finished;
    expect(dd.commands.map((c) => c.line)).toEqual(['SET VARIABLE X "a"b', 'EXEC Hangup"', "EXEC Dial PJSIP/100 30"]);
    expect(dd.variables.X).toBe("ab"); // silently corrupted
    expect(dd.executed).toEqual([
      { app: "Hangup", args: "" }, // injected
      { app: "Dial", args: "PJSIP/100" }, // the 30 never reached Dial
    ]);

    const errors: unknown[] = [];
    const ours = await startOurs(async (ch) => {
      await ch.setVariable("X", 'a"b\nEXEC Hangup').catch((e: unknown) => errors.push(e));
      await ch.setVariable("Y", 'a"b EXEC Hangup');
      await ch.exec("Dial", "PJSIP/100,30");
    });
    const call = await placeCall({ port: ours.port });
    expect(errors.map((e) => (e as Error).constructor)).toEqual([AgiArgumentError]);
    expect(call.variables).toEqual({ Y: 'a"b EXEC Hangup' });
    expect(call.executed).toEqual([{ app: "Dial", args: "PJSIP/100,30" }]);
  });
});
