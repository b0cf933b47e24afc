import { describe, expect, it } from "vitest";
import { IpAllowList } from "../../src/shared/ip-allow-list.js";

describe("IpAllowList", () => {
  it("allows single addresses, v4 and v6", () => {
    const list = new IpAllowList(["127.0.0.1", "::1"]);
    expect(list.allows("127.0.0.1")).toBe(true);
    expect(list.allows("::1")).toBe(true);
    expect(list.allows("127.0.0.2")).toBe(false);
    expect(list.allows("::2")).toBe(false);
  });

  it("allows CIDR ranges, v4 and v6, and nothing just outside them", () => {
    const list = new IpAllowList(["10.0.0.0/8", "192.168.10.0/24", "fd00:1234::/32"]);
    expect(list.allows("10.255.1.2")).toBe(true);
    expect(list.allows("11.0.0.1")).toBe(false);
    expect(list.allows("192.168.10.254")).toBe(true);
    expect(list.allows("192.168.11.1")).toBe(false);
    expect(list.allows("fd00:1234:ffff::1")).toBe(true);
    expect(list.allows("fd00:1235::1")).toBe(false);
  });

  it("checks IPv4-mapped IPv6 peers (dual-stack sockets) as IPv4", () => {
    const list = new IpAllowList(["10.0.0.0/8", "127.0.0.1"]);
    expect(list.allows("::ffff:10.1.2.3")).toBe(true);
    expect(list.allows("::FFFF:127.0.0.1")).toBe(true);
    expect(list.allows("::ffff:11.1.2.3")).toBe(false);
  });

  it("a /32 and a /128 are single addresses; /0 and * allow everyone", () => {
    expect(new IpAllowList(["10.0.0.1/32"]).allows("10.0.0.2")).toBe(false);
    expect(new IpAllowList(["10.0.0.1/32"]).allows("10.0.0.1")).toBe(true);
    expect(new IpAllowList(["::1/128"]).allows("::1")).toBe(true);
    expect(new IpAllowList(["*"]).allows("203.0.113.9")).toBe(true);
    expect(new IpAllowList(["0.0.0.0/0"]).allows("203.0.113.9")).toBe(true);
  });

  it("an empty list, an unknown or malformed peer allow nothing", () => {
    expect(new IpAllowList([]).allows("127.0.0.1")).toBe(false);
    const list = new IpAllowList(["127.0.0.1"]);
    expect(list.allows(undefined)).toBe(false);
    expect(list.allows("")).toBe(false);
    expect(list.allows("localhost")).toBe(false);
    expect(list.allows("127.0.0.1.evil")).toBe(false);
  });

  it("refuses entries that are not addresses or have a bad prefix", () => {
    expect(() => new IpAllowList(["localhost"])).toThrow(/not an IP address/);
    expect(() => new IpAllowList(["10.0.0.0/33"])).toThrow(/prefix/);
    expect(() => new IpAllowList(["::/129"])).toThrow(/prefix/);
    expect(() => new IpAllowList(["10.0.0.0/x"])).toThrow(/prefix/);
  });
});
