import { afterEach, describe, expect, it } from "vitest";
import type { AgiChannel } from "../../src/agi/index.js";
import { AgiCommandError, HangupError, PlaybackError } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { RawAsterisk, settled } from "./helpers.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

type Outcome = { ok: unknown } | { err: Error };

/**
 * Runs `steps` (each one AGI call) in a script while the test plays Asterisk by hand: for each
 * command line received, `answer` returns the exact bytes to send back.
 */
async function exchange(
  steps: ((ch: AgiChannel) => Promise<unknown>)[],
  answer: (line: string, index: number) => string | null,
) {
  const outcomes: Outcome[] = [];
  const s = await startAgiServer({
    ura: async (ch) => {
      for (const step of steps) {
        try {
          outcomes.push({ ok: await step(ch) });
        } catch (err) {
          outcomes.push({ err: err as Error });
        }
      }
    },
  });
  stop = s.close;
  const raw = await RawAsterisk.call(s.port);
  const commands: string[] = [];
  for (;;) {
    let line: string;
    try {
      line = await raw.nextLine(1500);
    } catch {
      break;
    }
    commands.push(line);
    const reply = answer(line, commands.length - 1);
    if (reply !== null) raw.send(reply);
  }
  await raw.waitClosed();
  return { outcomes, commands, raw, server: s.server, logs: s.logs };
}

