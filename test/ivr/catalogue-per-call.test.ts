import { afterEach, expect, it } from "vitest";
import { question, ScriptedCaller } from "../support/callers.js";
import { dial, fakeBackend, said, startIvr, type IvrUnderTest } from "../support/scenario.js";

let ivr: IvrUnderTest | undefined;
afterEach(async () => {
  await ivr?.close();
  ivr = undefined;
});

it("a call reads the catalogue once, however many menus it goes through (back, a one-option menu opened without asking)", async () => {
  const { fake, api } = fakeBackend();
  ivr = await startIvr({ api });
  const caller = new ScriptedCaller()
    .on("main-menu").press("1")
    .on("ask-user-code").press("1234#")
    .on("ask-otp").press(() => `${fake.lastCode()}#`)
    .on(question("service-menu")).press("2")
    .on(question("sub-menu")).press("*")
    // "Ramal" has one option: the ticket opens without its menu.
    .on(question("service-menu")).press("6")
    .on("protocol-repeat").press("2");
  const call = await dial(ivr, { caller });
  expect(call.heard.filter((p) => p === "service-menu")).toHaveLength(2);
  expect(call.heard).toContain(said("Formatação, 1."));
  expect(fake.tickets.find((t) => t.protocol === call.variables.URA_TICKET)?.service.id).toBe(601);
  expect(fake.requests.filter((r) => r === "catalogue")).toEqual(["catalogue"]);
});
