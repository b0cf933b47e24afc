import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite, type Db } from "../../src/domain/index.js";

/** The SQLite adapter's transactions, on a real file, seen from a second connection as `ura …` commands would. */
describe("SQLite transactions", () => {
  let dir: string;
  let db: Db;
  let other: Db;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-sqlite-"));
    db = openSqlite(join(dir, "ura.sqlite"));
    await db.execScript("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)");
    other = openSqlite(join(dir, "ura.sqlite"));
  });
  afterEach(async () => {
    await other.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const texts = async (q: Db) => (await q.all<{ text: string }>("SELECT text FROM notes ORDER BY id")).map((r) => r.text);

  it("a committed transaction is seen by another connection to the file at once", async () => {
    await db.transaction(async (tx) => {
      await tx.run("INSERT INTO notes (text) VALUES (?)", ["one"]);
      await tx.run("INSERT INTO notes (text) VALUES (?)", ["two"]);
    });
    expect(await texts(other)).toEqual(["one", "two"]);
  });

  it("one that fails half-way leaves nothing, and the next one commits", async () => {
    const failed = db.transaction(async (tx) => {
      await tx.run("INSERT INTO notes (text) VALUES (?)", ["one"]);
      await tx.run("INSERT INTO notes (text) VALUES (?)", ["one"]);
    });
    await expect(failed).rejects.toThrow(/UNIQUE/);
    expect(await texts(other)).toEqual([]);
    await db.transaction((tx) => tx.run("INSERT INTO notes (text) VALUES (?)", ["two"]));
    expect(await texts(other)).toEqual(["two"]);
  });

  it("one the caller abandons with its own error is rolled back, and statements after it run outside any transaction", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO notes (text) VALUES (?)", ["one"]);
        throw new Error("the caller hung up");
      }),
    ).rejects.toThrow("the caller hung up");
    await db.run("INSERT INTO notes (text) VALUES (?)", ["two"]);
    expect(await texts(other)).toEqual(["two"]);
    // A write from the other connection would wait for a transaction left open here (busy_timeout).
    await other.run("INSERT INTO notes (text) VALUES (?)", ["three"]);
    expect(await texts(db)).toEqual(["two", "three"]);
  });
});
