import { describe, expect, it } from "vitest";
import { formatProtocol, protocol, protocolGroups } from "../../src/domain/index.js";

describe("the protocol format (issue 13: short, in groups)", () => {
  it("is the site code and a 4-digit (then longer) sequence", () => {
    expect(formatProtocol("1", 42)).toBe("10042");
    expect(formatProtocol("1", 9999)).toBe("19999");
    expect(formatProtocol("1", 123456)).toBe("1123456");
    expect(formatProtocol("07", 1)).toBe("070001");
    expect(() => formatProtocol("1234", 1)).toThrow(RangeError);
    expect(() => formatProtocol("1", 0)).toThrow(RangeError);
  });

  it("splits into groups of three, never leaving one digit alone", () => {
    expect(protocolGroups("10042")).toEqual(["100", "42"]);
    expect(protocolGroups("100042")).toEqual(["100", "042"]);
    expect(protocolGroups("1123456")).toEqual(["112", "34", "56"]);
    expect(protocolGroups("11234567")).toEqual(["112", "345", "67"]);
    expect(protocolGroups("202500100042")).toEqual(["202", "500", "100", "042"]);
    expect(protocolGroups("120")).toEqual(["120"]);
    expect(protocolGroups("1234")).toEqual(["1234"]);
    for (let n = 5; n <= 16; n++) {
      const groups = protocolGroups("9".repeat(n));
      expect(groups.join("")).toBe("9".repeat(n));
      expect(groups.every((g) => g.length === 2 || g.length === 3)).toBe(true);
    }
  });

  it("still accepts the old year-based protocols and a GLPI ticket id", () => {
    for (const p of ["202500100042", "10042", "120"]) expect(protocol.safeParse(p).success, p).toBe(true);
    for (const p of ["", "12a45", "1".repeat(17)]) expect(protocol.safeParse(p).success, p).toBe(false);
  });
});
