import { describe, expect, it } from "vitest";
import { AmiArgumentError, AmiParser, AmiProtocolError, extensionOf, formatAction, toQueueEvent, type AmiMessage } from "../../src/ami/index.js";

function parseAll(text: string, chunkSize: number): { banner: string | null; messages: AmiMessage[] } {
  let banner: string | null = null;
  const messages: AmiMessage[] = [];
  const parser = new AmiParser(
    (v) => (banner = v),
    (m) => messages.push(m),
  );
  for (let i = 0; i < text.length; i += chunkSize) parser.push(text.slice(i, i + chunkSize));
  return { banner, messages };
}

const stream =
  "Asterisk Call Manager/7.0.3\r\n" +
  "Response: Success\r\nActionID: ura-1\r\nMessage: Authentication accepted\r\n\r\n" +
  "Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n" +
  "Event: AgentCalled\r\nPrivilege: agent,all\r\nCallerIDName: Ana Souza · 1234\r\nUniqueid: 1733050000.12\r\nInterface: PJSIP/101\r\nConnectedLineName: a: b\r\n\r\n";

describe("AMI wire format", () => {
  it.each([1, 2, 7, 64, stream.length])("reads the banner and every message whatever the TCP chunking (%i bytes)", (size) => {
    const { banner, messages } = parseAll(stream, size);
    expect(banner).toBe("7.0.3");
    expect(messages.map((m) => m.Event ?? m.Response)).toEqual(["Success", "FullyBooted", "AgentCalled"]);
    expect(messages[2]).toMatchObject({ CallerIDName: "Ana Souza · 1234", Interface: "PJSIP/101", ConnectedLineName: "a: b" });
  });

  it("accepts bare LF line ends", () => {
    const { messages } = parseAll(stream.replaceAll("\r\n", "\n"), 5);
    expect(messages).toHaveLength(3);
  });

  it("refuses a peer that is not an Asterisk manager port", () => {
    const parser = new AmiParser(
      () => undefined,
      () => undefined,
    );
    expect(() => parser.push("HTTP/1.1 400 Bad Request\r\n")).toThrow(AmiProtocolError);
  });

  it("refuses an endless message instead of buffering it", () => {
    const parser = new AmiParser(
      () => undefined,
      () => undefined,
    );
    parser.push("Asterisk Call Manager/7.0.3\r\n");
    expect(() => {
      for (let i = 0; i < 5000; i++) parser.push(`Variable${i}: ${"x".repeat(20)}\r\n`);
    }).toThrow(AmiProtocolError);
  });

  it("writes an action as Asterisk reads it, and never lets a value start a new header", () => {
    expect(formatAction("Login", { Username: "ura", Secret: "s", Events: "on", ActionID: "ura-1" })).toBe(
      "Action: Login\r\nUsername: ura\r\nSecret: s\r\nEvents: on\r\nActionID: ura-1\r\n\r\n",
    );
    expect(() => formatAction("Login", { Username: "ura\r\nAction: Originate" })).toThrow(AmiArgumentError);
    expect(() => formatAction("Login", { "Bad Header": "x" })).toThrow(AmiArgumentError);
  });
});

describe("queue events", () => {
  it.each([
    ["PJSIP/101", "101"],
    ["SIP/2040", "2040"],
    ["Local/101@from-queue/n", "101"],
    ["PJSIP/101-0000001f", "101"],
    ["PJSIP/trunk-operadora-00000012", null],
    ["", null],
  ])("finds the extension behind %j", (device, extension) => {
    expect(extensionOf(device)).toBe(extension);
  });

  it("reads AgentCalled, AgentConnect and QueueCallerAbandon as ringing, answered and abandoned", () => {
    const at = new Date("2025-06-02T13:00:00Z");
    const base = { Uniqueid: "1733050000.12", Linkedid: "1733050000.10", Queue: "400", CallerIDNum: "<unknown>" };
    expect(toQueueEvent({ Event: "AgentCalled", ...base, Interface: "Local/101@from-queue/n", MemberName: "Bruno" }, at)).toEqual({
      kind: "ringing",
      call: { uniqueId: "1733050000.12", linkedId: "1733050000.10", queue: "400", callerNumber: null },
      member: { interface: "Local/101@from-queue/n", memberName: "Bruno", extension: "101" },
      at,
    });
    expect(toQueueEvent({ Event: "AgentConnect", ...base, Interface: "PJSIP/102", HoldTime: "12", RingTime: "4" }, at)).toMatchObject({
      kind: "answered",
      member: { extension: "102" },
      holdSeconds: 12,
      ringSeconds: 4,
    });
    expect(toQueueEvent({ Event: "QueueCallerAbandon", ...base, Position: "2", HoldTime: "33" }, at)).toMatchObject({ kind: "abandoned", position: 2, holdSeconds: 33 });
    expect(toQueueEvent({ Event: "Newexten", ...base }, at)).toBeNull();
  });
});
