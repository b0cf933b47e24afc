import mysql from "mysql2/promise";
import { afterEach, describe, expect, it } from "vitest";
import { heardDigits, SenderStandIn, StallProxy } from "../../bench/chaos-support.js";
import { SenderUnavailableError } from "../../src/domain/index.js";
import { createVenomSender } from "../../src/whatsapp/venom-sender.js";

/**
 * The pieces `npm run chaos` judges with (bench/chaos.ts runs the cases themselves, in minutes):
 * the stand-in of `ura whatsapp` answers our real venom driver, and counts a message it got even
 * when the driver stopped waiting; the relay really holds MariaDB's traffic while stalled.
 */

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("SenderStandIn (the ura whatsapp wire protocol)", () => {
  it("accepts the venom driver's message; a slow answer still counts what arrived", async () => {
    const standIn = new SenderStandIn("chaos-test-token");
    await standIn.listen();
    closers.push(() => standIn.close());
    // 2 s: the stand-in's first answer must come in time on a loaded machine (300 ms did not, session 21); 5 s is too late.
    const sender = createVenomSender({ url: `http://127.0.0.1:${standIn.port}`, token: "chaos-test-token", timeoutMs: 2000 });

    await sender.send({ phone: "+5545999991234", text: "Seu código: 123456" });
    expect(await standIn.codeFor("+5545999991234", 0, 0)).toBe("123456");

    standIn.delayMs = 5000;
    await expect(sender.send({ phone: "+5545999991234", text: "Seu código: 654321" })).rejects.toBeInstanceOf(SenderUnavailableError);
    expect(standIn.to("+5545999991234").map((m) => m.text)).toEqual(["Seu código: 123456", "Seu código: 654321"]);

    const wrong = createVenomSender({ url: `http://127.0.0.1:${standIn.port}`, token: "other", timeoutMs: 2000 });
    await expect(wrong.send({ phone: "+5545999991234", text: "x" })).rejects.toThrow(/refused this client \(401/);
  });
});

describe("StallProxy in front of MariaDB", () => {
  it("holds a query while stalled and lets it through on resume", async () => {
    const proxy = new StallProxy({ host: "127.0.0.1", port: 3306 });
    const port = await proxy.listen();
    closers.push(() => proxy.close());
    const conn = await mysql.createConnection({ host: "127.0.0.1", port, user: "root" });
    closers.push(() => conn.end());
    expect(await conn.query("SELECT 1 AS one").then(([rows]) => rows)).toEqual([{ one: 1 }]);

    proxy.stall();
    let answered = false;
    const query = conn.query("SELECT 2 AS two").then(([rows]) => ((answered = true), rows));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    proxy.resume();
    expect(await query).toEqual([{ two: 2 }]);
  });
});

describe("heardDigits", () => {
  it("finds a protocol read back digit by digit, not digits scattered over other prompts", () => {
    const heard = ["ticket-opened", "digit-1", "digit-2", "digit-3", "protocol-repeat"];
    expect(heardDigits(heard, "123")).toBe(true);
    expect(heardDigits(heard, "124")).toBe(false);
    expect(heardDigits(["digit-1", "option", "digit-2"], "12")).toBe(false);
    expect(heardDigits(["/sounds/pt-BR/digit-4", "/sounds/pt-BR/digit-2"], "42")).toBe(true);
  });

  it("reads through the pauses between a protocol's groups", () => {
    expect(heardDigits(["ticket-opened", "digit-1", "digit-0", "digit-0", "pause", "digit-4", "digit-2", "protocol-repeat"], "10042")).toBe(true);
  });
});
