import { describe, expect, it } from "vitest";
import { whatsappIdCandidates } from "../../src/whatsapp/index.js";

describe("whatsappIdCandidates", () => {
  it("tries a mobile with the ninth digit, then without (accounts older than the ninth digit)", () => {
    expect(whatsappIdCandidates("+5545999998888")).toEqual(["5545999998888@c.us", "554599998888@c.us"]);
  });

  it("has one candidate for a landline", () => {
    expect(whatsappIdCandidates("+554532201234")).toEqual(["554532201234@c.us"]);
  });
});
