import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { command as accounts } from "../../src/cli/commands/accounts.js";
import { command as kiosk } from "../../src/cli/commands/kiosk.js";
import { cliContext } from "../support/cli.js";
import { openTestDb, type TestDb } from "../support/databases.js";

const context = (t: TestDb, input = "") => cliContext(t.settings, input);

describe("ura accounts and ura kiosk", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb("sqlite", import.meta.filename);
  });
  afterAll(async () => t?.cleanup());

  it("adds an account, refuses a bad value naming the option and a duplicate in one line, lists it", async () => {
    const added = context(t, "senha-bem-longa\n");
    expect(await accounts.run(["add", "ana", "--name", "Ana Souza", "--extension", "2001"], added)).toBe(0);
    expect(added.out()).toBe("added technician account ana (Ana Souza), extension 2001\n");

    const badRole = context(t, "senha-bem-longa\n");
    expect(await accounts.run(["add", "bia", "--name", "Bia", "--role", "chefe"], badRole)).toBe(1);
    expect(badRole.err()).toMatch(/^ura accounts: --role: .+\n$/);

    const twice = context(t, "senha-bem-longa\n");
    expect(await accounts.run(["add", "ana", "--name", "Ana de novo"], twice)).toBe(1);
    expect(twice.err()).toBe("ura accounts: an account named ana already exists\n");

    const listed = context(t);
    expect(await accounts.run(["list"], listed)).toBe(0);
    expect(listed.out()).toMatch(/^ana +technician +active +2001\tAna Souza$/m);
  });

  it("makes a kiosk token, lists and revokes it; an unknown id is one line, exit 1", async () => {
    const added = context(t);
    expect(await kiosk.run(["add", "TV", "da", "sala"], added)).toBe(0);
    expect(added.out()).toMatch(/^\S{20,}\n$/);
    const id = /kiosk token (\d+) "TV da sala"/.exec(added.err())![1]!;

    const revoked = context(t);
    expect(await kiosk.run(["revoke", id], revoked)).toBe(0);
    expect(revoked.out()).toBe(`revoked kiosk token ${id} "TV da sala"\n`);
    const listed = context(t);
    await kiosk.run(["list"], listed);
    expect(listed.out()).toMatch(new RegExp(`^ +${id} +revoked .*TV da sala$`, "m"));

    const unknown = context(t);
    expect(await kiosk.run(["revoke", "999999"], unknown)).toBe(1);
    expect(unknown.err()).toMatch(/^ura kiosk: .+\n$/);
  });
});
