import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/command.js";
import { command } from "../../src/cli/commands/identification.js";
import { cliContext } from "../support/cli.js";
import { DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

/** `ura identification`: the per-department and per-extension rules of issue 13, from a shell. */
describe.each(DRIVERS)("ura identification (%s)", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
  });
  afterAll(async () => t?.cleanup());

  const context = () => cliContext(t.settings);
  const modeOf = (department: string | null, number: string) => t.store.identification.modeFor({ number, internal: true }, { department });

  it("sets a department's rule and an extension's, which wins; lists them; deleting one restores what was before", async () => {
    expect(await modeOf("Saúde", "2001")).toBe("extension");
    const dept = context();
    expect(await command.run(["set", "department", "Saúde", "extension-otp"], dept)).toBe(0);
    expect(dept.out()).toMatch(/^rule added: department Saúde → extension-otp\n/);
    expect(await modeOf("Saúde", "2001")).toBe("extension-otp");
    expect(await command.run(["set", "extension", "2001", "code-otp"], context())).toBe(0);
    expect(await modeOf("Saúde", "2001")).toBe("code-otp");

    const listed = context();
    expect(await command.run(["list"], listed)).toBe(0);
    expect(listed.out()).toMatch(/^department\s+Saúde\s+extension-otp\b.*\nextension\s+2001\s+code-otp\b.*\n$/);

    expect(await command.run(["delete", "extension", "2001"], context())).toBe(0);
    expect(await modeOf("Saúde", "2001")).toBe("extension-otp");
    expect(await command.run(["delete", "department", "Saúde"], context())).toBe(0);
    expect(await modeOf("Saúde", "2001")).toBe("extension");
    const empty = context();
    expect(await command.run(["list"], empty)).toBe(0);
    expect(empty.out()).toMatch(/^no rules/);
  });

  it("a rule no user is in the scope of is saved with a warning, and the list marks it until a user is", async () => {
    const typo = context();
    expect(await command.run(["set", "department", "sala 3", "code-otp"], typo)).toBe(0);
    expect(typo.out()).toBe('rule added: department sala 3 → code-otp\nwarning: no user is in department "sala 3" yet: the rule applies once one is\n');
    const extension = context();
    expect(await command.run(["set", "extension", "2999", "code-otp"], extension)).toBe(0);
    expect(extension.out()).toContain("warning: no user has extension 2999 yet");

    await t.store.users.create({ code: "1001", name: "Ana Souza", department: "Saúde", extensions: ["2001"] }, { client: "cli:root", address: null }, new Date());
    const known = context();
    expect(await command.run(["set", "department", "Saúde", "extension-otp"], known)).toBe(0);
    expect(known.out()).toBe("rule added: department Saúde → extension-otp\n");

    const listed = context();
    expect(await command.run(["list"], listed)).toBe(0);
    // Ordered by the database's collation: on MariaDB "sala 3" comes before "Saúde".
    const lines = listed.out().trimEnd().split("\n").sort();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^department\s+Saúde\s+extension-otp$/);
    expect(lines[1]).toMatch(/^department\s+sala 3\s+code-otp {2}\(no user yet\)$/);
    expect(lines[2]).toMatch(/^extension\s+2999\s+code-otp {2}\(no user yet\)$/);
    for (const [scope, subject] of [["department", "sala 3"], ["department", "Saúde"], ["extension", "2999"]]) expect(await command.run(["delete", scope!, subject!], context())).toBe(0);
  });

  it("bad input is a message naming what was wrong, and changes nothing", async () => {
    const badMode = context();
    expect(await command.run(["set", "extension", "2002", "nenhum"], badMode)).toBe(1);
    expect(badMode.err()).toMatch(/^ura identification set: MODE \(extension, extension-otp, code-otp\): /);
    const badExtension = context();
    expect(await command.run(["set", "extension", "ramal-dois", "code-otp"], badExtension)).toBe(1);
    expect(badExtension.err()).toMatch(/^ura identification set: SUBJECT: an extension: its digits/);
    const missing = context();
    expect(await command.run(["delete", "extension", "2999"], missing)).toBe(1);
    expect(missing.err()).toContain("no rule for extension 2999");
    await expect(command.run(["set", "ramal", "2002", "code-otp"], context())).rejects.toThrow(/department or extension \(got "ramal"\)/);
    await expect(command.run(["set", "extension", "2002"], context())).rejects.toThrow(UsageError);
    expect(await t.store.identification.list()).toEqual([]);
  });
});
