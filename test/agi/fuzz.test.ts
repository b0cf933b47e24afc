import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { buildRequest, escapeAndQuote, parseAnyResult, parseEnvLine, parseResultLine } from "../../src/agi/protocol.js";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall } from "../support/asterisk-emulator.js";
import { ScriptedCaller } from "../support/callers.js";
import { parseArgs } from "../support/parse-args.js";
import { envBlock, int, pick, prng, settled, sleep } from "./helpers.js";

/** Change to replay a failure; each test prints nothing unless it fails, with the seed in its name. */
const SEED = Number(process.env.AGI_FUZZ_SEED ?? 20260611);

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** Random text from a mix of ASCII, punctuation that matters to AGI, and non-ASCII code points. */
function randomText(rand: () => number, max: number, extra: string[] = []): string {
  const pool = ["a", "Z", "0", "9", " ", "\t", '"', "\\", "(", ")", ":", "=", ",", "/", "?", "&", "é", "ç", "中", "🎧", "\u00a0", "#", "*", ...extra];
  return Array.from({ length: int(rand, 0, max) }, () => pick(rand, pool)).join("");
}

function randomBytes(rand: () => number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => int(rand, 0, 255)));
}

describe(`properties (seed ${SEED})`, () => {
  it("escapeAndQuote ∘ parse_args is the identity for strings without CR/LF/NUL", () => {
    const rand = prng(SEED);
    const wrong: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const value = randomText(rand, 60);
      const argv = parseArgs(`SET VARIABLE X ${escapeAndQuote(value)}`);
      if (argv.length !== 4 || argv[3] !== value) wrong.push(value);
    }
    expect(wrong).toEqual([]);
  });

  it("escapeAndQuote refuses every string with CR, LF or NUL", () => {
    const rand = prng(SEED + 1);
    const accepted: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const value = randomText(rand, 20) + pick(rand, ["\r", "\n", "\0"]) + randomText(rand, 20);
      try {
        escapeAndQuote(value);
        accepted.push(value);
      } catch (err) {
        if ((err as Error).name !== "AgiArgumentError") accepted.push(value);
      }
    }
    expect(accepted).toEqual([]);
  });

  it("parseResultLine reads back what it is given: result, data (to the last ')'), endpos", () => {
    const rand = prng(SEED + 2);
    const wrong: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const result = pick(rand, ["-1", "0", "1", "49", "35", "", "1234", "*0", String(int(rand, 0, 1e6))]);
      const data = rand() < 0.5 ? null : randomText(rand, 30).replace(/[\r\n]/g, "");
      const endpos = rand() < 0.5 ? null : int(rand, 0, 1e7);
      const line = `200 result=${result}${data === null ? "" : ` (${data})`}${endpos === null ? "" : ` endpos=${endpos}`}`;
      const p = parseResultLine(line);
      if (!p || p.code !== 200 || p.result !== result || p.data !== data || p.endpos !== endpos) wrong.push(line);
    }
    expect(wrong).toEqual([]);
  });

  it("parseResultLine's shortcut for the usual reply reads every line as the full parse does", () => {
    const rand = prng(SEED + 7);
    const wrong: string[] = [];
    const pieces = ["0", "1", "-1", "49", "", " ", "\t", "é", "(", ")", "x", "=", "\u00a0", "endpos=", " endpos=", "12", "007"];
    for (let i = 0; i < 5000; i++) {
      const token = Array.from({ length: int(rand, 0, 4) }, () => pick(rand, pieces)).join("");
      const tail = pick(rand, ["", " endpos=", " endpos=0", " endpos=12345", "  endpos=7", " endpos=12 x", " endpos=1a", "\tendpos=3", " (timeout)", " x"]);
      const line = `${pick(rand, ["200 result=", "200 result=", "200  result=", "201 result="])}${token}${tail}`;
      const got = parseResultLine(line);
      const expected = parseAnyResult(line);
      if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(line);
    }
    expect(wrong).toEqual([]);
  });

  it("parseResultLine, parseEnvLine and buildRequest never throw on garbage", () => {
    const rand = prng(SEED + 3);
    const threw: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const line = rand() < 0.5 ? randomText(rand, 80, ["\n", "\r", "\0", "200 result=", "agi_", ": "]) : randomBytes(rand, int(rand, 0, 80)).toString("utf8");
      try {
        parseResultLine(line);
        const pair = parseEnvLine(line);
        buildRequest(pair ? { [pair[0]]: pair[1] } : {});
      } catch {
        threw.push(line);
      }
    }
    expect(threw).toEqual([]);
  });

  it("thousands of random env blocks: values parsed whole, request always built", () => {
    const rand = prng(SEED + 4);
    const wrong: unknown[] = [];
    for (let i = 0; i < 1500; i++) {
      const env: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (let j = int(rand, 0, 30); j > 0; j--) {
        const name = pick(rand, ["agi_request", "agi_network_script", "agi_arg_1", "agi_arg_2", "agi_callerid", "agi_uniqueid", `agi_x${j}`]);
        const value = randomText(rand, 40, [": ", "::", "agi://h:4573/ura?x=1"]).replace(/^ /, "_");
        const pair = parseEnvLine(`${name}: ${value}`);
        if (!pair || pair[0] !== name || pair[1] !== value) wrong.push({ name, value, pair });
        else env[pair[0]] = pair[1];
        expected[name.slice(4)] = value;
        // Junk lines in between are ignored, never parsed as variables.
        const junk = pick(rand, ["", ":", ": x", "no colon", "other: v", "agi x: v"]);
        if (parseEnvLine(junk) !== null) wrong.push({ junk });
      }
      const req = buildRequest(env);
      if (JSON.stringify(req.variables) !== JSON.stringify(expected) || typeof req.script !== "string") wrong.push({ env, req });
    }
    expect(wrong).toEqual([]);
  });
});

