import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/command.js";
import { command } from "../../src/cli/commands/announcements.js";
import { cliContext } from "../support/cli.js";
import { DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

const context = (t: TestDb, input = "") => cliContext(t.settings, input);

describe.each(DRIVERS)("ura announcements (%s)", (driver) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
  });
  afterAll(async () => t?.cleanup());

  it("adds one playing now and one scheduled, lists them, ends one; bad input is a message, not a stack", async () => {
    const added = context(t);
    expect(await command.run(["add", "A rede da Saúde está fora do ar."], added)).toBe(0);
    expect(added.out()).toMatch(/^announcement (\d+) playing, from .* until ended: A rede da Saúde está fora do ar\.\n$/);
    const id = /^announcement (\d+)/.exec(added.out())![1]!;
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect(await command.run(["add", "--from", later, "Manutenção", "programada."], context(t))).toBe(0);

    const listed = context(t);
    expect(await command.run(["list"], listed)).toBe(0);
    expect(listed.out()).toMatch(/playing .*A rede da Saúde está fora do ar\./);
    expect(listed.out()).toMatch(/scheduled .*Manutenção programada\./);

    const ended = context(t);
    expect(await command.run(["end", id], ended)).toBe(0);
    expect(ended.out()).toContain(`announcement ${id} ended`);
    const after = context(t);
    await command.run(["list"], after);
    expect(after.out()).not.toContain("A rede da Saúde");
    const all = context(t);
    await command.run(["list", "--all"], all);
    expect(all.out()).toMatch(/ended .*A rede da Saúde/);

    const bad = context(t);
    expect(await command.run(["add", "--until", "amanhã", "Texto"], bad)).toBe(1);
    expect(bad.err()).toContain("ISO 8601");
    const missing = context(t);
    expect(await command.run(["end", "999999"], missing)).toBe(1);
    expect(missing.err()).toContain("no announcement 999999");
    await expect(command.run(["add"], context(t))).rejects.toThrow(/TEXT/);
    // A mistyped option is a usage error (the usage printed, exit code 2), not a stack trace.
    await expect(command.run(["add", "--ate", "amanhã", "Texto"], context(t))).rejects.toThrow(UsageError);
    await expect(command.run(["list", "--todos"], context(t))).rejects.toThrow(UsageError);
  });
});
