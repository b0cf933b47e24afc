import { mkdtemp, readdir, readFile, readlink, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogSender, lastOutboxMessage } from "../../src/whatsapp/index.js";

const PHONE = "+5545999999999";

/** The files this process holds open (Linux: /proc/self/fd), as an operator's lsof would show them. */
async function openFiles(): Promise<string[]> {
  const fds = await readdir("/proc/self/fd");
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
  return targets;
}

describe("the log sender's outbox", () => {
  let dir: string;
  let outbox: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-outbox-"));
    outbox = join(dir, "data", "outbox.jsonl");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("has each code, whole, as soon as send resolves, in a file only the service's user may read", async () => {
    const sender = createLogSender(outbox);
    for (const code of ["111111", "222222", "333333"]) {
      await sender.send({ phone: PHONE, text: `código ${code}` });
      expect((await lastOutboxMessage(outbox, PHONE))?.text).toBe(`código ${code}`);
    }
    const lines = (await readFile(outbox, "utf8")).split("\n");
    expect(lines.slice(0, 3).map((l) => (JSON.parse(l) as { text: string }).text)).toEqual(["código 111111", "código 222222", "código 333333"]);
    expect(lines[3]).toBe("");
    expect((await stat(outbox)).mode & 0o777).toBe(0o600);
    sender.close();
  });

  it("made again when someone deletes it while the service runs: the next code is where ura call reads", async () => {
    const sender = createLogSender(outbox);
    await sender.send({ phone: PHONE, text: "código 111111" });
    await rm(outbox);
    await sender.send({ phone: PHONE, text: "código 222222" });
    expect(await readFile(outbox, "utf8")).toMatch(/^\{.*"código 222222"\}\n$/);
    sender.close();
  });

  it("rotated (renamed away): new codes go to a new file at the outbox's path, the old one keeps the old codes", async () => {
    const sender = createLogSender(outbox);
    await sender.send({ phone: PHONE, text: "código 111111" });
    await rename(outbox, `${outbox}.1`);
    await sender.send({ phone: PHONE, text: "código 222222" });
    expect((await lastOutboxMessage(outbox, PHONE))?.text).toBe("código 222222");
    expect(await readFile(`${outbox}.1`, "utf8")).not.toContain("222222");
    sender.close();
  });

  it("is let go of by close, and opened again by a later send", async () => {
    const sender = createLogSender(outbox);
    await sender.send({ phone: PHONE, text: "código 111111" });
    expect(await openFiles()).toContain(outbox);
    sender.close();
    expect(await openFiles()).not.toContain(outbox);
    await sender.send({ phone: PHONE, text: "código 222222" });
    expect((await lastOutboxMessage(outbox, PHONE))?.text).toBe("código 222222");
    sender.close();
    expect(await openFiles()).not.toContain(outbox);
  });
});
