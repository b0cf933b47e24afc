import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ivrScripts } from "../../src/ivr/index.js";
import { FakeTicketApi, FakeSpeech, STATE_KEY } from "../support/scenario.js";
import { testSettings } from "../../src/config/index.js";

/**
 * No Asterisk runs here, so the dialplan is checked for what breaks it silently: a jump to a
 * context, extension or label that does not exist, an AGI script the IVR does not serve, and the
 * outcome values it tests against what the IVR sets.
 */

const text = readFileSync("asterisk-dialplan/extensions_custom.conf", "utf8");
/** Contexts FreePBX itself provides. */
const FREEPBX = new Set(["ext-queues", "app-blackhole"]);

interface Line {
  context: string;
  exten: string;
  label: string | null;
  app: string;
  args: string;
  n: number;
}

function parse(): { contexts: Map<string, Set<string>>; labels: Map<string, Set<string>>; lines: Line[] } {
  const contexts = new Map<string, Set<string>>();
  const labels = new Map<string, Set<string>>();
  const lines: Line[] = [];
  let context = "";
  let exten = "";
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/;.*$/, "").trim();
    if (!line) return;
    const ctx = /^\[([\w-]+)\]$/.exec(line);
    if (ctx) {
      context = ctx[1]!;
      contexts.set(context, new Set());
      return;
    }
    const m = /^(exten|same)\s*=>\s*(?:([^,]+),)?(\w+|n)(?:\((\w+)\))?,(\w+)\((.*)\)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not an exten/same line: ${raw}`);
    if (m[1] === "exten") {
      exten = m[2]!;
      contexts.get(context)!.add(exten);
      expect(m[3], `line ${i + 1}: an extension starts at priority 1`).toBe("1");
    }
    if (m[4]) {
      const key = `${context},${exten}`;
      labels.set(key, (labels.get(key) ?? new Set()).add(m[4]));
    }
    lines.push({ context, exten, label: m[4] ?? null, app: m[5]!, args: m[6]!, n: i + 1 });
  });
  return { contexts, labels, lines };
}

describe("asterisk-dialplan/extensions_custom.conf", () => {
  const { contexts, labels, lines } = parse();

  it("every Goto/Gosub/GotoIf/GotoIfTime target exists", () => {
    const targets: { target: string; line: Line }[] = [];
    for (const line of lines) {
      if (line.app === "Goto" || line.app === "Gosub") targets.push({ target: line.args, line });
      if (line.app === "GotoIf" || line.app === "GotoIfTime") {
        const branch = line.args.slice(line.args.lastIndexOf("?") + 1);
        for (const t of branch.split(":")) if (t) targets.push({ target: t, line });
      }
    }
    expect(targets.length).toBeGreaterThan(10);
    for (const { target, line } of targets) {
      if (target.startsWith("${")) continue; // a setting (URA_RETURN…), checked below
      const parts = target.split(",");
      const where = `line ${line.n}: ${target}`;
      if (parts.length === 1) {
        expect(labels.get(`${line.context},${line.exten}`)?.has(parts[0]!), where).toBe(true);
        continue;
      }
      const [ctx, ext] = parts as [string, string];
      if (FREEPBX.has(ctx)) continue;
      expect(contexts.get(ctx), where).toBeDefined();
      expect(ext.startsWith("$") || contexts.get(ctx)!.has(ext), where).toBe(true);
    }
  });

  it("settings that hold jump targets are context,extension,priority", () => {
    for (const line of lines.filter((l) => l.app === "Set" && /^URA_(RETURN|AFTER_IDENTIFY)=/.test(l.args))) {
      expect(line.args.split("=")[1]!.split(",")).toHaveLength(3);
    }
  });

  it("calls only AGI scripts the IVR serves, and tests the outcome values the IVR sets", () => {
    const served = Object.keys(
      ivrScripts({ api: new FakeTicketApi(), speech: new FakeSpeech(), promptFile: (id) => id, settings: testSettings(), stateKey: STATE_KEY }),
    );
    const agi = lines.filter((l) => l.app === "AGI").map((l) => l.args.replace("${URA_AGI}/", "").split("?")[0]!);
    expect(new Set(agi)).toEqual(new Set(served));
    const tested = [...text.matchAll(/"\$\{URA_RESULT\}" != "(\w*)"|"\$\{URA_RESULT\}" = "(\w*)"/g)].map((m) => m[1] ?? m[2]);
    for (const value of tested) expect(["", "ticket", "status", "transfer", "abandoned", "error", "identified", "back"]).toContain(value);
  });

  it("falls back on AGISTATUS=FAILURE and leaves the AGI at hang-up", () => {
    expect(text).toMatch(/GotoIf\(\$\["\$\{AGISTATUS\}" = "FAILURE"\]\?ura-fallback,s,1\)/);
    expect(text).toContain("Set(AGIEXITONHANGUP=yes)");
    expect(text).toMatch(/GotoIfTime\(\$\{URA_OPEN_1\}\?ura-queue,s,1\)/);
  });
});
