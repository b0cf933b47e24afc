import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
      retryAfterSeconds: 3590,
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
    await expect(t.store.codes.issue({ userCode: b }, admin, plus(3), nextCode)).rejects.toMatchObject({ name: "RateLimitedError" });
  });

  it("holds the per-hour limit per calling number", async () => {
    const caller = "(45) 3222-1000";
    for (let i = 0; i < 3; i++) await t.store.codes.issue({ userCode: await newUser(), callerNumber: caller }, admin, plus(i), nextCode);
    await expect(t.store.codes.issue({ userCode: await newUser(), callerNumber: caller }, admin, plus(9), nextCode)).rejects.toMatchObject({
      name: "RateLimitedError",
    });
  });

  it("locks after consecutive failures; a new code does not reset the count; only a success or an admin does", async () => {
    const code = await newUser();
    const wrongFor = (right: string) => (right === "999999" ? "999998" : "999999");
    // 3 wrong on the first code, then 1 on a second: 4 failures in a row.
    let right = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, T0, () => right);
    for (let i = 0; i < 3; i++) await t.store.codes.verify({ userCode: code, code: wrongFor(right) }, admin, plus(i));
    right = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, plus(100), () => right);
    expect(await t.store.codes.verify({ userCode: code, code: wrongFor(right) }, admin, plus(101))).toEqual({ ok: false, reason: "wrong", attemptsLeft: 2 });
    // The fifth consecutive failure locks, even though this code had tries left.
    expect(await t.store.codes.verify({ userCode: code, code: wrongFor(right) }, admin, plus(102))).toEqual({ ok: false, reason: "locked", attemptsLeft: 0 });
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(103))).toEqual({ ok: false, reason: "locked", attemptsLeft: 0 });
    await expect(t.store.codes.issue({ userCode: code }, admin, plus(104), nextCode)).rejects.toMatchObject({ name: "LockedError" });
    await t.store.users.resetCodeFailures(code, admin, plus(200));
    right = nextCode();
    await t.store.codes.issue({ userCode: code }, admin, plus(3_700_000), () => right);
    expect(await t.store.codes.verify({ userCode: code, code: right }, admin, plus(3_700_001))).toEqual({ ok: true });
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
    // A sender that never answers is unavailable after the timeout.
    const stuck: MessageSender = { driver: "venom", send: () => new Promise(() => undefined) };
    await expect(t.store.codes.send(stuck, { userCode: code }, admin, T0, { timeoutMs: 50 })).rejects.toBeInstanceOf(SenderUnavailableError);
    // Undelivered codes do not count against the hourly cap.
    for (let i = 0; i < 3; i++) await t.store.codes.issue({ userCode: code }, admin, plus(10 + i), nextCode);
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
