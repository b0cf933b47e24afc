import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const UNITS = ["ivr", "api", "start", "whatsapp"] as const;
const path = (unit: string) => `deploy/systemd/ura-${unit}.service`;

/** A unit file as sections of key → values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!m || !current) throw new Error(`not a unit file line: ${line}`);
    current.set(m[1]!, [...(current.get(m[1]!) ?? []), m[2]!]);
  }
  return sections;
}

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

describe("systemd units for ura ivr, ura api, ura start and ura whatsapp", () => {
  it.each(UNITS)("ura-%s.service: hardened, a dedicated user, restart on failure, journald", (unit) => {
    const service = parseUnit(readFileSync(path(unit), "utf8")).get("Service")!;
    const one = (key: string) => service.get(key)?.at(-1);
    expect(one("ExecStart")).toMatch(new RegExp(`^/usr/bin/node /opt/ura-chamados/dist/cli/main\\.js ${unit}$`));
    expect(one("User")).toBe("ura");
    expect(one("NoNewPrivileges")).toBe("yes");
    expect(one("ProtectSystem")).toBe("strict");
    // With ProtectSystem=strict only the data directory is writable, and DATA_DIR is that directory.
    expect(one("ReadWritePaths")).toBe("/var/lib/ura-chamados");
    expect(one("Environment")).toContain("DATA_DIR=/var/lib/ura-chamados");
    expect(one("Restart")).toBe("on-failure");
    expect(one("StandardError")).toBe("journal");
    expect(parseUnit(readFileSync(path(unit), "utf8")).get("Install")?.get("WantedBy")).toEqual(["multi-user.target"]);
  });

  it("the units that take calls give them time to finish on stop (AGI_DRAIN_TIMEOUT_MS is 60 s)", () => {
    for (const unit of ["ivr", "start"]) {
      const stop = parseUnit(readFileSync(path(unit), "utf8")).get("Service")!.get("TimeoutStopSec")?.at(-1);
      expect(Number(stop), unit).toBeGreaterThan(60);
    }
  });

  it.runIf(hasSystemdAnalyze)("systemd-analyze verify accepts every unit", () => {
    const result = spawnSync("systemd-analyze", ["verify", ...UNITS.map(path)], { encoding: "utf8" });
    expect(result.stderr + result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("docs/operations.md", () => {
  const doc = readFileSync("docs/operations.md", "utf8");
  it("holds a Grafana dashboard that parses and queries only ura_ metrics the code declares", () => {
    const json = /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
    const dashboard = JSON.parse(json) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const declared = readFileSync("src/shared/metrics.ts", "utf8");
    const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/ura_[a-z_]+/g) ?? [])));
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) {
      const base = name.replace(/_(bucket|count|sum)$/, "");
      if (base.startsWith("ura_nodejs_") || base.startsWith("ura_process_")) continue; // prom-client's defaults
      expect(declared, name).toContain(`"${base}"`);
    }
  });

  it("has the three alert rules: IVR unreachable, dependency errors, no WhatsApp session", () => {
    for (const alert of ["UraIvrUnreachable", "UraDependencyErrors", "UraNoWhatsappSession"]) expect(doc).toContain(`alert: ${alert}`);
  });
});
