import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { backup, restore } from "../../src/cli/commands/backup.js";
import { testSettings } from "../../src/config/index.js";
import { openStore, systemActor } from "../../src/domain/index.js";

const ctxFor = (settings: ReturnType<typeof testSettings>) => {
  let out = "";
  const stdout = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
  return { ctx: { settings, stdout, stderr: stdout, stdin: process.stdin, logger: pino({ level: "silent" }) }, out: () => out };
};

describe("ura backup and ura restore (SQLite)", () => {
  it("round trip: a backup taken while the database is open brings back the users and tickets after they were lost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-backup-"));
    const settings = testSettings({ DATA_DIR: dir, OTP_SECRET: "backup-test-otp-secret-0123456789abcdef" });
    const now = new Date("2026-12-01T12:00:00Z");
    const store = await openStore(settings, { migrate: true });
    await store.users.create({ code: "1234", name: "Maria Souza", phone: "+5545999991234", extensions: [] }, systemActor, now);
    const { ticket } = await store.tickets.open({ userCode: "1234", serviceId: 101, source: "web" }, systemActor, now);
    // Online: the store is still open (and has written through its WAL) when the copy is taken.
    const file = join(dir, "copy.sqlite");
    const { ctx } = ctxFor(settings);
    expect(await backup.run([file], ctx)).toBe(0);
    // Then something goes wrong: the user is gone.
    await store.db.run("DELETE FROM tickets");
    await store.close();

    expect(await restore.run([file], ctx)).toBe(0);
    const back = await openStore(settings, { migrate: true });
    try {
      expect((await back.users.list({ limit: 10, offset: 0 })).users.map((u) => u.name)).toEqual(["Maria Souza"]);
      expect(await back.tickets.forRequester(ticket.protocol, "1234")).toMatchObject({ protocol: ticket.protocol });
    } finally {
      await back.close();
    }
  });

  it("refuses to restore a file that is not a ura database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-backup-"));
    const settings = testSettings({ DATA_DIR: dir });
    const other = join(dir, "other.sqlite");
    const Database = (await import("better-sqlite3")).default;
    new Database(other).exec("CREATE TABLE x (a)");
    const { ctx } = ctxFor(settings);
    await expect(restore.run([other], ctx)).rejects.toThrow(/not a ura database/);
  });
});