const REPLIES = [
  "200 result=0",
  "200 result=-1 endpos=0",
  "200 result=49 endpos=100",
  "200 result=1 (x(y)",
  "200 result=",
  "200 result= (timeout)",
  "200 result=12 (timeout)",
  "510 Invalid or unknown command",
  "511 Command Not Permitted on a dead channel or intercept routine",
  "520 Invalid command syntax.  Proper usage not available.",
  "520-Invalid command syntax.  Proper usage follows:\nUsage: x\n520 End of proper usage.",
  "520-Invalid command syntax.  Proper usage follows:\nnever ends",
  "100 result=0 Trying...",
  "100 result=0 Trying...\n200 result=0 Gosub complete",
  "HANGUP",
  "HANGUP\nHANGUP",
  "200",
  "200 result",
  "2000 result=1",
  "999 what",
  "",
  "\r",
  "failure",
  "200 result=0\n200 result=0\n200 result=0",
];

/**
 * One hostile "Asterisk": a random (often broken) variable block, then random replies to whatever
 * the server sends, in random chunks; it ends by closing, resetting, or going silent. Resolves
 * when the socket is gone (bounded).
 */
function hostilePeer(port: number, rand: () => number): Promise<{ closedByServer: boolean; kind: string }> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: "127.0.0.1" });
    const kind = pick(rand, ["env+replies", "env+replies", "env+replies", "garbage", "oversized-env", "oversized-reply", "no-blank-line", "binary-env"]);
    let closedByUs = false;
    const kill = setTimeout(() => ((closedByUs = true), socket.destroy()), 2500);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(kill);
      resolve({ closedByServer: !closedByUs, kind });
    });
    const chunked = (text: string | Buffer) => {
      const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
      let at = 0;
      while (at < buf.length && !socket.destroyed) {
        const n = rand() < 0.3 ? int(rand, 1, 8) : buf.length - at;
        socket.write(buf.subarray(at, at + n));
        at += n;
      }
    };
    const finish = () => {
      const how = rand();
      if (how < 0.3) socket.end();
      else if (how < 0.45) socket.resetAndDestroy();
      // else: go silent and let the server's timeouts deal with it
    };
    socket.on("connect", () => {
      switch (kind) {
        case "garbage":
          chunked(randomBytes(rand, int(rand, 0, 3000)));
          return finish();
        case "oversized-env":
          chunked("agi_network: yes\nagi_request: " + "x".repeat(17 * 1024));
          return; // no newline: the server must drop us
        case "no-blank-line":
          chunked(envBlock(port).trimEnd() + "\n");
          return; // the server's env timeout ends it
        case "binary-env":
          chunked(Buffer.concat([Buffer.from("agi_network: yes\n"), randomBytes(rand, 200), Buffer.from("\n\n")]));
          break;
        default: {
          const lines = envBlock(port, { agi_arg_1: randomText(rand, 30), agi_callerid: randomText(rand, 12) }).split("\n");
          for (let i = int(rand, 0, 5); i > 0; i--) lines.splice(int(rand, 0, lines.length - 2), 0, randomText(rand, 40));
          chunked(lines.join(rand() < 0.2 ? "\r\n" : "\n"));
        }
      }
      let buffer = "";
      let answered = 0;
      const limit = int(rand, 1, 12);
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        buffer += chunk;
        while (buffer.includes("\n")) {
          buffer = buffer.slice(buffer.indexOf("\n") + 1);
          if (++answered > limit) return finish();
          if (kind === "oversized-reply" && answered === limit) {
            chunked("200 result=1 (" + "y".repeat(17 * 1024));
            return;
          }
          const reply = rand() < 0.15 ? randomText(rand, 60) : pick(rand, REPLIES);
          chunked(reply + (rand() < 0.1 ? "\r\n" : "\n"));
        }
      });
    });
  });
}

