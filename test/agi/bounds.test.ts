import { afterEach, describe, expect, it } from "vitest";
import { AgiCommandError, type AgiChannel, type AgiScript } from "../../src/agi/index.js";
import { MAX_USAGE_BYTES } from "../../src/agi/connection.js";
import { startAgiServer } from "../support/agi-server.js";
import { envBlock, RawAsterisk, settled } from "./helpers.js";
import { eventually } from "../support/eventually.js";

/**
 * Issue 14 item 6: what a peer on the allow-list can make the server hold. Lines sent while a call
 * waits for a slot, a 520 usage block that never ends, and an oversized agi_* block are bounded and
 * the connection is closed; a connection that does not start with an agi_* variable is dropped at
 * once and never takes a call slot. Memory is judged by the bytes the server says it holds.
 */

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function serve(routes: Record<string, AgiScript>, options: Parameters<typeof startAgiServer>[1] = {}) {
  const s = await startAgiServer(routes, options);
  stop = s.close;
  return s;
}

/** What a flood cost: bytes written before the server closed, and the most the server held meanwhile. */
interface Flood {
  sentBytes: number;
  closedByServer: boolean;
  maxHeldBytes: number;
}

/**
 * Writes `chunk` again and again (each write flushed before the next) until the server closes the
 * connection or `capBytes` have gone, sampling the bytes the server holds after every write.
 */
async function flood(raw: RawAsterisk, held: () => number, chunk: string, capBytes: number): Promise<Flood> {
  let sentBytes = 0;
  let maxHeldBytes = 0;
  while (!raw.closed && sentBytes < capBytes) {
    const ok = await new Promise<boolean>((resolve) => raw.socket.write(chunk, (err) => resolve(!err)));
    if (!ok) break;
    sentBytes += chunk.length;
    // Let the server read what was flushed before sampling.
    await new Promise((r) => setImmediate(r));
    maxHeldBytes = Math.max(maxHeldBytes, held());
  }
  await raw.waitClosed(5000).catch(() => undefined);
  return { sentBytes, closedByServer: raw.closed && sentBytes < capBytes, maxHeldBytes };
}

const SHORT_LINES = "x\n".repeat(32 * 1024); // 64 kB of two-byte lines
const FLOOD_CAP = 16 * 1024 * 1024;

