import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { randomCode, SenderRejectedError, SenderUnavailableError, type MessageSender, type OutgoingMessage } from "../../src/domain/index.js";
import { admin, DRIVERS, dumpAll, openTestDb, type TestDb } from "../support/databases.js";

const T0 = new Date("2025-06-02T12:00:00.000Z");
const plus = (ms: number) => new Date(T0.getTime() + ms);

function fakeSender(): MessageSender & { sent: OutgoingMessage[]; fail?: Error } {
  const s: MessageSender & { sent: OutgoingMessage[]; fail?: Error } = {
    driver: "log",
    sent: [],
    async send(message) {
      if (s.fail) throw s.fail;
      s.sent.push(message);
      return { id: String(s.sent.length) };
    },
  };
  return s;
}

describe.each(DRIVERS)("one-time codes on %s", (driver) => {
  let t: TestDb;
  let seq = 0;
  // Codes the tests can predict, different every time.
  const nextCode = () => String(314159 + ++seq * 7919).slice(-6);
  let user = 0;
  const newUser = async (phone?: string) => {
    user += 1;
    phone ??= `+55459${String(80000000 + user).padStart(8, "0")}`;
    const code = String(5000 + user);
    await t.store.users.create({ code, name: `Pessoa ${user}`, phone }, admin, T0);
    return code;
  };

  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename, { OTP_MAX_ATTEMPTS: "3", OTP_MAX_FAILURES: "5", OTP_MAX_PER_HOUR: "3", OTP_TTL_SECONDS: "300" });
  });
  afterAll(async () => t?.cleanup());

  it("makes six random digits", () => {
    const codes = new Set(Array.from({ length: 200 }, () => randomCode()));
    for (const c of codes) expect(c).toMatch(/^\d{6}$/);
    expect(codes.size).toBeGreaterThan(190);
  });

  it("sends the code in pt-BR and accepts the right code exactly once", async () => {
    const code = await newUser();
    const sender = fakeSender();
    const typed = nextCode();
    const sent = await t.store.codes.send(sender, { userCode: code, callId: "c1" }, admin, T0, { generate: () => typed, timeoutMs: 1000 });
    expect(sent.expiresAt.toISOString()).toBe(plus(300_000).toISOString());
    expect(sent.phoneMasked).toMatch(/^\+55\*+\d{4}$/);
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0]!.text).toBe(`Seu código de acesso ao suporte de TI é ${typed}. Ele vale por 5 minutos.`);
    expect(await t.store.codes.verify({ userCode: code, code: typed }, admin, plus(10_000))).toEqual({ ok: true });
    expect(await t.store.codes.verify({ userCode: code, code: typed }, admin, plus(11_000))).toEqual({ ok: false, reason: "none", attemptsLeft: 0 });
  });

  it("a new code voids the one before it: once the new one is used, the old one is not let in", async () => {
    const code = await newUser();
    const [first, second, third] = [nextCode(), nextCode(), nextCode()];
    await t.store.codes.issue({ userCode: code }, admin, T0, () => first);
    await t.store.codes.issue({ userCode: code }, admin, plus(1000), () => second);
    expect(await t.store.codes.verify({ userCode: code, code: second }, admin, plus(2000))).toEqual({ ok: true });
    expect(await t.store.codes.verify({ userCode: code, code: first }, admin, plus(3000))).toEqual({ ok: false, reason: "none", attemptsLeft: 0 });
    // After a used code there is nothing to void: the next one is issued and let in as usual.
    await t.store.codes.issue({ userCode: code }, admin, plus(4000), () => third);
    expect(await t.store.codes.verify({ userCode: code, code: third }, admin, plus(5000))).toEqual({ ok: true });
  });

  it("counts down tries on a wrong code and burns the code at zero", async () => {
    const code = await newUser();
    const right = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, T0, () => right);
    const wrong = right === "000000" ? "111111" : "000000";
    expect(await t.store.codes.verify({ userCode: code, code: wrong }, admin, plus(1000))).toEqual({ ok: false, reason: "wrong", attemptsLeft: 2 });
    expect(await t.store.codes.verify({ userCode: code, code: wrong }, admin, plus(2000))).toEqual({ ok: false, reason: "wrong", attemptsLeft: 1 });
    expect(await t.store.codes.verify({ userCode: code, code: wrong }, admin, plus(3000))).toEqual({ ok: false, reason: "wrong", attemptsLeft: 0 });
    // Even the right code is no good now.
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(4000))).toEqual({ ok: false, reason: "none", attemptsLeft: 0 });
  });

  it("rejects an expired code", async () => {
    const code = await newUser();
    const right = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, T0, () => right);
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(300_000))).toEqual({ ok: false, reason: "expired", attemptsLeft: 0 });
  });

  it("keeps only the newest code valid", async () => {
    const code = await newUser();
    const first = nextCode();
    const second = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, T0, () => first);
    await t.store.codes.issue({ userCode: code }, admin, plus(1000), () => second);
    expect((await t.store.codes.verify({ userCode: code, code: first }, admin, plus(2000))).ok).toBe(false);
    expect(await t.store.codes.verify({ userCode: code, code: second }, admin, plus(3000))).toEqual({ ok: true });
  });

  it("holds the per-hour limit per user, and frees it an hour later", async () => {
    const code = await newUser();
    for (let i = 0; i < 3; i++) await t.store.codes.issue({ userCode: code }, admin, plus(i * 1000), nextCode);
    await expect(t.store.codes.issue({ userCode: code }, admin, plus(10_000), nextCode)).rejects.toMatchObject({
      name: "RateLimitedError",
      until: plus(3_600_000),
      scope: "user",
    });
    await expect(t.store.codes.issue({ userCode: code }, admin, plus(3_600_001), nextCode)).resolves.toMatchObject({ code: expect.any(String) });
  });

  it("holds the per-hour limit per phone number, across users sharing it", async () => {
    const shared = "+5545988887777";
    const a = await newUser(shared);
    const b = await newUser(shared);
    await t.store.codes.issue({ userCode: a }, admin, T0, nextCode);
    await t.store.codes.issue({ userCode: a }, admin, plus(1), nextCode);
    await t.store.codes.issue({ userCode: b }, admin, plus(2), nextCode);
    // The mobile's cap is told as the user's record's (the codes went to the mobile registered there).
    await expect(t.store.codes.issue({ userCode: b }, admin, plus(3), nextCode)).rejects.toMatchObject({ name: "RateLimitedError", scope: "user" });
  });

  it("holds the per-hour limit per calling number", async () => {
    const caller = "(45) 3222-1000";
    for (let i = 0; i < 3; i++) await t.store.codes.issue({ userCode: await newUser(), callerNumber: caller }, admin, plus(i), nextCode);
    await expect(t.store.codes.issue({ userCode: await newUser(), callerNumber: caller }, admin, plus(9), nextCode)).rejects.toMatchObject({
      name: "RateLimitedError",
      scope: "caller",
    });
  });

  // Issue 13 "Lockout" / issue 14 item 4: wrong codes count against the number that asked for them,
  // and the cool-down ends by itself. Policy here: 5 failures, 3 tries a code, 30-minute window.
  const wrongFor = (right: string) => (right === "999999" ? "999998" : "999999");
  /** Asks for a code from `caller` (null: with no calling number) and types it wrong `times` times. */
  const failFrom = async (userCode: string, caller: string | null, times: number, at: number) => {
    const right = nextCode();
    await t.store.codes.issue({ userCode, ...(caller === null ? {} : { callerNumber: caller }) }, admin, plus(at), () => right);
    const results = [];
    for (let i = 0; i < times; i++) results.push(await t.store.codes.verify({ userCode, code: wrongFor(right) }, admin, plus(at + 1 + i)));
    return results;
  };

  it("without a calling number the user's codes cool down, and the lockout says so (scope user)", async () => {
    const user = await newUser();
    // 3 wrong on a first code (it is spent), then 2 on a second: the fifth cools the user's codes down.
    await failFrom(user, null, 3, 0);
    const results = await failFrom(user, null, 2, 1000);
    expect(results.at(-1)).toMatchObject({ ok: false, reason: "locked", scope: "user" });
    await expect(t.store.codes.issue({ userCode: user }, admin, plus(60_000), nextCode)).rejects.toMatchObject({ name: "LockedError", scope: "user" });
  });

  it("someone who knows a colleague's code cannot lock the colleague out from their own phone", async () => {
    const colleague = await newUser();
    const intruderPhone = "(45) 3222-7001";
    // 3 wrong on a first code, then 2 on a second: the fifth cools the intruder's number down.
    await failFrom(colleague, intruderPhone, 3, 0);
    const second = await failFrom(colleague, intruderPhone, 2, 60_000);
    // It ends 30 minutes after the oldest of the five (the first wrong try, at T0 + 1 ms).
    const until = new Date(plus(1).getTime() + 30 * 60_000);
    expect(second).toEqual([
      { ok: false, reason: "wrong", attemptsLeft: 2 },
      { ok: false, reason: "locked", attemptsLeft: 0, until: until.toISOString(), scope: "caller" },
    ]);
    await expect(t.store.codes.issue({ userCode: colleague, callerNumber: intruderPhone }, admin, plus(120_000), nextCode)).rejects.toMatchObject({
      name: "LockedError",
      until,
      scope: "caller",
    });
    // The colleague, calling from their own extension, gets a code and is let in.
    const right = nextCode();
    await t.store.codes.issue({ userCode: colleague, callerNumber: "(45) 3222-7002" }, admin, plus(130_000), () => right);
    expect(await t.store.codes.verify({ userCode: colleague, code: right }, admin, plus(131_000))).toEqual({ ok: true });
  });

  it("ends the cool-down by itself, without an admin", async () => {
    const code = await newUser();
    const phone = "(45) 3222-7011";
    await failFrom(code, phone, 3, 0);
    expect((await failFrom(code, phone, 2, 1000)).at(-1)).toMatchObject({ reason: "locked" });
    await expect(t.store.codes.issue({ userCode: code, callerNumber: phone }, admin, plus(30 * 60_000), nextCode)).rejects.toMatchObject({ name: "LockedError" });
    // Just after the oldest counted failure leaves the 30-minute window, the number may try again.
    const right = nextCode();
    await t.store.codes.issue({ userCode: code, callerNumber: phone }, admin, plus(30 * 60_000 + 2), () => right);
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(30 * 60_000 + 3))).toEqual({ ok: true });
  });

  it("a new code does not reset the count; a right code from that number does", async () => {
    const code = await newUser();
    const phone = "(45) 3222-7021";
    await failFrom(code, phone, 3, 0);
    // A new code: the count goes on (4), and the right code on it clears it.
    const right = nextCode();
    await t.store.codes.issue({ userCode: code, callerNumber: phone }, admin, plus(1000), () => right);
    expect(await t.store.codes.verify({ userCode: code, code: wrongFor(right) }, admin, plus(1001))).toEqual({ ok: false, reason: "wrong", attemptsLeft: 2 });
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(1002))).toEqual({ ok: true });
    // Had it not, this would be the fifth.
    expect(await failFrom(code, phone, 1, 3000)).toEqual([{ ok: false, reason: "wrong", attemptsLeft: 2 }]);
  });

  it("without a calling number, a right code forgives the user's wrong codes too", async () => {
    const code = await newUser();
    await failFrom(code, null, 3, 0);
    const right = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, plus(1000), () => right);
    expect(await t.store.codes.verify({ userCode: code, code: wrongFor(right) }, admin, plus(1001))).toEqual({ ok: false, reason: "wrong", attemptsLeft: 2 });
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(1002))).toEqual({ ok: true });
    // Had it not, this would be the fifth.
    expect(await failFrom(code, null, 1, 3000)).toEqual([{ ok: false, reason: "wrong", attemptsLeft: 2 }]);
  });

  it("tells admins which users of a page are cooling down, in one query for the page", async () => {
    const shared = "(45) 3222-7049";
    const [a, b, c, d] = [await newUser(), await newUser(), await newUser(), await newUser()];
    // B once from the shared number, then A four times from it: the number's fifth failure cools it
    // down, for A and for B (it asked for B's codes too).
    await failFrom(b, shared, 1, 0);
    await failFrom(a, shared, 3, 1000);
    expect((await failFrom(a, shared, 1, 2000)).at(-1)).toMatchObject({ reason: "locked" });
    // C twice wrong from a client without a calling number: under the limit.
    const right = nextCode();
    await t.store.codes.issue({ userCode: c }, admin, plus(3000), () => right);
    for (let i = 0; i < 2; i++) await t.store.codes.verify({ userCode: c, code: wrongFor(right) }, admin, plus(3001 + i));
    const ids = await Promise.all([a, b, c, d].map(async (code) => (await t.store.users.byCode(code))!.id));

    const queries = vi.spyOn(t.store.db, "all");
    const cooling = await t.store.codes.coolingDownFor(ids, plus(5000));
    expect(queries).toHaveBeenCalledTimes(1);
    queries.mockRestore();
    const until = new Date(plus(1).getTime() + 30 * 60_000);
    expect(cooling).toEqual(
      new Map([
        [ids[0], until],
        [ids[1], until],
      ]),
    );
    // The same answer one user at a time.
    for (const id of ids) expect((await t.store.codes.coolingDownFor([id], plus(5000))).get(id)).toEqual(cooling.get(id));
  });

  it("an admin's otp-reset ends a cool-down at once", async () => {
    const code = await newUser();
    const phone = "(45) 3222-7022";
    await failFrom(code, phone, 3, 0);
    expect((await failFrom(code, phone, 2, 1000)).at(-1)).toMatchObject({ reason: "locked" });
    const user = await t.store.users.byCode(code);
    expect(await t.store.codes.coolingDownFor([user!.id], plus(5000))).toEqual(new Map([[user!.id, new Date(plus(1).getTime() + 30 * 60_000)]]));
    await t.store.users.resetCodeFailures(code, admin, plus(5000));
    expect(await t.store.codes.coolingDownFor([user!.id], plus(5001))).toEqual(new Map());
    const right = nextCode();
    await t.store.codes.issue({ userCode: code, callerNumber: phone }, admin, plus(5002), () => right);
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(5003))).toEqual({ ok: true });
  });

  it("without a calling number, the failures count for the user on that channel only", async () => {
    const code = await newUser();
    await failFrom(code, null, 3, 0);
    expect((await failFrom(code, null, 2, 100)).at(-1)).toMatchObject({ reason: "locked", until: expect.any(String) });
    await expect(t.store.codes.issue({ userCode: code }, admin, plus(104), nextCode)).rejects.toMatchObject({ name: "LockedError" });
    // The user's own phone is not cooled down by what an anonymous client did.
    const right = nextCode();
    await t.store.codes.issue({ userCode: code, callerNumber: "(45) 3222-7031" }, admin, plus(200), () => right);
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(201))).toEqual({ ok: true });
  });

  it("a success resets the failure count", async () => {
    const code = await newUser();
    let right = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, T0, () => right);
    await t.store.codes.verify({ userCode: code, code: "000001" === right ? "000002" : "000001" }, admin, plus(1));
    await t.store.codes.verify({ userCode: code, code: right }, admin, plus(2));
    expect((await t.store.users.byCode(code))?.otpFailures).toBe(0);
    right = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, plus(3), () => right);
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(4))).toEqual({ ok: true });
  });

  it("voids an undelivered code and reports the sender's error", async () => {
    const code = await newUser();
    const sender = fakeSender();
    const typed = nextCode();
    sender.fail = new SenderUnavailableError("session not linked");
    await expect(t.store.codes.send(sender, { userCode: code }, admin, T0, { generate: () => typed, timeoutMs: 500 })).rejects.toBeInstanceOf(SenderUnavailableError);
    expect(await t.store.codes.verify({ userCode: code, code: typed }, admin, plus(1))).toMatchObject({ ok: false, reason: "none" });
    sender.fail = new SenderRejectedError("not_on_whatsapp", "no WhatsApp");
    await expect(t.store.codes.send(sender, { userCode: code }, admin, T0, { timeoutMs: 500 })).rejects.toBeInstanceOf(SenderRejectedError);
    // Codes the sender refused do not count against the hourly cap.
    for (let i = 0; i < 3; i++) await t.store.codes.issue({ userCode: code }, admin, plus(10 + i), nextCode);
  });

  it("a code the sender did not answer for in time counts against the cap and stays valid (issue 14 item 7)", async () => {
    const code = await newUser();
    const typed = nextCode();
    const handed: OutgoingMessage[] = [];
    // A sender that never answers is unavailable after the timeout, but may have taken the message.
    const stuck: MessageSender = { driver: "venom", send: (m) => (handed.push(m), new Promise(() => undefined)) };
    await expect(t.store.codes.send(stuck, { userCode: code }, admin, T0, { generate: () => typed, timeoutMs: 50 })).rejects.toMatchObject({
      name: "SenderUnavailableError",
      maybeSent: true,
    });
    expect(handed[0]!.id).toMatch(/^otp-\d+-/);
    for (let i = 0; i < 2; i++) await t.store.codes.issue({ userCode: code }, admin, plus(10 + i), nextCode);
    await expect(t.store.codes.issue({ userCode: code }, admin, plus(20), nextCode)).rejects.toMatchObject({ name: "RateLimitedError" });
  });

  it("a late code verifies while it is the newest", async () => {
    const code = await newUser();
    const typed = nextCode();
    const stuck: MessageSender = { driver: "venom", send: () => new Promise(() => undefined) };
    await expect(t.store.codes.send(stuck, { userCode: code }, admin, T0, { generate: () => typed, timeoutMs: 50 })).rejects.toBeInstanceOf(SenderUnavailableError);
    expect(await t.store.codes.verify({ userCode: code, code: typed }, admin, plus(5000))).toEqual({ ok: true });
  });

  it("refuses unknown users and users without a mobile", async () => {
    await expect(t.store.codes.issue({ userCode: "424242" }, admin, T0, nextCode)).rejects.toMatchObject({ code: "unknown_user" });
    await t.store.users.create({ code: "7770", name: "Sem Celular" }, admin, T0);
    await expect(t.store.codes.issue({ userCode: "7770" }, admin, T0, nextCode)).rejects.toMatchObject({ name: "NoPhoneError" });
  });

  it("never holds a code in clear", async () => {
    const code = await newUser();
    const typed = "271828";
    await t.store.codes.issue({ userCode: code }, admin, plus(7_300_000), () => typed);
    const dump = await dumpAll(t.store);
    expect(dump).not.toContain(typed);
    const row = await t.store.db.get<{ code_hash: string }>("SELECT code_hash FROM otp_codes ORDER BY id DESC LIMIT 1");
    expect(row!.code_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
