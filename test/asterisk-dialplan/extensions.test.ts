import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { callOutcome } from "../../src/api/contract.js";
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
    for (const value of tested) expect(["", ...callOutcome.options, "identified", "back"]).toContain(value);
  });

  it("falls back on AGISTATUS=FAILURE and leaves the AGI at hang-up", () => {
    expect(text).toMatch(/GotoIf\(\$\["\$\{AGISTATUS\}" = "FAILURE"\]\?ura-fallback,s,1\)/);
    expect(text).toContain("Set(AGIEXITONHANGUP=yes)");
    expect(text).toMatch(/GotoIfTime\(\$\{URA_OPEN_1\}\?ura-queue,s,1\)/);
  });
});

// ── a small interpreter: runs the dialplan the way Asterisk's pbx core would ─────────────────────
//
// Enough of Asterisk to follow every path of this file: extension patterns as `_extension_match_core`
// matches them (`_X.` needs at least two characters), ${VAR} substitution, $[…] expressions
// (| & = != < > with Asterisk's precedence), Set, Gosub/Return, Goto, GotoIf, GotoIfTime (the
// business-hours answer is given), AGI (its outcome is given), Playback, Hangup. A jump into a
// FreePBX context ends the run there.

interface Step {
  app: string;
  args: string;
  label: string | null;
}

/** What one AGI() leaves behind: Asterisk's AGISTATUS and the variables the script set. */
interface AgiOutcome {
  name: string;
  status: "SUCCESS" | "FAILURE";
  set: Record<string, string>;
}

interface Run {
  /** Where the call went: a FreePBX destination (`ext-queues,400,1`) or `hangup`. */
  end: string;
  /** The AGI URLs, in order. */
  agi: string[];
  played: string[];
  /** URA_RESULT and URA_ERROR as each AGI started. */
  atAgi: { result: string; error: string }[];
  /** MixMonitor files started, in order (variables substituted). */
  recorded: string[];
  /** The channel's variables (and functions set, e.g. CALLERID(name)) when the call left this file. */
  vars: Map<string, string>;
}

class NeedOutcome extends Error {}

function buildPlan(lines: Line[]): Map<string, Map<string, Step[]>> {
  const plan = new Map<string, Map<string, Step[]>>();
  for (const l of lines) {
    const ctx = plan.get(l.context) ?? plan.set(l.context, new Map()).get(l.context)!;
    const steps = ctx.get(l.exten) ?? ctx.set(l.exten, []).get(l.exten)!;
    steps.push({ app: l.app, args: l.args, label: l.label });
  }
  return plan;
}

/** Asterisk's extension pattern match (main/pbx.c `_extension_match_core`, E_MATCH). */
function extenMatches(pattern: string, exten: string): boolean {
  if (!pattern.startsWith("_")) return pattern === exten;
  const p = pattern.slice(1).toUpperCase();
  let i = 0;
  let j = 0;
  while (i < exten.length && j < p.length) {
    const c = p[j]!;
    if (c === ".") return true; // one or more characters, and at least one is left
    if (c === "!") return true;
    let allowed: string;
    if (c === "[") {
      const close = p.indexOf("]", j);
      allowed = p.slice(j + 1, close).replace(/(.)-(.)/g, (_m, a: string, b: string) => {
        let s = "";
        for (let k = a.charCodeAt(0); k <= b.charCodeAt(0); k++) s += String.fromCharCode(k);
        return s;
      });
      j = close + 1;
    } else {
      allowed = c === "X" ? "0123456789" : c === "Z" ? "123456789" : c === "N" ? "23456789" : c;
      j++;
    }
    if (!allowed.includes(exten[i]!.toUpperCase())) return false;
    i++;
  }
  if (j >= p.length) return i >= exten.length;
  return p[j] === "!"; // ran off the data: only `!` matches nothing more (`.` needs a character)
}

