import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite, type Db } from "../../src/domain/index.js";
import { walWrites } from "../support/sqlite-wal.js";

/**
 * The SQLite adapter's group commit (docs/decisions.md): writes of one event-loop turn share one
 * COMMIT, and nobody hears "done" before it. Seen from a second connection to the real file, and
 * counted in the file's write-ahead log.
 */
describe("SQLite group commit", () => {
  let dir: string;
  let file: string;
  let db: Db;
  let reader: Database.Database;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-group-"));
    file = join(dir, "ura.sqlite");
    db = openSqlite(file);
    await db.execScript(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
      CREATE TABLE parents (id INTEGER PRIMARY KEY);
      CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
      PRAGMA wal_checkpoint(TRUNCATE)`);
    // A second connection, as another `ura` process reads the file: it sees committed rows only.
    reader = new Database(file, { readonly: true });
  });
  afterEach(async () => {
    reader.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const committed = () => (reader.prepare("SELECT text FROM notes ORDER BY text").all() as { text: string }[]).map((r) => r.text);
  const insert = (text: string) => db.transaction((tx) => tx.run("INSERT INTO notes (text) VALUES (?)", [text]));

  it("the writes of one turn share one COMMIT, and each reports done only when its rows are committed", async () => {
    const seen = new Map<string, string[]>();
    const writes = Array.from({ length: 10 }, (_, i) =>
      db
        .transaction(async (tx) => {
          await tx.run("INSERT INTO notes (text) VALUES (?)", [`t${i}a`]);
          await tx.run("INSERT INTO notes (text) VALUES (?)", [`t${i}b`]);
        })
        .then(() => seen.set(`t${i}`, committed())),
    );
    const lone = db.run("INSERT INTO notes (text) VALUES (?)", ["lone"]).then(() => seen.set("lone", committed()));
    // A read inside the open group sees its rows: it too answers only once they are committed.
    const read = db.all<{ text: string }>("SELECT text FROM notes ORDER BY text").then((rows) => ({ rows: rows.map((r) => r.text), committed: committed() }));
    await Promise.all([...writes, lone]);

    for (let i = 0; i < 10; i++) expect(seen.get(`t${i}`)).toEqual(expect.arrayContaining([`t${i}a`, `t${i}b`]));
    expect(seen.get("lone")).toContain("lone");
    const { rows, committed: atRead } = await read;
    expect(rows).toHaveLength(21);
    expect(atRead).toEqual(expect.arrayContaining(rows));
    expect(walWrites(file).commits).toBe(1);
  });

  it("a transaction that fails is undone alone: the others of its turn commit", async () => {
    const a = insert("a");
    const hungUp = db.transaction(async (tx) => {
      await tx.run("INSERT INTO notes (text) VALUES (?)", ["b"]);
      throw new Error("the caller hung up");
    });
    const duplicate = db.run("INSERT INTO notes (text) VALUES (?)", ["a"]);
    // A transaction that expects a duplicate and carries on (as the call record's upsert does).
    const upsert = db.transaction(async (tx) => {
      await tx.run("INSERT INTO notes (text) VALUES (?)", ["c"]);
      await tx.run("INSERT INTO notes (text) VALUES (?)", ["a"]).catch(() => tx.run("INSERT INTO notes (text) VALUES (?)", ["a2"]));
    });
    await expect(hungUp).rejects.toThrow("the caller hung up");
    await expect(duplicate).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_UNIQUE" });
    await a;
    await upsert;
    expect(committed()).toEqual(["a", "a2", "c"]);
    expect(walWrites(file).commits).toBe(1);
  });

  it("when SQLite rolls the whole transaction back, every member of the group is rejected and none of their rows stays", async () => {
    const a = insert("a");
    const count = db.get<{ n: number }>("SELECT COUNT(*) AS n FROM notes");
    // `OR ROLLBACK` ends SQLite's transaction itself, as SQLITE_FULL or an I/O error may.
    const rolledBack = db.transaction(async (tx) => {
      await tx.run("INSERT OR ROLLBACK INTO notes (text) VALUES (?)", ["a"]).catch(() => undefined);
      // Carrying on after it must not write outside any transaction.
      await tx.run("INSERT INTO notes (text) VALUES (?)", ["b"]);
    });
    const after = insert("c");
    await expect(a).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_UNIQUE" });
    await expect(count).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_UNIQUE" });
    await expect(rolledBack).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_UNIQUE" });
    await after;
    expect(committed()).toEqual(["c"]);
  });

  it("when the COMMIT fails, every member of the group is rejected with its error", async () => {
    const a = insert("a");
    // A deferred foreign key is checked at COMMIT: the orphan fails the group's commit.
    const orphan = db.transaction((tx) => tx.run("INSERT INTO children (parent_id) VALUES (?)", [99]));
    const b = db.run("INSERT INTO notes (text) VALUES (?)", ["b"]);
    for (const member of [a, orphan, b]) await expect(member).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_FOREIGNKEY" });
    expect(committed()).toEqual([]);
    await insert("c");
    expect(committed()).toEqual(["c"]);
    expect(reader.prepare("SELECT COUNT(*) AS n FROM children").get()).toEqual({ n: 0 });
  });

  it("two connections of one process to the file take turns instead of blocking each other", async () => {
    const other = openSqlite(file);
    try {
      await Promise.all([
        insert("a"),
        other.transaction((tx) => tx.run("INSERT INTO notes (text) VALUES (?)", ["b"])),
        db.run("INSERT INTO notes (text) VALUES (?)", ["c"]),
        other.run("INSERT INTO notes (text) VALUES (?)", ["d"]),
      ]);
    } finally {
      await other.close();
    }
    expect(committed()).toEqual(["a", "b", "c", "d"]);
  });

  it("another process gets its writes in while this one keeps writing: the write lock is let go every turn", async () => {
    // As `ura users add` while `ura start` takes calls: its own connection, SQLite's busy_timeout.
    const script = `
      import Database from "better-sqlite3";
      const db = new Database(${JSON.stringify(file)});
      db.pragma("busy_timeout = 3000");
      const insert = db.prepare("INSERT INTO notes (text) VALUES (?)");
      for (let i = 0; i < 20; i++) {
        db.exec("BEGIN IMMEDIATE");
        insert.run("cli" + i);
        db.exec("COMMIT");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
      db.close();`;
    const cli = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: process.cwd(), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    cli.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on("exit", resolve));
    let running = true;
    void exited.then(() => (running = false));
    let written = 0;
    while (running) {
      await Promise.all(Array.from({ length: 5 }, () => insert(`service${written++}`)));
      await new Promise((r) => setTimeout(r, 1));
    }
    expect({ code: await exited, stderr }).toEqual({ code: 0, stderr: "" });
    const rows = committed();
    expect(rows.filter((t) => t.startsWith("cli"))).toHaveLength(20);
    expect(rows.filter((t) => t.startsWith("service"))).toHaveLength(written);
  });

  describe("after a group of several callers' writes, the next group waits (GROUP_SPACING_MS)", () => {
    // A long spacing, so that gathering is plain to see and a slow machine cannot blur it.
    const spacingMs = 1000;
    let spaced: Db;
    beforeEach(async () => {
      await db.close();
      spaced = openSqlite(file, { groupSpacingMs: spacingMs });
    });
    afterEach(async () => {
      await spaced.close();
      // The outer afterEach closes `db` again: closing twice is a no-op.
    });
    const write = (text: string) => spaced.run("INSERT INTO notes (text) VALUES (?)", [text]);
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    it("writes of later turns join one group: one COMMIT, each done only once committed", async () => {
      await Promise.all([write("a"), write("b")]);
      expect(walWrites(file).commits).toBe(1);
      const c = write("c").then(() => committed());
      await nextTurn();
      await nextTurn();
      const d = write("d").then(() => committed());
      expect(await c).toEqual(["a", "b", "c", "d"]);
      expect(await d).toEqual(["a", "b", "c", "d"]);
      expect(walWrites(file).commits).toBe(2);
    });

    it("one writer's writes one after the other are not held back", async () => {
      const started = performance.now();
      for (const text of ["a", "b", "c", "d", "e"]) await write(text);
      expect(committed()).toEqual(["a", "b", "c", "d", "e"]);
      expect(walWrites(file).commits).toBe(5);
      // Held back, five writes would take four spacings.
      expect(performance.now() - started).toBeLessThan(spacingMs);
    });
  });
});
