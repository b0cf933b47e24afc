import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callId as apiCallId } from "../../src/api/contract.js";
import { callerNumber, callIdFor, type AgiRequest } from "../../src/agi/index.js";
import { question, ScriptedCaller } from "../support/callers.js";
import { dial, realBackend, startIvr, type Backend, type IvrUnderTest } from "../support/scenario.js";
import { startAgiServer } from "../support/agi-server.js";
import { prng, RawAsterisk } from "./helpers.js";

/**
 * Issue 14 item 13, the transport's share: whatever agi_uniqueid and agi_callerid Asterisk sends,
 * the request carries a call id the API takes and a caller number in a bounded form, and keeps the
 * originals in `variables`. Shown over a socket, and end to end through the emulator and the real
 * API (SQLite and MariaDB): the caller reaches the one-time code and the ticket.
 */

const ODD_IDS = ['1718000000.1"', "1718000000.1 x", "", "7".repeat(100), "ção.1", "a\tb", "ura:0123"];

describe("callIdFor: a call id the API takes, for any agi_uniqueid", () => {
  it("keeps Asterisk's own ids, derives the rest, and every result passes the API's callId", () => {
    for (const id of ["1718000000.42", "pbx-01-1718000000.42", "a:b_c-d.e", "x".repeat(64)]) expect(callIdFor(id)).toBe(id);
    for (const id of ODD_IDS) {
      const safe = callIdFor(id);
      expect(safe).toMatch(/^ura:[0-9a-f]{32}$/);
      expect(apiCallId.safeParse(safe).success).toBe(true);
    }
  });

  it("is stable for one id (the step scripts of a call agree) and random for an empty one", () => {
    expect(callIdFor('a"b')).toBe(callIdFor('a"b'));
    expect(callIdFor("")).not.toBe(callIdFor(""));
  });

  it("never maps two different ids to one: 20,000 odd ids, and derived ids fed back in", () => {
    const rand = prng(1314);
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const length = 1 + Math.floor(rand() * 120);
      const original = Array.from({ length }, () => String.fromCharCode(32 + Math.floor(rand() * 95))).join("");
      const safe = callIdFor(original);
      const before = seen.get(safe);
      if (before !== undefined && before !== original) clashes.push(original);
      seen.set(safe, original);
      // An id that merely looks like a derived one is derived again: it cannot take another call's id.
      if (safe !== original) expect(callIdFor(safe)).not.toBe(safe);
    }
    expect(clashes).toEqual([]);
  });
});

describe("callerNumber: digits and a leading +, bounded", () => {
  it("normalises what Asterisk may send, and refuses what identifies no one", () => {
    expect(callerNumber("1001")).toBe("1001");
    expect(callerNumber("+55 (45) 99999-1234")).toBe("+5545999991234");
    expect(callerNumber(" 045 3025-1234 ")).toBe("04530251234");
    expect(callerNumber("(45) 3025-1234")).toBe("4530251234");
    expect(callerNumber(`5545999991234;${"tgrp=trunk9".repeat(4)}`)).toBe("5545999991234");
    expect(callerNumber("4530251234 <sip:4530251234@trunk-provider.example.com;user=phone>")).toBe("4530251234");
    expect(callerNumber("tel:+5545999991234")).toBe("+5545999991234");
    expect(callerNumber("unknown")).toBeNull();
    expect(callerNumber("anonymous")).toBeNull();
    expect(callerNumber("")).toBeNull();
    expect(callerNumber(undefined)).toBeNull();
    // Cutting a long number could make it someone else's: it is no number at all.
    expect(callerNumber("1".repeat(21))).toBeNull();
    expect(callerNumber("1".repeat(20))).toBe("1".repeat(20));
  });
});

describe("the request a script gets, over a socket", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it("carries the safe call id and caller number, and the originals in variables", async () => {
    const seen: AgiRequest[] = [];
    const s = await startAgiServer({ ura: async (ch) => void seen.push(ch.request) });
    stop = s.close;
    const long = `+55 45 99999-1234 <sip:trunk-provider.example.com;user=phone>`;
    for (const [uniqueid, callerid] of [
      ['1718000000.1"', long],
      ["", "anonymous"],
    ] as const) {
      const raw = await RawAsterisk.call(s.port, { agi_uniqueid: uniqueid, agi_callerid: callerid });
      await raw.waitClosed();
    }
    expect(seen.map((r) => [r.variables.uniqueid, r.variables.callerid, r.callerId])).toEqual([
      ['1718000000.1"', long, "+5545999991234"],
      ["", "anonymous", null],
    ]);
    for (const r of seen) expect(r.uniqueId).toMatch(/^ura:[0-9a-f]{32}$/);
    expect(s.logs.filter((l) => l.msg === "agi_uniqueid is not usable as a call id, a derived id is used").map((l) => l.uniqueid)).toEqual(['1718000000.1"', ""]);
  });
});

/** Through the emulator and the real API: odd ids reach the one-time code, the ticket and the call record. */
function endToEnd(driver: "sqlite" | "mysql") {
  let backend: Backend;
  let ivr: IvrUnderTest;
  beforeAll(async () => {
    backend = await realBackend(driver, { database: `ura_agi_ids_${process.pid}` });
    ivr = await startIvr({ api: backend.api, clock: () => backend.clock(), settings: { IVR_API_BUDGET_MS: String(backend.budgetMs) } });
  });
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });

  const ticketCall = () =>
    new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press("1234#")
      .on("ask-otp").press(async () => `${await backend.lastCode("1234")}#`)
      .on("service-menu").press("2")
      .on(question("sub-menu")).press("2")
      .on("protocol-repeat").press("2");

  it.each([
    ["a quote", '1718000000.77"'],
    ["a space", "1718000000.77 b"],
    ["nothing", ""],
    ["100 characters", "8".repeat(100)],
  ])("an agi_uniqueid with %s: one-time code, ticket and call record as for any call", async (_, uniqueId) => {
    const call = await dial(ivr, { caller: ticketCall(), uniqueId, callerId: "unknown" });
    expect(call.heard).toContain("otp-sent");
    expect(call.heard).not.toContain("system-unavailable");
    expect(call.variables.URA_RESULT).toBe("ticket");
    const started = ivr.logs.filter((l) => l.msg === "call started").at(-1);
    const id = String(started?.call);
    if (uniqueId !== "") expect(id).toBe(callIdFor(uniqueId));
    expect(await backend.callRecord(id)).toMatchObject({ outcome: "ticket", ticketProtocol: call.variables.URA_TICKET });
  });

  it("an agi_callerid over 32 characters: the call goes on, the record keeps the number's digits", async () => {
    const callerId = "4530251234 <sip:4530251234@trunk-provider.example.com;user=phone>";
    const call = await dial(ivr, { caller: ticketCall(), callerId });
    expect(call.heard).toContain("otp-sent");
    expect(call.variables.URA_RESULT).toBe("ticket");
    expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "ticket", callerNumber: "4530251234" });
  });
}

describe("odd ids end to end on SQLite", () => endToEnd("sqlite"));
describe("odd ids end to end on MariaDB", () => endToEnd("mysql"));