describe("lines sent while a call waits for a slot (AGI_MAX_CALLS)", () => {
  it("a flood of short lines is cut after a few lines: the server holds kilobytes, not what was sent", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { port, server, logs } = await serve({ ura: async () => released }, { maxCalls: 1, commandTimeoutMs: 60_000 });
    // The one slot is taken by a call that lasts until the test ends it.
    const first = await RawAsterisk.call(port);
    await eventually(() => server.activeCalls === 1);
    const waiting = await RawAsterisk.call(port);
    await eventually(() => server.waitingCalls === 1);

    const result = await flood(waiting, () => server.bufferedBytes, SHORT_LINES, FLOOD_CAP);
    expect(result.closedByServer).toBe(true);
    expect(result.sentBytes).toBeLessThan(1024 * 1024);
    expect(result.maxHeldBytes).toBeLessThanOrEqual(128 * 1024);
    expect(waiting.received).toBe("");
    expect(logs.some((l) => String(l.reason).includes("before the call started"))).toBe(true);

    // The call in progress is untouched, and the next waiting call gets the slot as usual.
    const next = await RawAsterisk.call(port);
    await eventually(() => server.waitingCalls === 1);
    release();
    first.destroy();
    await next.waitClosed(5000);
    expect(await settled(server, 5000)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("a HANGUP while waiting still ends the call without a command (the bound leaves room for it)", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { port, server } = await serve({ ura: async () => released }, { maxCalls: 1 });
    const first = await RawAsterisk.call(port);
    await eventually(() => server.activeCalls === 1);
    const waiting = await RawAsterisk.call(port);
    await eventually(() => server.waitingCalls === 1);
    waiting.send("HANGUP\nHANGUP\n");
    await waiting.waitClosed(5000);
    expect(waiting.received).toBe("");
    release();
    first.destroy();
    expect(await settled(server, 5000)).toEqual({ activeCalls: 0, openSockets: 0 });
  });
});

describe("a 520 usage block that never ends", () => {
  it("is cut past its bound: the command rejects, the call ends, the server holds at most the bound", async () => {
    let failure: unknown;
    const { port, server, logs } = await serve(
      { ura: async (ch: AgiChannel) => void (await ch.getVariable("X").catch((err: unknown) => (failure = err))) },
      { commandTimeoutMs: 60_000 },
    );
    const raw = await RawAsterisk.call(port);
    expect(await raw.nextLine()).toBe("GET VARIABLE X");
    raw.send("520-Invalid command syntax.  Proper usage follows:\n");
    const result = await flood(raw, () => server.bufferedBytes, "Usage: GET VARIABLE <variablename>\n".repeat(1000), FLOOD_CAP);

    expect(result.closedByServer).toBe(true);
    expect(result.sentBytes).toBeLessThan(1024 * 1024);
    expect(result.maxHeldBytes).toBeLessThanOrEqual(MAX_USAGE_BYTES + 64 * 1024);
    await eventually(() => failure !== undefined);
    expect(failure).toBeInstanceOf(AgiCommandError);
    expect((failure as AgiCommandError).detail).toMatch(/usage block over/);
    expect(logs.some((l) => l.msg === "AGI protocol error, ending call" && String(l.detail).includes("usage block"))).toBe(true);
    expect(await settled(server, 5000)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("a real usage block of 150 lines is still read whole and the call goes on", async () => {
    const seen: string[] = [];
    const { port } = await serve({
      ura: async (ch) => {
        await ch.getVariable("X").catch((err: unknown) => seen.push(`520:${(err as AgiCommandError).detail.split("\n").length}`));
        seen.push(`next:${await ch.getVariable("Y")}`);
      },
    });
    const raw = await RawAsterisk.call(port);
    await raw.nextLine();
    const usage = Array.from({ length: 150 }, (_, i) => ` line ${i} of the description of GET VARIABLE, as Asterisk's XML docs wrap it`);
    raw.send(`520-Invalid command syntax.  Proper usage follows:\n${usage.join("\n")}\n520 End of proper usage.\n`);
    expect(await raw.nextLine()).toBe("GET VARIABLE Y");
    raw.send("200 result=1 (y)\n");
    await raw.waitClosed();
    expect(seen).toEqual(["520:151", "next:y"]);
  });
});

describe("the start of a connection", () => {
  it("a lone blank line or a first line that is not agi_* is dropped at once and never takes the only slot", async () => {
    const ran: string[] = [];
    // The setup deadline is far away here: a close can only come from reading the first line.
    const { port, server, logs } = await serve(
      { ura: async (ch) => void ran.push(await ch.getVariable("X").then((v) => v ?? "")) },
      { maxCalls: 1, envTimeoutMs: 60_000, commandTimeoutMs: 60_000 },
    );
    const blank = await RawAsterisk.connect(port);
    blank.send("\n");
    const http = await RawAsterisk.connect(port);
    http.send("GET / HTTP/1.1\r\nHost: ivr\r\n\r\n");
    await blank.waitClosed(4000);
    await http.waitClosed(4000);
    expect(blank.received + http.received).toBe("");
    expect(logs.filter((l) => l.msg === "AGI connection dropped before the call started").map((l) => l.reason)).toEqual(
      expect.arrayContaining(["empty agi_* block", "first line is not an agi_* variable"]),
    );

    // The slot is free: a real call is served at once.
    const good = await RawAsterisk.call(port);
    expect(await good.nextLine(4000)).toBe("GET VARIABLE X");
    good.send("200 result=1 (ok)\n");
    await good.waitClosed();
    expect(ran).toEqual(["ok"]);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("an agi_* block over 64 kB is dropped before the call starts", async () => {
    let ran = false;
    const { port, server, logs } = await serve({ ura: async () => void (ran = true) }, { envTimeoutMs: 60_000 });
    const raw = await RawAsterisk.connect(port);
    raw.send(envBlock(port, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`agi_arg_${i + 1}`, "a".repeat(10_000)]))));
    await raw.waitClosed(4000);
    expect(ran).toBe(false);
    expect(logs.some((l) => String(l.reason).startsWith("agi_* block over"))).toBe(true);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });
});
