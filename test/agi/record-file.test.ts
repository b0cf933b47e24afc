import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { AgiChannel, RecordResult } from "../../src/agi/index.js";
import { HangupError, RecordingError } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall, type CallerAction } from "../support/asterisk-emulator.js";
import { RawAsterisk } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ura-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** One call whose script records once (then plays a prompt, to show the call goes on), the caller doing `action` at the RECORD FILE. */
async function recordOnce(file: string, action: CallerAction, options: Partial<Parameters<AgiChannel["recordFile"]>[1]> = {}) {
  let result: RecordResult | undefined;
  let error: unknown;
  let after: unknown;
  const s = await startAgiServer({
    ura: async (ch) => {
      try {
        result = await ch.recordFile(file, { format: "wav", escape: "#", maxMs: 60_000, beep: true, silenceSeconds: 4, ...options });
      } catch (err) {
        error = err;
      }
      after = await ch.streamFile("goodbye").catch((err: unknown) => err);
    },
  });
  stop = s.close;
  const call = await placeCall({ port: s.port, caller: { react: (e) => (e.command === "RECORD FILE" ? action : { kind: "listen" }) } });
  return { result, error, after, call };
}

/** A WAV file's audio length in ms (8 kHz, 16-bit mono after a 44-byte header). */
const wavMs = (path: string) => (statSync(path).size - 44) / 16;

describe("RECORD FILE", () => {
  it("sends Asterisk's syntax (file, format, escape keys, time-out, BEEP, s=silence) and reads `(dtmf)`: the caller talked, then pressed #", async () => {
    const file = join(dir, "dtmf");
    const { result, error, after, call } = await recordOnce(file, { kind: "speak", ms: 5000, then: "#" });
    expect(error).toBeUndefined();
    expect(call.commands[0]!.line).toBe(`RECORD FILE "${file}" wav "#" 60000 BEEP s=4`);
    // Asterisk cuts the last 200 ms (the key's tone).
    expect(result).toEqual({ endedBy: "key", key: "#", endpos: 4800 * 8 });
    const wav = readFileSync(`${file}.wav`);
    expect(wav.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect(wavMs(`${file}.wav`)).toBe(4800);
    expect(after).toMatchObject({ key: null }); // the call goes on
  });

  it("silence ends it: `(timeout)` whatever the result number says (Asterisk sends its last wait's ms there), 1 s of the silence kept", async () => {
    const file = join(dir, "silence");
    const { result, call } = await recordOnce(file, { kind: "speak", ms: 3000, then: "silence" });
    expect(call.commands[0]!.reply[0]).toMatch(/^200 result=[1-9]\d* \(timeout\) endpos=32000$/);
    expect(result).toEqual({ endedBy: "timeout", key: null, endpos: 4000 * 8 });
    expect(wavMs(`${file}.wav`)).toBe(4000);
  });

  it("the longest length ends it (`result=0 (timeout)`), and without s= silence does not", async () => {
    const file = join(dir, "long");
    const { result, call } = await recordOnce(file, { kind: "speak", ms: 9000, then: "#" }, { maxMs: 5000, beep: false, silenceSeconds: undefined });
    expect(call.commands[0]!.line).toBe(`RECORD FILE "${file}" wav "#" 5000`);
    expect(result).toEqual({ endedBy: "timeout", key: null, endpos: 5000 * 8 });
    expect(wavMs(`${file}.wav`)).toBe(5000);
  });

  it("a hang-up while recording (`-1 (hangup)`) is a HangupError; the partly written file stays for the script to remove", async () => {
    const file = join(dir, "hangup");
    const { error, after, call } = await recordOnce(file, { kind: "speak", ms: 2000, then: "hangup" });
    expect(error).toBeInstanceOf(HangupError);
    expect(after).toBeInstanceOf(HangupError);
    expect(call.agiStatus).toBe("HANGUP");
    expect(call.commands).toHaveLength(1);
    expect(wavMs(`${file}.wav`)).toBe(2000);
  });

  it("a file Asterisk cannot write (`-1 (writefile)`) is a RecordingError, and the call goes on", async () => {
    const file = join(dir, "no-such-dir", "x");
    const { error, after, call } = await recordOnce(file, { kind: "speak", ms: 2000, then: "#" });
    expect(error).toBeInstanceOf(RecordingError);
    expect((error as RecordingError).reason).toBe("writefile");
    expect(after).toMatchObject({ key: null });
    expect(call.agiStatus).toBe("SUCCESS");
  });

  it("reads Asterisk's exact lines: a key during the beep (`randomerror`), a hang-up followed by HANGUP", async () => {
    const results: unknown[] = [];
    const s = await startAgiServer({
      ura: async (ch) => {
        for (let i = 0; i < 2; i++) results.push(await ch.recordFile("/tmp/x", { format: "wav", maxMs: 1000, beep: true }).catch((e: unknown) => e));
      },
    });
    stop = s.close;
    const raw = await RawAsterisk.call(s.port);
    expect(await raw.nextLine()).toBe('RECORD FILE "/tmp/x" wav "#" 1000 BEEP');
    raw.send("200 result=35 (randomerror) endpos=0\n");
    expect(await raw.nextLine()).toBe('RECORD FILE "/tmp/x" wav "#" 1000 BEEP');
    raw.send("200 result=-1 (hangup) endpos=12345\nHANGUP\n");
    await raw.waitClosed();
    expect(results[0]).toEqual({ endedBy: "key", key: "#", endpos: 0 });
    expect(results[1]).toBeInstanceOf(HangupError);
  });
});
