import { describe, expect, it } from "vitest";
import { describeError } from "../../src/shared/errors.js";

describe("describeError", () => {
  it("names our own error classes and keeps a plain Error's message as it is", () => {
    class TtsUnavailableError extends Error {
      override name = "TtsUnavailableError";
    }
    expect(describeError(new TtsUnavailableError("espeak synthesis failed"))).toBe("TtsUnavailableError: espeak synthesis failed");
    expect(describeError(new Error("page crashed"))).toBe("page crashed");
  });

  it("adds the network code of the cause (what fetch hides behind 'fetch failed')", () => {
    const failed = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) });
    expect(describeError(failed)).toBe("TypeError: fetch failed (ECONNREFUSED)");
  });

  it("reads venom-bot's rejections: strings and WAPI result objects", () => {
    expect(describeError('Error when trying to access the page: "https://web.whatsapp.com"')).toMatch(/^Error when trying/);
    expect(describeError({ erro: true, status: 404, text: "The number does not exist" })).toBe("The number does not exist");
    expect(describeError({ status: 500 })).toBe('{"status":500}');
  });

  it("keeps to one line", () => {
    expect(describeError(new Error("first line\n    at stack frame"))).toBe("first line");
  });
});