/** Asterisk's $[…]: | lowest, then &, then comparisons; strings compare as strings, numbers as numbers. */
function evalExpression(expr: string): string {
  const tokens = [...expr.matchAll(/"([^"]*)"|(!=|<=|>=|[|&=<>])|([^\s"|&=<>!]+)/g)].map((m) => ({ op: m[2] ?? null, value: m[1] ?? m[3] ?? "" }));
  let pos = 0;
  const truthy = (v: string) => v !== "" && v !== "0";
  const compare = (a: string, op: string, b: string): boolean => {
    const numeric = /^-?\d+$/.test(a) && /^-?\d+$/.test(b);
    const x: number | string = numeric ? Number(a) : a;
    const y: number | string = numeric ? Number(b) : b;
    return op === "=" ? x === y : op === "!=" ? x !== y : op === "<" ? x < y : op === ">" ? x > y : op === "<=" ? x <= y : x >= y;
  };
  const peekOp = (): string | null => tokens[pos]?.op ?? null;
  const atom = (): string => {
    const t = tokens[pos++];
    if (!t || t.op !== null) throw new Error(`bad expression: ${expr}`);
    return t.value;
  };
  const comparison = (): string => {
    let left = atom();
    for (let op = peekOp(); op !== null && op !== "|" && op !== "&"; op = peekOp()) {
      pos++;
      left = compare(left, op, atom()) ? "1" : "0";
    }
    return left;
  };
  const and = (): string => {
    let left = comparison();
    while (peekOp() === "&") {
      pos++;
      const right = comparison();
      left = truthy(left) && truthy(right) ? left : "0";
    }
    return left;
  };
  const or = (): string => {
    let left = and();
    while (peekOp() === "|") {
      pos++;
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const value = or();
  if (pos !== tokens.length) throw new Error(`bad expression: ${expr}`);
  return value;
}

function runDialplan(
  plan: Map<string, Map<string, Step[]>>,
  entry: string,
  options: { open: boolean; outcomes: AgiOutcome[] },
): Run {
  const vars = new Map<string, string>();
  const run: Run = { end: "", agi: [], played: [], atAgi: [], recorded: [], vars };
  const outcomes = [...options.outcomes];
  const stack: { context: string; exten: string; index: number }[] = [];
  let [context, exten] = entry.split(",") as [string, string];
  let index = 0;

  const substitute = (s: string): string => {
    let out = s.replace(/\$\{([^}]+)\}/g, (_m, name: string) => (name === "EXTEN" ? exten : name === "UNIQUEID" ? "1764580000.42" : (vars.get(name) ?? "")));
    out = out.replace(/\$\[([^\]]*)\]/g, (_m, e: string) => evalExpression(e));
    return out;
  };
  const findExten = (ctx: string, ext: string): string => {
    const extens = [...(plan.get(ctx)?.keys() ?? [])];
    if (extens.includes(ext)) return ext;
    const matching = extens.filter((e) => e.startsWith("_") && extenMatches(e, ext));
    if (matching.length !== 1) throw new Error(`${ctx},${ext}: ${matching.length === 0 ? "no such extension" : `ambiguous (${matching.join(" ")})`}`);
    return matching[0]!;
  };
  /** Jumps; returns false when the target is outside this file (a FreePBX context). */
  const jump = (target: string): boolean => {
    const parts = target.split(",");
    const [ctx, ext, prio] = parts.length === 3 ? parts : parts.length === 2 ? [context, ...parts] : [context, exten, parts[0]];
    if (!plan.has(ctx!)) {
      if (!FREEPBX.has(ctx!)) throw new Error(`jump to unknown context ${target}`);
      run.end = `${ctx},${ext},${prio}`;
      return false;
    }
    const name = findExten(ctx!, ext!);
    const steps = plan.get(ctx!)!.get(name)!;
    const at = /^\d+$/.test(prio!) ? Number(prio) - 1 : steps.findIndex((s) => s.label === prio);
    if (at < 0 || at >= steps.length) throw new Error(`no priority ${prio} in ${ctx},${name}`);
    context = ctx!;
    exten = ext!;
    index = at;
    return true;
  };

  if (!jump(`${context},${exten},1`)) return run;
  for (let n = 0; n < 500; n++) {
    const step = plan.get(context)!.get(findExten(context, exten))![index];
    if (!step) throw new Error(`${context},${exten}: ran off the end of the extension (Asterisk hangs up)`);
    index++;
    const args = step.app === "Set" ? step.args : substitute(step.args);
    switch (step.app) {
      case "NoOp":
      case "Answer":
        break;
      case "Set": {
        const eq = args.indexOf("=");
        vars.set(args.slice(0, eq), substitute(args.slice(eq + 1)));
        break;
      }
      case "Gosub":
        stack.push({ context, exten, index });
        if (!jump(args)) return run;
        break;
      case "Return": {
        const back = stack.pop();
        if (!back) throw new Error("Return without Gosub");
        ({ context, exten, index } = back);
        break;
      }
      case "Goto":
        if (!jump(args)) return run;
        break;
      case "GotoIf":
      case "GotoIfTime": {
        const q = args.lastIndexOf("?");
        const condition = args.slice(0, q);
        const [whenTrue, whenFalse] = args.slice(q + 1).split(":");
        const holds = step.app === "GotoIf" ? condition !== "" && condition !== "0" : options.open;
        const target = holds ? whenTrue : whenFalse;
        if (target && !jump(target)) return run;
        break;
      }
      case "AGI": {
        run.agi.push(args);
        run.atAgi.push({ result: vars.get("URA_RESULT") ?? "", error: vars.get("URA_ERROR") ?? "" });
        const outcome = outcomes.shift();
        if (!outcome) throw new NeedOutcome(args);
        vars.set("AGISTATUS", outcome.status);
        for (const [k, v] of Object.entries(outcome.set)) vars.set(k, v);
        break;
      }
      case "Playback":
        run.played.push(args);
        break;
      case "MixMonitor":
        run.recorded.push(args);
        break;
      case "Hangup":
        run.end = "hangup";
        return run;
      default:
        throw new Error(`the interpreter does not know ${step.app}`);
    }
  }
  throw new Error(`${entry}: more than 500 steps (a loop)`);
}