describe("every reply form Asterisk sends", () => {
  it("200 result=… (data) endpos=…: keys as ASCII codes, data up to the last ')', endpos", async () => {
    const replies = [
      "200 result=0 endpos=7360\n",
      "200 result=49 endpos=1600\n",
      "200 result=35 endpos=8\n",
      "200 result=1 (a (nested) value) with spaces)\n",
      "200 result=0\n",
      "200 result=1 ()\n",
      "200 result=0\n",
      "200 result=-2\n",
    ];
    const { outcomes } = await exchange(
      [
        (ch) => ch.streamFile("digits/1", { escape: "0123456789" }),
        (ch) => ch.streamFile("menu", { escape: "12" }),
        (ch) => ch.streamFile("menu", { escape: "#" }),
        (ch) => ch.getVariable("X"),
        (ch) => ch.getVariable("UNSET"),
        (ch) => ch.getVariable("EMPTY"),
        (ch) => ch.exec("Playback", "x"),
        (ch) => ch.exec("NoSuchApp", "x"),
      ],
      (_, i) => replies[i]!,
    );
    expect(outcomes).toEqual([
      { ok: { key: null, endpos: 7360 } },
      { ok: { key: "1", endpos: 1600 } },
      { ok: { key: "#", endpos: 8 } },
      { ok: "a (nested) value) with spaces" },
      { ok: null },
      { ok: "" },
      { ok: 0 },
      { ok: -2 },
    ]);
  });

  it("GET DATA: `result=1234`, `result=12 (timeout)`, `result= (timeout)`, `result=` (only #)", async () => {
    const replies = ["200 result=1234\n", "200 result=12 (timeout)\n", "200 result= (timeout)\n", "200 result=\n", "200 result=*0\n"];
    const { outcomes, commands } = await exchange(
      Array.from({ length: 5 }, () => (ch: AgiChannel) => ch.getData("beep", { timeoutMs: 8000, maxDigits: 4 })),
      (_, i) => replies[i]!,
    );
    expect(commands[0]).toBe('GET DATA "beep" 8000 4');
    expect(outcomes).toEqual([
      { ok: { digits: "1234", timedOut: false } },
      { ok: { digits: "12", timedOut: true } },
      { ok: { digits: "", timedOut: true } },
      { ok: { digits: "", timedOut: false } },
      { ok: { digits: "*0", timedOut: false } },
    ]);
  });

  it("510 rejects with AgiCommandError(510) and the call goes on", async () => {
    const { outcomes } = await exchange(
      [(ch) => ch.verbose("x"), (ch) => ch.getVariable("A")],
      (_, i) => (i === 0 ? "510 Invalid or unknown command\n" : "200 result=1 (own)\n"),
    );
    expect((outcomes[0] as { err: AgiCommandError }).err).toBeInstanceOf(AgiCommandError);
    expect((outcomes[0] as { err: AgiCommandError }).err.code).toBe(510);
    expect(outcomes[1]).toEqual({ ok: "own" });
  });

  it("multi-line 520 is read through to `520 End of proper usage.`: the next command gets ITS OWN reply", async () => {
    const usage =
      "520-Invalid command syntax.  Proper usage follows:\n" +
      " Usage: WAIT FOR DIGIT <timeout>\n" +
      "Waits up to 'timeout' milliseconds for channel to receive a DTMF digit.\n" +
      "200 result=0 looks like a reply but is usage text\n" +
      "520 End of proper usage.\n";
    const { outcomes, commands } = await exchange(
      [(ch) => ch.waitForDigit(1000), (ch) => ch.getVariable("A"), (ch) => ch.getVariable("B")],
      (line) => (line.startsWith("WAIT") ? usage : line.endsWith(" A") ? "200 result=1 (first)\n" : "200 result=1 (second)\n"),
    );
    const err = (outcomes[0] as { err: AgiCommandError }).err;
    expect(err).toBeInstanceOf(AgiCommandError);
    expect(err.code).toBe(520);
    expect(err.detail).toContain("Usage: WAIT FOR DIGIT <timeout>");
    expect(outcomes.slice(1)).toEqual([{ ok: "first" }, { ok: "second" }]);
    expect(commands).toEqual(["WAIT FOR DIGIT 1000", "GET VARIABLE A", "GET VARIABLE B"]);
  });

  it("single-line 520 (no usage available) rejects too", async () => {
    const { outcomes } = await exchange(
      [(ch) => ch.verbose("x"), (ch) => ch.getVariable("A")],
      (_, i) => (i === 0 ? "520 Invalid command syntax.  Proper usage not available.\n" : "200 result=1 (ok)\n"),
    );
    expect((outcomes[0] as { err: AgiCommandError }).err.code).toBe(520);
    expect(outcomes[1]).toEqual({ ok: "ok" });
  });

  it("GOSUB-style `100 result=0 Trying...` then `200 result=0 Gosub complete`: one reply, no desync", async () => {
    const { outcomes } = await exchange(
      [(ch) => ch.exec("Gosub", "sub,s,1"), (ch) => ch.getVariable("A")],
      (line) => (line.startsWith("EXEC") ? "100 result=0 Trying...\n200 result=0 Gosub complete\n" : "200 result=1 (mine)\n"),
    );
    expect(outcomes).toEqual([{ ok: 0 }, { ok: "mine" }]);
  });

  it("511 (dead channel, AGISIGHUP=no: no HANGUP line) rejects with HangupError, later commands too, socket closed", async () => {
    const { outcomes, commands, server, raw } = await exchange(
      [(ch) => ch.streamFile("a"), (ch) => ch.streamFile("b")],
      () => "511 Command Not Permitted on a dead channel or intercept routine\n",
    );
    expect(outcomes.map((o) => ("err" in o ? o.err.constructor : o))).toEqual([HangupError, HangupError]);
    expect(commands).toHaveLength(1);
    expect(raw.closed).toBe(true);
    expect(await settled(server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("-1 from STREAM FILE / GET DATA on a live channel is a missing file (PlaybackError), and the call goes on", async () => {
    const { outcomes } = await exchange(
      [(ch) => ch.streamFile("missing"), (ch) => ch.getData("missing-too"), (ch) => ch.getVariable("A")],
      (line) => (line.startsWith("STREAM") ? "200 result=-1 endpos=0\n" : line.startsWith("GET DATA") ? "200 result=-1\n" : "200 result=1 (alive)\n"),
    );
    const errs = outcomes.slice(0, 2).map((o) => (o as { err: Error }).err);
    expect(errs.map((e) => e.constructor)).toEqual([PlaybackError, PlaybackError]);
    expect((errs[0] as PlaybackError).file).toBe("missing");
    expect(outcomes[2]).toEqual({ ok: "alive" });
  });

  it("-1 with HANGUP right after is a hang-up (HangupError), not a missing file", async () => {
    const { outcomes, commands } = await exchange(
      [(ch) => ch.streamFile("greeting"), (ch) => ch.getData("menu")],
      () => "200 result=-1 endpos=800\nHANGUP\n",
    );
    expect(outcomes.map((o) => (o as { err: Error }).err.constructor)).toEqual([HangupError, HangupError]);
    expect(commands).toEqual(['STREAM FILE "greeting" ""']);
  });

  it("-1 and HANGUP in separate packets a moment apart is still a hang-up", async () => {
    const outcomes: Outcome[] = [];
    const s = await startAgiServer({
      ura: async (ch) => {
        await ch.getData("menu").then(
          (ok) => outcomes.push({ ok }),
          (err: Error) => outcomes.push({ err }),
        );
      },
    });
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    await raw.nextLine();
    raw.send("200 result=-1\n");
    setTimeout(() => raw.send("HANGUP\n"), 30);
    await raw.waitClosed();
    expect((outcomes[0] as { err: Error }).err).toBeInstanceOf(HangupError);
  });

  it("-1 then a HANGUP already received while the event loop was busy is still a hang-up, not a missing file", async () => {
    const outcomes: Outcome[] = [];
    const s = await startAgiServer(
      {
        ura: async (ch) => {
          await ch.streamFile("greeting").then(
            (ok) => outcomes.push({ ok }),
            (err: Error) => outcomes.push({ err }),
          );
        },
      },
      { hangupSettleMs: 100 },
    );
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    await raw.nextLine();
    raw.send("200 result=-1 endpos=0\n");
    await new Promise((r) => setTimeout(r, 30)); // the server has read the -1 and is waiting for HANGUP
    raw.send("HANGUP\n");
    const until = Date.now() + 200; // a busy moment: the HANGUP sits unread past the settle delay
    while (Date.now() < until) {
      /* block the event loop */
    }
    await raw.waitClosed();
    expect((outcomes[0] as { err: Error }).err).toBeInstanceOf(HangupError);
  });

  it("HANGUP then the reply split mid-line across chunks (`HANGUP\\n200 resu` + `lt=-1 endpos=0\\n`): nothing misread", async () => {
    const s = await startAgiServer({ ura: async (ch) => void (await ch.streamFile("greeting").catch((e: Error) => (err = e))) });
    stop = s.close;
    let err: Error | undefined;
    const raw = await RawAsterisk.call(s.port);
    await raw.nextLine();
    raw.send("HANGUP\n200 resu");
    await new Promise((r) => setTimeout(r, 20));
    raw.send("lt=-1 endpos=0\n");
    await raw.waitClosed();
    expect(err).toBeInstanceOf(HangupError);
    expect(s.logs.filter((l) => l.level >= 40)).toEqual([]);
  });

  it("a reply split mid-line, a UTF-8 character split across chunks, and \\r\\n endings are read whole", async () => {
    const got: unknown[] = [];
    const s = await startAgiServer({
      ura: async (ch) => {
        got.push(await ch.streamFile("menu", { escape: "1" }));
        got.push(await ch.getVariable("NAME"));
        got.push(await ch.getVariable("OTHER"));
      },
    });
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    await raw.nextLine();
    raw.send("200 resu");
    await new Promise((r) => setTimeout(r, 20));
    raw.send("lt=49 endpos=80\n");
    await raw.nextLine();
    const bytes = Buffer.from("200 result=1 (José)\n");
    const cut = bytes.indexOf(0xc3) + 1; // in the middle of "é"
    raw.socket.write(bytes.subarray(0, cut));
    await new Promise((r) => setTimeout(r, 20));
    raw.socket.write(bytes.subarray(cut));
    await raw.nextLine();
    raw.send("200 result=1 (crlf)\r\n");
    await raw.waitClosed();
    expect(got).toEqual([{ key: "1", endpos: 80 }, "José", "crlf"]);
  });

  it("never pipelines: concurrent commands from one script go out one at a time, each with its own reply", async () => {
    const s = await startAgiServer({
      ura: async (ch) => {
        results = await Promise.all([ch.getVariable("A"), ch.getVariable("B"), ch.getVariable("C")]);
      },
    });
    stop = s.close;
    let results: unknown[] = [];
    const raw = await RawAsterisk.call(s.port);
    for (const name of ["A", "B", "C"]) {
      const line = await raw.nextLine();
      expect(line).toBe(`GET VARIABLE ${name}`);
      // Nothing else may arrive until this command is answered.
      await new Promise((r) => setTimeout(r, 30));
      expect(raw.lines).toEqual([]);
      raw.send(`200 result=1 (${name.toLowerCase()})\n`);
    }
    await raw.waitClosed();
    expect(results).toEqual(["a", "b", "c"]);
  });
});