describe(`fuzzing the server (seed ${SEED})`, () => {
  it("random/malformed lines, binary garbage and oversized input never crash it; well-behaved calls finish", async () => {
    const fired: unknown[] = [];
    const onFire = (e: unknown) => fired.push(e);
    process.on("uncaughtException", onFire);
    process.on("unhandledRejection", onFire);
    try {
      const s = await startAgiServer(
        {
          ura: async (ch) => {
            const steps = [
              () => ch.answer(),
              () => ch.streamFile("greeting", { escape: "12" }),
              () => ch.getData("menu", { timeoutMs: 1000, maxDigits: 4 }),
              () => ch.getVariable("X"),
              () => ch.exec("Gosub", "sub,s,1"),
              () => ch.waitForDigit(100),
              () => ch.sayDigits("123"),
              () => ch.setVariable("URA_RESULT", "fuzz"),
            ];
            for (const step of steps) await step().catch(() => undefined);
            // An uncaught error in the script: must end only this call.
            if (ch.request.args[0]?.includes("é")) throw new Error("script failure");
          },
          good: async (ch) => {
            await ch.answer();
            await ch.streamFile("greeting", { escape: "1" });
            const d = await ch.getData("menu", { timeoutMs: 2000, maxDigits: 4 });
            await ch.setVariable("URA_RESULT", `ok-${d.digits}`);
          },
        },
        { commandTimeoutMs: 300, envTimeoutMs: 300, hangupSettleMs: 20 },
      );
      stop = s.close;
      const rand = prng(SEED + 5);
      const deadline = Date.now() + 3000;
      const outcomes: { closedByServer: boolean; kind: string }[] = [];
      const good: Promise<string | undefined>[] = [];
      for (let batch = 0; batch < 20 && Date.now() < deadline; batch++) {
        const peers = Array.from({ length: 40 }, () => hostilePeer(s.port, rand));
        for (let i = 0; i < 3; i++) {
          good.push(
            placeCall({ port: s.port, script: "good", caller: new ScriptedCaller().on("menu").press("42#") }).then((c) => c.variables.URA_RESULT),
          );
        }
        outcomes.push(...(await Promise.all(peers)));
      }
      expect(outcomes.length).toBeGreaterThanOrEqual(120);
      expect(await Promise.all(good)).toEqual(good.map(() => "ok-42"));
      // Oversized input and broken blocks are dropped by the server itself, not left to the peer.
      for (const kind of ["oversized-env", "no-blank-line"]) {
        const of = outcomes.filter((o) => o.kind === kind);
        expect(of.length).toBeGreaterThan(0);
        expect(of.every((o) => o.closedByServer)).toBe(true);
      }
      expect(outcomes.filter((o) => o.closedByServer).length).toBeGreaterThan(outcomes.length * 0.9);
      expect(await settled(s.server, 3000)).toEqual({ activeCalls: 0, openSockets: 0 });
      // Still serving afterwards.
      const after = await placeCall({ port: s.port, script: "good", caller: new ScriptedCaller().on("menu").press("7#") });
      expect(after.variables.URA_RESULT).toBe("ok-7");
      await sleep(50);
    } finally {
      process.off("uncaughtException", onFire);
      process.off("unhandledRejection", onFire);
    }
    expect(fired).toEqual([]);
  }, 20_000);
});
