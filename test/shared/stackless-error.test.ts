import { expect, it } from "vitest";
import { HangupError } from "../../src/agi/errors.js";
import { EndCall } from "../../src/ivr/outcome.js";
import { StacklessError } from "../../src/shared/errors.js";

// The errors every call ends with carry no stack frames (issue 16), and other errors keep theirs.
it("a hang-up and the flow's end are errors without stack frames; the limit is left as it was", () => {
  const limit = Error.stackTraceLimit;
  for (const err of [new HangupError("caller hung up"), new EndCall("ticket", "survey"), new StacklessError("x")]) {
    expect(err).toBeInstanceOf(Error);
    expect(err.stack?.split("\n").filter((l) => l.trim().startsWith("at "))).toEqual([]);
  }
  expect(new HangupError("caller hung up")).toMatchObject({ name: "HangupError", message: "caller hung up", reason: "caller hung up" });
  expect(new EndCall("ticket")).toMatchObject({ name: "EndCall", result: "ticket" });
  expect(Error.stackTraceLimit).toBe(limit);
  expect(new Error("other").stack).toContain(" at ");
});
