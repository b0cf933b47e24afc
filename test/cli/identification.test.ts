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
    expect(dept.out()).toBe("rule added: department Saúde → extension-otp\n");
    expect(await modeOf("Saúde", "2001")).toBe("extension-otp");
    expect(await command.run(["set", "extension", "2001", "code-otp"], context())).toBe(0);
    expect(await modeOf("Saúde", "2001")).toBe("code-otp");

    const listed = context();
    expect(await command.run(["list"], listed)).toBe(0);
    expect(listed.out()).toMatch(/^department\s+Saúde\s+extension-otp\nextension\s+2001\s+code-otp\n$/);

    expect(await command.run(["delete", "extension", "2001"], context())).toBe(0);
    expect(await modeOf("Saúde", "2001")).toBe("extension-otp");
    expect(await command.run(["delete", "department", "Saúde"], context())).toBe(0);
    expect(await modeOf("Saúde", "2001")).toBe("extension");
    const empty = context();
    expect(await command.run(["list"], empty)).toBe(0);
    expect(empty.out()).toMatch(/^no rules/);
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
