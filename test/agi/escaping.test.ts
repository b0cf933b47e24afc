import { afterEach, describe, expect, it } from "vitest";
import { AgiArgumentError, type AgiChannel } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall } from "../support/asterisk-emulator.js";
import { parseArgs } from "../support/parse-args.js";
import { prng, int } from "./helpers.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function serve(script: (ch: AgiChannel) => Promise<void>) {
  const s = await startAgiServer({ ura: script });
  stop = s.close;
  return s;
}

const TRICKY = [
  'José "Zé" d\'Ávila',
  "back\\slash \\\\ double",
  'trailing backslash \\',
  '\\"',
  '" EXEC Hangup "',
  "  leading and trailing spaces  ",
  "tab\tinside",
  "",
  "ação 🎧 中文 ‮rtl",
  "a,b,c|d;e",
  "${CALLERID(num)}",
];

describe("argument quoting (what Asterisk's parse_args reads back)", () => {
  it("quotes, backslashes, spaces, tabs and unicode round-trip through SET VARIABLE unchanged, one command each", async () => {
    const { port } = await serve(async (ch) => {
      for (const [i, v] of TRICKY.entries()) await ch.setVariable(`V${i}`, v);
    });
    const call = await placeCall({ port });
    expect(call.commands).toHaveLength(TRICKY.length);
    expect(call.commands.every((c) => c.reply[0] === "200 result=1")).toBe(true);
    expect(TRICKY.map((_, i) => call.variables[`V${i}`])).toEqual(TRICKY);
    expect(call.executed).toEqual([]);
  });

  it("random strings without CR/LF/NUL round-trip (seeded)", async () => {
    const rand = prng(20240611);
    const alphabet = ['"', "\\", " ", "\t", "a", "Z", "é", "(", ")", "'", "=", ",", "😀", "\u00a0", "$"];
    const values = Array.from({ length: 200 }, () =>
      Array.from({ length: int(rand, 0, 40) }, () => alphabet[int(rand, 0, alphabet.length - 1)]).join(""),
    );
    const { port } = await serve(async (ch) => {
      for (const [i, v] of values.entries()) await ch.setVariable(`R${i}`, v);
    });
    const call = await placeCall({ port });
    expect(values.map((_, i) => call.variables[`R${i}`])).toEqual(values);
  });

  it.each([
    ["LF", "a\nEXEC Hangup"],
    ["CR", "a\rEXEC Hangup"],
    ["CRLF", "a\r\nEXEC Hangup"],
    ["NUL", "a\0b"],
  ])("refuses %s with AgiArgumentError and sends nothing", async (_, value) => {
    const errors: unknown[] = [];
    const { port } = await serve(async (ch) => {
      await ch.setVariable("X", value).catch((e: unknown) => errors.push(e));
      await ch.streamFile(value).catch((e: unknown) => errors.push(e));
      await ch.exec("Dial", value).catch((e: unknown) => errors.push(e));
      await ch.verbose(value).catch((e: unknown) => errors.push(e));
      await ch.getData(value).catch((e: unknown) => errors.push(e));
      await ch.setVariable("AFTER", "still fine");
    });
    const call = await placeCall({ port });
    expect(errors).toHaveLength(5);
    expect(errors.every((e) => e instanceof AgiArgumentError)).toBe(true);
    expect(call.commands.map((c) => c.line)).toEqual(['SET VARIABLE AFTER "still fine"']);
    expect(call.executed).toEqual([]);
  });

  it("refuses variable and application names that are not plain names", async () => {
    const errors: unknown[] = [];
    const { port } = await serve(async (ch) => {
      await ch.setVariable("X Y", "v").catch((e: unknown) => errors.push(e));
      await ch.getVariable('X" EXEC Hangup "').catch((e: unknown) => errors.push(e));
      await ch.exec("Dial Hangup", "x").catch((e: unknown) => errors.push(e));
      await ch.sayDigits("12a").catch((e: unknown) => errors.push(e));
    });
    const call = await placeCall({ port });
    expect(errors).toHaveLength(4);
    expect(call.commands).toHaveLength(0);
  });

  it("EXEC with commas and spaces reaches the application as ONE argument", async () => {
    const { port } = await serve(async (ch) => {
      await ch.exec("Dial", "PJSIP/100,30,tT");
      await ch.exec("Queue", "suporte ti,t,,,300");
      await ch.exec("Playback", 'a "quoted" file,noanswer');
    });
    const call = await placeCall({ port });
    expect(call.executed).toEqual([
      { app: "Dial", args: "PJSIP/100,30,tT" },
      { app: "Queue", args: "suporte ti,t,,,300" },
      { app: "Playback", args: 'a "quoted" file,noanswer' },
    ]);
    expect(call.commands.every((c) => c.args.length === 2)).toBe(true);
  });

  it("a command of exactly 8191 bytes is sent; one byte more is refused before anything is written", async () => {
    const prefix = 'SET VARIABLE X ""';
    const fits = "é".repeat((8191 - Buffer.byteLength(prefix)) / 2);
    const errors: unknown[] = [];
    const { port } = await serve(async (ch) => {
      await ch.setVariable("X", fits);
      await ch.setVariable("Y", fits + "y").catch((e: unknown) => errors.push(e));
      await ch.setVariable("Y", "x".repeat(100_000)).catch((e: unknown) => errors.push(e));
    });
    const call = await placeCall({ port });
    expect(Buffer.byteLength(call.commands[0]!.line)).toBe(8191);
    expect(call.variables.X).toBe(fits);
    expect(call.commands).toHaveLength(1);
    expect(errors.map((e) => (e as Error).name)).toEqual(["AgiArgumentError", "AgiArgumentError"]);
  });

  it("the emulator's parse_args matches Asterisk's documented cases", () => {
    expect(parseArgs('SET VARIABLE X "a\\"b"')).toEqual(["SET", "VARIABLE", "X", 'a"b']);
    expect(parseArgs('SET VARIABLE X "a"b"')).toEqual(["SET", "VARIABLE", "X", "ab"]);
    expect(parseArgs('SET VARIABLE X "a" "b"')).toHaveLength(5);
    expect(parseArgs("VERBOSE \\n")).toEqual(["VERBOSE", "n"]);
  });
});