const said = (name: string, set: Record<string, string>): AgiOutcome => ({ name, status: "SUCCESS", set });
/** What each script can leave behind; FAILURE and silent are the IVR saying nothing. */
const OUTCOMES = {
  failure: { name: "FAILURE", status: "FAILURE", set: {} } as AgiOutcome,
  silent: said("silent", {}),
  internal: said("internal", { URA_RESULT: "error", URA_ERROR: "internal" }),
  ticket: said("ticket", { URA_RESULT: "ticket", URA_TICKET: "102500100001" }),
  status: said("status", { URA_RESULT: "status" }),
  transfer: said("transfer", { URA_RESULT: "transfer" }),
  abandoned: said("abandoned", { URA_RESULT: "abandoned" }),
  error: said("error", { URA_RESULT: "error" }),
  badParameter: said("bad-parameter", { URA_RESULT: "error", URA_ERROR: "bad-parameter" }),
  needsIdentify: said("needs-identify", { URA_RESULT: "error", URA_ERROR: "needs-identify" }),
  identified: said("identified", { URA_RESULT: "identified", URA_USER: "1234", URA_AUTH: "sig" }),
  back: said("back", { URA_RESULT: "back" }),
};
const O = OUTCOMES;
const ALWAYS = [O.failure, O.silent, O.internal, O.transfer, O.abandoned, O.error];
const BY_SCRIPT: Record<string, AgiOutcome[]> = {
  ura: [...ALWAYS, O.ticket, O.status],
  "ura/identify": [...ALWAYS, O.identified, O.back],
  "ura/ticket": [...ALWAYS, O.ticket, O.needsIdentify, O.badParameter, O.back],
  "ura/status": [...ALWAYS, O.status, O.needsIdentify, O.back],
  "ura/hours": [...ALWAYS, O.ticket, O.back],
};
const ENTRIES = ["ura-chamados,s", "ura-chamados,menu", "ura-identify,s", "ura-ticket,s", "ura-ticket,2", "ura-ticket,23", "ura-ticket,213", "ura-status,s", "ura-hours,s"];

