import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { command as migrate } from "../../src/cli/commands/migrate.js";
import { command as purge } from "../../src/cli/commands/purge.js";
import { command as users, formatReport, progressBar } from "../../src/cli/commands/users.js";
import { loadMigrations } from "../../src/domain/index.js";
import { createSpeechSynthesizer } from "../../src/tts/index.js";
import { cliContext } from "../support/cli.js";
import { DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

const context = (t: TestDb, input = "") => cliContext(t.settings, input);

describe.each(DRIVERS)("ura migrate, users, purge (%s)", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
  });
  afterAll(async () => t?.cleanup());

  it("ura migrate says the schema is up to date, and --status lists each file", async () => {
    const ctx = context(t);
    expect(await migrate.run([], ctx)).toBe(0);
    const files = loadMigrations(driver);
    expect(ctx.out()).toContain(`${driver} schema is up to date (version ${files.at(-1)!.version})`);
    const status = context(t);
    await migrate.run(["--status"], status);
    expect(status.out()).toBe(files.map((m) => `applied  ${m.file}\n`).join(""));
    expect(status.out()).toMatch(/^applied {2}\w+\/001_schema\.sql\napplied {2}common\/002_seed\.sql\n/);
  });

  it("ura users import prints a report with line numbers and exits 1 when rows were rejected", async () => {
    const file = join(t.dataDir, "users.csv");
    writeFileSync(file, "code,name,phone,extensions\n5001,Ana,(45) 99911-1111,2001\n5001,Ana de novo,,\n5002,Bia,12,\n5003,Caio,,2003 2004\n");
    const ctx = context(t);
    expect(await users.run(["import", file], ctx)).toBe(1);
    expect(ctx.out()).toBe(
      `${file}: 4 row(s) — 2 created, 0 updated, 0 unchanged, 2 rejected\n` +
        "  line 3 (code 5001): code: duplicate of line 2\n" +
        "  line 4 (code 5002): phone: not a mobile phone number (too few digits), e.g. (45) 99999-9999\n",
    );
    expect(ctx.err()).toBe(""); // not a terminal: no progress bar
    expect((await t.store.users.byCode("5003"))?.extensions).toEqual(["2003", "2004"]);
    const missing = context(t);
    expect(await users.run(["import", join(t.dataDir, "nope.csv")], missing)).toBe(1);
    expect(missing.err()).toContain("cannot read");
  });

  // Issue 14 item 9: Brazilian Excel saves CSV in Windows-1252; "José Conceição" was stored as "Jos� Concei��o".
  it("ura users import reads a Windows-1252 file as the spreadsheet wrote it, and refuses a file that is not text", async () => {
    const file = join(t.dataDir, "excel.csv");
    writeFileSync(file, Buffer.from("codigo;nome;departamento\r\n5101;José Conceição;Educação\r\n", "latin1"));
    const ctx = context(t);
    expect(await users.run(["import", file], ctx)).toBe(0);
    expect(await t.store.users.byCode("5101")).toMatchObject({ name: "José Conceição", department: "Educação" });
    const binary = join(t.dataDir, "planilha.csv");
    writeFileSync(binary, Buffer.from("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "latin1"));
    const refused = context(t);
    expect(await users.run(["import", binary], refused)).toBe(1);
    expect(refused.err()).toMatch(/not a CSV text file/);
  });

  it("ura users add adds one user, and names the bad option", async () => {
    const ctx = context(t);
    expect(await users.run(["add", "--code", "5010", "--name", "Davi Lima", "--phone", "(45) 99900-5010", "--ext", "2010", "--department", "TI"], ctx)).toBe(0);
    expect(ctx.out()).toBe("added user 5010 Davi Lima, mobile +55*******5010, extensions 2010\n");
    const bad = context(t);
    expect(await users.run(["add", "--code", "5011", "--name", "X", "--phone", "99"], bad)).toBe(1);
    expect(bad.err()).toMatch(/^ura users add: --phone: not a mobile/);
    const dup = context(t);
    expect(await users.run(["add", "--code", "5010", "--name", "Y"], dup)).toBe(1);
    expect(dup.err()).toContain("already exists");
  });

  it("ura users add leaves the name in this host's TTS cache: a running ura start finds it there at the user's first call", async () => {
    expect(await users.run(["add", "--code", "5012", "--name", "Elisa Prado Nogueira", "--ext", "2012"], context(t))).toBe(0);
    const tts = createSpeechSynthesizer({ ...t.settings, TTS_ENGINE: "espeak" });
    expect(await tts.prewarm(["Elisa Prado Nogueira"])).toMatchObject({ cached: 1, synthesised: 0 });
  });

  it("ura purge deletes what is past retention and says how much", async () => {
    await t.store.calls.record(
      { callId: "old.1", callerNumber: "2001", userCode: null, outcome: "abandoned", step: "menu", ticketProtocol: null, startedAt: "2020-01-01T00:00:00Z", durationMs: 1 },
      { client: "test", address: null },
      new Date("2020-01-01T00:00:00Z"),
    );
    const ctx = context(t);
    expect(await purge.run([], ctx)).toBe(0);
    expect(ctx.out()).toMatch(/^deleted 1 call record\(s\) started before .*, \d+ audit row\(s\) before/);
    expect(await t.store.calls.get("old.1")).toBeNull();
  });
});

describe("progress bar and report", () => {
  it("draws in place on a terminal only", () => {
    const chunks: string[] = [];
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    tty.on("data", (c) => chunks.push(String(c)));
    const bar = progressBar(tty, "importing");
    bar.update(1, 4);
    bar.update(4, 4);
    bar.end();
    expect(chunks.join("")).toBe("\rimporting [########----------------------]  25% 1/4\rimporting [##############################] 100% 4/4\n");
    expect(formatReport("f.csv", { rows: 1, created: 1, updated: 0, unchanged: 0, rejected: [] })).toBe("f.csv: 1 row(s) — 1 created, 0 updated, 0 unchanged, 0 rejected\n");
  });
});
