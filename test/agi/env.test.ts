import { afterEach, describe, expect, it } from "vitest";
import type { AgiChannel, AgiRequest, AgiScript } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { envBlock, RawAsterisk, settled, sleep } from "./helpers.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function serve(routes: Record<string, AgiScript>, options = {}) {
  const s = await startAgiServer(routes, options);
  stop = s.close;
  return s;
}

/** Answers every command with `200 result=1` until the server closes; returns the commands. */
async function answerAll(raw: RawAsterisk): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    let line: string;
    try {
      line = await raw.nextLine(3000);
    } catch {
      return seen;
    }
    seen.push(line);
    raw.send("200 result=1\n");
  }
}

describe("the agi_* block", () => {
  it("keeps values with ':' whole (agi_request, agi_network_script with a query, agi_arg with a URL)", async () => {
    let req: AgiRequest | undefined;
    const { port } = await serve({ ivr: async (ch) => void (req = ch.request) });
    const raw = await RawAsterisk.call(port, {
      agi_network_script: "ivr?x=a:b&t=10:30",
      agi_request: `agi://127.0.0.1:${port}/ivr?x=a:b&t=10:30`,
      agi_arg_1: "http://h:8080/path?q=1:2",
      agi_arg_2: "plain",
    });
    await raw.waitClosed();
    expect(req?.variables.request).toBe(`agi://127.0.0.1:${port}/ivr?x=a:b&t=10:30`);
    expect(req?.variables.network_script).toBe("ivr?x=a:b&t=10:30");
    expect(req?.script).toBe("ivr");
    expect(req?.params).toEqual({ x: "a:b", t: "10:30" });
    expect(req?.args).toEqual(["http://h:8080/path?q=1:2", "plain"]);
    expect(req?.channel).toBe("Local/1001@ivr-00000000;2");
    expect(req?.uniqueId).toBe("1795369750.1");
  });

  it("reads `agi_accountcode: ` (trailing space, empty value) as an empty string and `unknown` as null", async () => {
    let req: AgiRequest | undefined;
    const { port } = await serve({ ura: async (ch) => void (req = ch.request) });
    const raw = await RawAsterisk.call(port, { agi_callerid: "unknown" });
    await raw.waitClosed();
    expect(req?.variables.accountcode).toBe("");
    expect(req?.variables.calleridname).toBe("unknown");
    expect(req?.callerId).toBeNull();
    expect(req?.callerIdName).toBeNull();
    expect(Object.keys(req?.variables ?? {})).not.toContain("");
  });

  it("tolerates \\r\\n line endings in the block", async () => {
    let req: AgiRequest | undefined;
    const { port } = await serve({ ura: async (ch) => void (req = ch.request) });
    const raw = await RawAsterisk.connect(port);
    raw.send(envBlock(port, {}, "\r\n"));
    await raw.waitClosed();
    expect(req?.script).toBe("ura");
    expect(req?.variables.threadid).toBe("140352918927040");
    expect(req?.variables.accountcode).toBe("");
  });

  it("reads a block delivered one byte at a time", async () => {
    let req: AgiRequest | undefined;
    const { port } = await serve({ ura: async (ch) => void (req = ch.request) });
    const raw = await RawAsterisk.connect(port);
    raw.socket.setNoDelay(true);
    const block = envBlock(port, { agi_arg_1: "José: ação" });
    for (const byte of Buffer.from(block)) {
      raw.socket.write(Buffer.from([byte]));
    }
    await raw.waitClosed();
    expect(req?.args).toEqual(["José: ação"]);
  });

  it("without agi_network_script (AGI(agi://h/)) routes by agi_request: the empty path", async () => {
    let req: AgiRequest | undefined;
    const { port } = await serve({ "": async (ch) => void (req = ch.request), ura: async () => undefined });
    const raw = await RawAsterisk.call(port, { agi_network_script: null, agi_request: `agi://127.0.0.1:${port}/` });
    await raw.waitClosed();
    expect(req?.script).toBe("");
    expect(req?.variables.network_script).toBeUndefined();
  });

  it("without agi_network_script, a path and query in agi_request still route", async () => {
    let req: AgiRequest | undefined;
    const { port } = await serve({ "ura/status": async (ch) => void (req = ch.request) });
    const raw = await RawAsterisk.call(port, { agi_network_script: null, agi_request: `agi://127.0.0.1:${port}/ura/status?ticket=12:3` });
    await raw.waitClosed();
    expect(req?.script).toBe("ura/status");
    expect(req?.params).toEqual({ ticket: "12:3" });
  });

  it("an unknown script sets URA_RESULT=error for the dialplan and closes the socket", async () => {
    const { port, server, logs } = await serve({ ura: async () => undefined });
    const raw = await RawAsterisk.call(port, { agi_network_script: "nope?x=1", agi_request: `agi://127.0.0.1:${port}/nope?x=1` });
    const commands = await answerAll(raw);
    await raw.waitClosed();
    expect(commands).toEqual(['SET VARIABLE URA_RESULT "error"']);
    expect(logs.some((l) => l.msg === "no AGI script for this path" && l.script === "nope")).toBe(true);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("a HANGUP in the same chunk as the block's end is not lost: no command is sent, the socket is closed", async () => {
    let aborted: boolean | undefined;
    let hungUp: boolean | undefined;
    const { port, server } = await serve({
      ura: async (ch: AgiChannel) => {
        // A script that first does slow work (e.g. an API call) but listens to the signal.
        await new Promise<void>((resolve) => {
          if (ch.signal.aborted) return resolve();
          const t = setTimeout(resolve, 1500);
          ch.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
        });
        aborted = ch.signal.aborted;
        hungUp = ch.hungUp;
        if (!aborted) await ch.answer();
      },
    });
    const raw = await RawAsterisk.connect(port);
    raw.send(envBlock(port) + "HANGUP\n");
    await raw.waitClosed(1000);
    expect(raw.lines).toEqual([]);
    await sleep(20);
    expect(aborted).toBe(true);
    expect(hungUp).toBe(true);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("a peer that connects and never sends the block is dropped after the env timeout", async () => {
    let ran = false;
    const { port, server } = await serve({ ura: async () => void (ran = true) }, { envTimeoutMs: 200 });
    const raw = await RawAsterisk.connect(port);
    raw.send("agi_network: yes\n");
    await raw.waitClosed(2000);
    expect(ran).toBe(false);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });
});
