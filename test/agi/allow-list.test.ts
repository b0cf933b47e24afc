import { afterEach, describe, expect, it } from "vitest";
import { startAgiServer } from "../support/agi-server.js";
import { placeCall } from "../support/asterisk-emulator.js";
import { envBlock, RawAsterisk, settled } from "./helpers.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe("peer allow-list", () => {
  it("closes a connection from a non-allowed peer at once, runs nothing, and logs it", async () => {
    let ran = false;
    const s = await startAgiServer({ ura: async () => void (ran = true) }, { allowedPeers: ["10.0.0.1"] });
    stop = s.close;
    const raw = await RawAsterisk.connect(s.port);
    raw.send(envBlock(s.port));
    await raw.waitClosed(1000);
    expect(raw.received).toBe("");
    expect(ran).toBe(false);
    const warn = s.logs.find((l) => l.msg === "AGI connection from a non-allowed address closed");
    expect(warn?.peer).toBe("127.0.0.1");
    expect(warn?.level).toBe(40);
    expect(await settled(s.server)).toEqual({ activeCalls: 0, openSockets: 0 });
  });

  it("an emulated call from a non-allowed peer gets no command at all", async () => {
    const s = await startAgiServer({ ura: async (ch) => ch.answer() }, { allowedPeers: ["10.0.0.0/8", "::ffff:10.0.0.1"] });
    stop = s.close;
    const call = await placeCall({ port: s.port });
    expect(call.commands).toEqual([]);
  });

  it("allows loopback by default and a CIDR range that contains the peer", async () => {
    const a = await startAgiServer({ ura: async (ch) => ch.setVariable("URA_RESULT", "ok") });
    const b = await startAgiServer({ ura: async (ch) => ch.setVariable("URA_RESULT", "ok") }, { allowedPeers: ["127.0.0.0/8"] });
    stop = async () => (await a.close(), await b.close());
    expect((await placeCall({ port: a.port })).variables.URA_RESULT).toBe("ok");
    expect((await placeCall({ port: b.port })).variables.URA_RESULT).toBe("ok");
  });
});
