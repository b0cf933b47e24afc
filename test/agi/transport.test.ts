import { afterEach, describe, expect, it } from "vitest";
import type { AgiChannel } from "../../src/agi/index.js";
import { HangupError } from "../../src/agi/index.js";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall } from "../support/asterisk-emulator.js";
import { ScriptedCaller } from "../support/callers.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function serve(script: (ch: AgiChannel) => Promise<void>, options = {}) {
  const s = await startAgiServer({ ura: script, "ura/status": script }, options);
  stop = s.close;
  return s;
}

describe("FastAGI transport", () => {
  it("parses the agi_* block whole: values with ':' , query parameters and arguments", async () => {
    let seen: AgiChannel["request"] | undefined;
    const { port } = await serve(async (ch) => {
      seen = ch.request;
    });
    await placeCall({ port, script: "ura/status?x=a:b&service=2", callerId: "1001", args: ["http://h:8080/", "two words"], uniqueId: "1795369750.1" });
    expect(seen).toMatchObject({
      script: "ura/status",
      params: { x: "a:b", service: "2" },
      args: ["http://h:8080/", "two words"],
      uniqueId: "1795369750.1",
      callerId: "1001",
      callerIdName: null,
    });
    expect(seen?.variables.request).toBe(`agi://127.0.0.1:${port}/ura/status?x=a:b&service=2`);
    expect(seen?.variables.accountcode).toBe("");
  });

  it("every log line of a call carries its uniqueid, the masked caller number and the script", async () => {
    const s = await serve(async (ch) => {
      ch.log.info("inside the script");
      await ch.answer();
      throw new Error("the script failed");
    });
    await placeCall({ port: s.port, script: "ura/status", callerId: "45999991234", uniqueId: "1795369750.7" });
    const ofCall = s.logs.filter((l) => l.call === "1795369750.7");
    expect(ofCall.map((l) => l.msg)).toEqual(expect.arrayContaining(["inside the script"]));
    expect(ofCall.some((l) => l.level >= 50)).toBe(true); // the failure is logged in the call's context
    for (const line of ofCall) expect(line).toMatchObject({ caller: "*******1234", script: "ura/status" });
    expect(JSON.stringify(s.logs)).not.toContain("45999991234");
  });

  it("sends a value with quotes, backslashes and spaces so Asterisk reads it back unchanged", async () => {
    const value = 'José "Zé" d\'Ávila \\ EXEC Hangup';
    const { port } = await serve(async (ch) => {
      await ch.setVariable("URA_USER", value);
    });
    const call = await placeCall({ port });
    expect(call.variables.URA_USER).toBe(value);
    expect(call.commands).toHaveLength(1);
    expect(call.executed).toEqual([]);
  });

  it("refuses a value with a newline instead of letting it inject a second command", async () => {
    let error: unknown;
    const { port } = await serve(async (ch) => {
      await ch.setVariable("X", "a\nEXEC Hangup").catch((e: unknown) => (error = e));
    });
    const call = await placeCall({ port });
    expect((error as Error).name).toBe("AgiArgumentError");
    expect(call.commands).toHaveLength(0);
    expect(call.executed).toEqual([]);
  });

  it("rejects the command in flight and every later one with HangupError when the caller hangs up", async () => {
    const errors: unknown[] = [];
    const { port, server } = await serve(async (ch) => {
      await ch.answer();
      await ch.streamFile("greeting", { escape: "1" }).catch((e: unknown) => errors.push(e));
      await ch.streamFile("menu").catch((e: unknown) => errors.push(e));
      expect(ch.hungUp).toBe(true);
      expect(ch.signal.aborted).toBe(true);
    });
    const call = await placeCall({ port, caller: new ScriptedCaller().on("greeting").hangup(500) });
    expect(errors.map((e) => (e as Error).constructor)).toEqual([HangupError, HangupError]);
    expect(call.agiStatus).toBe("HANGUP");
    expect(call.closedBy).toBe("server");
    expect(server.activeCalls).toBe(0);
  });

  it("sets URA_RESULT=error when a script throws, and the next call is served normally", async () => {
    let n = 0;
    const { port } = await serve(async (ch) => {
      n++;
      if (n === 1) throw new Error("boom");
      await ch.setVariable("URA_RESULT", "ticket");
    });
    const first = await placeCall({ port });
    const second = await placeCall({ port });
    expect(first.variables.URA_RESULT).toBe("error");
    expect(second.variables.URA_RESULT).toBe("ticket");
  });
});