/** Every run from an entry, over every sequence of outcomes the scripts can give. */
function explore(plan: Map<string, Map<string, Step[]>>, entry: string, open: boolean): { outcomes: AgiOutcome[]; run: Run }[] {
  const done: { outcomes: AgiOutcome[]; run: Run }[] = [];
  const pending: AgiOutcome[][] = [[]];
  while (pending.length > 0) {
    const outcomes = pending.pop()!;
    try {
      done.push({ outcomes, run: runDialplan(plan, entry, { open, outcomes }) });
    } catch (err) {
      if (!(err instanceof NeedOutcome)) throw err;
      if (outcomes.length >= 6) throw new Error(`${entry}: more than 6 AGI calls in one path`, { cause: err });
      const script = err.message.replace(/^.*?:\/\/[^/]+\//, "").split("?")[0]!;
      for (const o of BY_SCRIPT[script]!) pending.push([...outcomes, o]);
    }
  }
  return done;
}

describe("extensions_custom.conf, run by an interpreter of Asterisk's dialplan", () => {
  const { lines } = parse();
  const plan = buildPlan(lines);
  const settingsOf = (name: string) => lines.find((l) => l.context === "ura-settings" && l.args.startsWith(`${name}=`))!.args.split("=")[1]!;
  const queue = `ext-queues,${settingsOf("URA_QUEUE")},1`;
  const agi = settingsOf("URA_AGI");

  it("matches extension patterns as Asterisk does", () => {
    expect(extenMatches("_X.", "23")).toBe(true);
    expect(extenMatches("_X.", "2")).toBe(false); // `.` needs one more character
    expect(extenMatches("_X", "2")).toBe(true);
    expect(extenMatches("_X!", "2")).toBe(true);
    expect(extenMatches("_NXX", "201")).toBe(true);
    expect(extenMatches("_NXX", "101")).toBe(false);
    expect(extenMatches("_[1-3]X", "39")).toBe(true);
    expect(extenMatches("_X", "s")).toBe(false);
    expect(evalExpression(`"needs-identify" != "needs-identify" | 0 > 0`)).toBe("0");
    expect(evalExpression(`"" != "needs-identify" | 1 > 0`)).toBe("1");
    expect(evalExpression(`"FAILURE" = "FAILURE"`)).toBe("1");
  });

  it("the full call: ticket hangs up, transfer goes to the queue", () => {
    const ticket = runDialplan(plan, "ura-chamados,s", { open: true, outcomes: [O.ticket] });
    expect(ticket).toMatchObject({ end: "hangup", agi: [`${agi}/ura`] });
    expect(runDialplan(plan, "ura-chamados,s", { open: false, outcomes: [O.transfer] }).end).toBe(queue);
  });

  it("a transferred caller the IVR identified reaches the queue with their name and code as CALLERID(name); others keep theirs", () => {
    const named = runDialplan(plan, "ura-chamados,s", { open: true, outcomes: [said("transfer", { URA_RESULT: "transfer", URA_CALLER_NAME: "Ana Souza · 1234" })] });
    expect(named.end).toBe(queue);
    expect(named.vars.get("CALLERID(name)")).toBe("Ana Souza · 1234");
    const unknown = runDialplan(plan, "ura-chamados,s", { open: true, outcomes: [O.transfer] });
    expect(unknown.end).toBe(queue);
    expect(unknown.vars.has("CALLERID(name)")).toBe(false);
  });

  it("an unreachable or silent IVR: the queue in business hours, the recorded apology out of hours", () => {
    for (const outcome of [O.failure, O.silent, O.internal]) {
      expect(runDialplan(plan, "ura-chamados,s", { open: true, outcomes: [outcome] }).end, outcome.name).toBe(queue);
      const closed = runDialplan(plan, "ura-chamados,s", { open: false, outcomes: [outcome] });
      expect(closed, outcome.name).toMatchObject({ end: "hangup", played: [settingsOf("URA_APOLOGY")] });
    }
  });

  it("ura-ticket,<keys>,1 reaches the ticket script with those keys, also a single key", () => {
    for (const [entry, service] of [["ura-ticket,s", ""], ["ura-ticket,2", "2"], ["ura-ticket,23", "23"], ["ura-ticket,7", "7"]] as const) {
      const run = runDialplan(plan, entry, { open: true, outcomes: [O.ticket] });
      expect(run.agi, entry).toEqual([`${agi}/ura/ticket?service=${service}`]);
    }
  });

  it("step scripts identify once when the channel carries no verified user, then retry", () => {
    for (const script of ["ticket", "status"] as const) {
      const entry = `ura-${script},s`;
      const ok = runDialplan(plan, entry, { open: true, outcomes: [O.needsIdentify, O.identified, O[script]] });
      expect(ok.agi.map((a) => a.replace(`${agi}/`, "").split("?")[0])).toEqual([`ura/${script}`, "ura/identify", `ura/${script}`]);
      expect(ok.end).toBe("hangup");
      // A second needs-identify does not loop.
      expect(runDialplan(plan, entry, { open: true, outcomes: [O.needsIdentify, O.identified, O.needsIdentify] }).agi).toHaveLength(3);
    }
    expect(runDialplan(plan, "ura-hours,s", { open: true, outcomes: [O.transfer] }).end).toBe(queue);
  });

  it("step mode's defaults do what the prompts say: '*' (back) and a finished identification lead to the main menu, not a hang-up", () => {
    expect(settingsOf("URA_RETURN")).toBe("ura-chamados,menu,1");
    expect(settingsOf("URA_AFTER_IDENTIFY")).toBe("ura-chamados,menu,1");
    const identified = runDialplan(plan, "ura-identify,s", { open: true, outcomes: [O.identified, O.ticket] });
    expect(identified.agi).toEqual([`${agi}/ura/identify`, `${agi}/ura?greeting=no`]);
    expect(identified.end).toBe("hangup");
    for (const entry of ["ura-ticket,s", "ura-status,s", "ura-identify,s"]) {
      const back = runDialplan(plan, entry, { open: true, outcomes: [O.back, O.transfer] });
      expect(back.agi.at(-1), entry).toBe(`${agi}/ura?greeting=no`);
      expect(back.end, entry).toBe(queue);
    }
  });

  it("a transfer clears TIMEOUT(absolute) before the queue, and records (named by the call id) only when the IVR said so", () => {
    const told = { ...O.transfer, set: { ...O.transfer.set, URA_RECORD: "yes" } };
    const recorded = runDialplan(plan, "ura-chamados,s", { open: true, outcomes: [told] });
    expect(recorded.end).toBe(queue);
    expect(recorded.vars.get("TIMEOUT(absolute)")).toBe("0");
    expect(recorded.recorded).toEqual([`${settingsOf("URA_RECORDINGS")}/1764580000.42.wav,b`]);
    const quiet = runDialplan(plan, "ura-chamados,s", { open: true, outcomes: [O.transfer] });
    expect(quiet).toMatchObject({ end: queue, recorded: [] });
    expect(quiet.vars.get("TIMEOUT(absolute)")).toBe("0");
    // The IVR unreachable: to the queue without a recording (nobody told the caller).
    const fallback = runDialplan(plan, "ura-chamados,s", { open: true, outcomes: [O.failure] });
    expect(fallback).toMatchObject({ end: queue, recorded: [] });
    expect(fallback.vars.get("TIMEOUT(absolute)")).toBe("0");
  });

  it("on every path, each AGI starts with a clean URA_RESULT/URA_ERROR and a silent IVR is never a silent hang-up", () => {
    let paths = 0;
    for (const entry of ENTRIES) {
      for (const open of [true, false]) {
        for (const { outcomes, run } of explore(plan, entry, open)) {
          paths++;
          const where = `${entry} ${open ? "open" : "closed"}: ${outcomes.map((o) => o.name).join(" → ")}`;
          for (const at of run.atAgi) expect(at, where).toEqual({ result: "", error: "" });
          const last = outcomes.at(-1)!;
          if (["FAILURE", "silent", "internal"].includes(last.name)) {
            if (open) expect(run.end, where).toBe(queue);
            else expect(run, where).toMatchObject({ end: "hangup", played: [settingsOf("URA_APOLOGY")] });
          }
          if (last.name === "transfer") expect(run.end, where).toBe(queue);
          if (run.end === queue) expect(run.vars.get("TIMEOUT(absolute)"), where).toBe("0");
        }
      }
    }
    expect(paths).toBeGreaterThan(100);
  });
});
