/**
 * `node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--from S --to S]` — where the service's CPU
 * went, from a V8 CPU profile (`npm run bench -- --profile <dir>` writes one): self time by
 * function and by package/area (our src/ modules, node internals, each dependency), and total
 * (inclusive) time of our own functions. The bench prints the load's window (--from/--to) with
 * --profile, so start-up is left out.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  byFunction: { name: string; selfMs: number; pct: number }[];
  byArea: { area: string; selfMs: number; pct: number }[];
  ownInclusive: { name: string; totalMs: number; pct: number }[];
}

/** `src/agi`, `node:net`, `fastify`, `better-sqlite3`, `(gc)`, … */
export function area(url: string, fn: string): string {
  if (fn === "(garbage collector)") return "(gc)";
  if (fn === "(idle)") return "(idle)";
  if (fn === "(program)") return "(program: native, not attributed)";
  if (url === "") return "(native / V8)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith("node:")) return url.replace(/^node:internal\/([^/]+).*/, "node:$1").replace(/^node:([^/]+).*/, "node:$1");
  const src = /\/(src|test|bench)\/([^/]+)/.exec(url);
  if (src) return `${src[1]}/${src[2]!.replace(/\.ts$/, "")}`;
  return url;
}

/**
 * `window` (seconds since the profile started, i.e. about since the process started) keeps only
 * the samples of the load, not start-up's module loading and compiling.
 */
export function summarizeProfile(profile: CpuProfile, top = 25, window: { from: number; to: number } = { from: 0, to: Infinity }): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = 0;
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const d = profile.timeDeltas[i] ?? 0;
    t += d;
    if (t / 1e6 < window.from || t / 1e6 > window.to) return;
    totalUs += d;
    selfUs.set(id, (selfUs.get(id) ?? 0) + d);
  });
  const fnSelf = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    if (f.functionName === "(idle)") idleUs += us;
    const file = f.url.replace(/^.*\/(node_modules\/|src\/|bench\/|test\/)/, "$1");
    const name = `${f.functionName || "(anonymous)"} ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    fnSelf.set(name, (fnSelf.get(name) ?? 0) + us);
    const a = area(f.url, f.functionName);
    areaSelf.set(a, (areaSelf.get(a) ?? 0) + us);
  }
  // Inclusive time of our own functions (src/): the sum of self time under each, counted once per stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownTotal = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!/\/src\//.test(f.url)) continue;
      const name = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/src\//, "src/")}:${f.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      ownTotal.set(name, (ownTotal.get(name) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const rows = <K extends string>(m: Map<string, number>, key: K, denom: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ [key]: k, ms: us / 1000, pct: (us / denom) * 100 }) as Record<K, string> & { ms: number; pct: number });
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    byFunction: rows(fnSelf, "name", busyUs).filter((r) => !r.name.startsWith("(idle)")).map((r) => ({ name: r.name, selfMs: r.ms, pct: r.pct })),
    byArea: rows(areaSelf, "area", busyUs).filter((r) => r.area !== "(idle)").map((r) => ({ area: r.area, selfMs: r.ms, pct: r.pct })),
    ownInclusive: rows(ownTotal, "name", busyUs).map((r) => ({ name: r.name, totalMs: r.ms, pct: r.pct })),
  };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" }, from: { type: "string", default: "0" }, to: { type: "string" } },
  });
  const file = positionals[0];
  if (!file) {
    process.stderr.write("usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--from S] [--to S]\n");
    process.exitCode = 2;
    return;
  }
  const window = { from: Number(values.from), to: values.to === undefined ? Infinity : Number(values.to) };
  const s = summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, Number(values.top), window);
  const out: string[] = [];
  out.push(`profile: ${(s.totalMs / 1000).toFixed(1)} s, idle ${((s.idleMs / s.totalMs) * 100).toFixed(0)} %; shares below are of the busy time`);
  out.push("", "self time by area:");
  for (const r of s.byArea) out.push(`  ${r.pct.toFixed(1).padStart(5)} %  ${r.area}`);
  out.push("", "self time by function:");
  for (const r of s.byFunction) out.push(`  ${r.pct.toFixed(1).padStart(5)} %  ${r.name}`);
  out.push("", "inclusive time of our own functions (src/):");
  for (const r of s.ownInclusive) out.push(`  ${r.pct.toFixed(1).padStart(5)} %  ${r.name}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) main();
