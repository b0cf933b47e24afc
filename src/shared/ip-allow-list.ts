import { BlockList, isIP } from "node:net";

/**
 * An allow-list of peer addresses from settings like `127.0.0.1,::1,10.0.0.0/8`. IPv4-mapped IPv6
 * peers (`::ffff:10.1.2.3`, what a dual-stack socket reports) are checked as IPv4.
 */
export class IpAllowList {
  private readonly list = new BlockList();
  private readonly any: boolean;

  constructor(readonly entries: readonly string[]) {
    this.any = entries.includes("*") || entries.includes("0.0.0.0/0");
    for (const entry of entries) {
      if (entry === "*") continue;
      const [address, prefix] = entry.split("/");
      const family = isIP(address ?? "");
      if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
      const type = family === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) {
        this.list.addAddress(address!, type);
      } else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
          throw new Error(`"${entry}" has an invalid prefix length`);
        }
        this.list.addSubnet(address!, bits, type);
      }
    }
  }

  allows(peer: string | undefined): boolean {
    if (peer === undefined || peer === "") return false;
    if (this.any) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer);
    if (mapped) return this.list.check(mapped[1]!, "ipv4") || this.list.check(peer, "ipv6");
    const family = isIP(peer);
    if (family === 0) return false;
    return this.list.check(peer, family === 6 ? "ipv6" : "ipv4");
  }
}
