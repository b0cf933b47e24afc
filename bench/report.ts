import type { BenchReport, HappyPath } from "./run.js";
import { summarize, type Summary } from "./stats.js";

const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "—");
const pad = (s: string, n: number) => s.padStart(n);

function row(label: string, s: Summary): string {
  return `  ${label.padEnd(28)}${pad(f(s.p50), 9)}${pad(f(s.p95), 9)}${pad(f(s.p99), 9)}${pad(f(s.max), 9)}${pad(f(s.mean), 9)}${pad(String(s.n), 10)}`;
}

/** The plain-text table `npm run bench` prints. */
export function formatReport(r: BenchReport): string {
  const s = r.service;
  const fl = r.floor;
  const lines: string[] = [];
  lines.push("");
  lines.push(`ura-chamados bench — ${r.scenario}, C=${r.options.calls}, ${r.options.durationS} s, ${r.options.db}, ${r.machine.cpus} CPUs, node ${r.machine.node}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  lines.push("");
  lines.push(`  ${"ms".padEnd(28)}${pad("p50", 9)}${pad("p95", 9)}${pad("p99", 9)}${pad("max", 9)}${pad("mean", 9)}${pad("n", 10)}`);
  lines.push(row("think / AGI command", s.think));
  if (fl) lines.push(row("  floor, same commands", fl.think));
  if (r.ratio) lines.push(`  ${"  ratio to the floor".padEnd(28)}${pad(`${f(r.ratio.p50, 1)}×`, 9)}${pad(`${f(r.ratio.p95, 1)}×`, 9)}${pad(`${f(r.ratio.p99, 1)}×`, 9)}${pad("", 9)}${pad(`${f(r.ratio.mean, 1)}×`, 9)}`);
  lines.push(row("think / call (sum)", s.callThink));
  if (fl) lines.push(row("  floor", fl.callThink));
  lines.push(row("commands / call", s.commandsPerCall));
  lines.push(row("caller-perceived / call", s.perceived));
  lines.push("");
  lines.push(`  calls completed      ${s.completed} in ${f(s.elapsedS, 1)} s = ${f(s.callsPerSecond, 1)}/s${fl ? `   (floor: ${f(fl.callsPerSecond, 1)}/s)` : ""}`);
  lines.push(`  errors               ${s.errors}${s.errors ? `  ${JSON.stringify(s.errorReasons)}` : ""}`);
  lines.push(`  service CPU          ${f(s.proc.cpuPercent, 0)} % of one core${fl ? `   (floor: ${f(fl.proc.cpuPercent, 0)} %)` : ""}`);
  lines.push(`  emulator CPU         ${f(s.emulatorCpuPercent, 0)} % of one core${fl ? `   (floor run: ${f(fl.emulatorCpuPercent, 0)} %)` : ""}  (the bench process: near 100 % it is what limits calls/s)`);
  if (r.database) lines.push(`  MariaDB CPU          ${f(r.database.cpuPercent, 0)} % of one core, RSS ${f(r.database.rssMaxMb, 0)} MB (mariadbd, shared with other clients)`);
  const dbCpu = r.database?.cpuPercent ?? 0;
  const others = (w: { machineCpuPercent: number; cpuPercent: number }, emu: number, db = 0) => w.machineCpuPercent - w.cpuPercent - emu - db;
  lines.push(
    `  machine CPU          ${f(s.proc.machineCpuPercent, 0)} % of ${r.machine.cpus * 100} %: other processes took ${f(others(s.proc, s.emulatorCpuPercent, dbCpu), 0)} %${fl ? `   (floor run: ${f(others(fl.proc, fl.emulatorCpuPercent), 0)} %)` : ""}; load average before ${r.machine.loadBefore.map((x) => x.toFixed(1)).join(" ")}`,
  );
  const c = r.cpuPerCall;
  const w = r.warmUp;
  const series = (xs: number[]) => xs.map((x) => f(x, 1)).join(" ");
  lines.push(
    `  service CPU / call   ${f(c.serviceMs, 2)} ms${c.floorMs !== null ? `   (floor: ${f(c.floorMs, 2)} ms): ${f(c.ratio ?? Number.NaN, 1)}× the floor's` : ""}${w ? `, measured after a ${w.service.seconds} s warm-up load` : ", no warm-up load"}`,
  );
  lines.push(`    by 5 s window      ${series(c.serviceWindowsMs)}${c.floorWindowsMs.length ? `   (floor: ${series(c.floorWindowsMs)})` : ""}`);
  if (c.pairs.length > 0) {
    const ratios = c.pairs.map((p) => p.ratio);
    lines.push(
      `  paired windows       ${f(summarize(ratios).p50, 1)}× the floor's, the median (nearest rank) of ${c.pairs.length} pairs of 5 s windows (the service's, then the floor's at once after): ${series(ratios)}`,
    );
    lines.push(`    service, floor     ${c.pairs.map((p) => `${f(p.serviceMs, 2)}/${f(p.floorMs, 2)}`).join(" ")} ms a call`);
  }
  if (w) {
    const ratio = w.floor ? w.service.cpuMsPerCall / w.floor.cpuMsPerCall : Number.NaN;
    lines.push(
      `  warm-up CPU / call   ${f(w.service.cpuMsPerCall, 2)} ms${w.floor ? `   (floor: ${f(w.floor.cpuMsPerCall, 2)} ms): ${f(ratio, 1)}×` : ""}, the first ${w.service.seconds} s of load (${w.service.completed} calls, V8 compiling: a cost a node pays once)`,
    );
    lines.push(`    by 5 s window      ${series(w.service.windowsMs)}${w.floor ? `   (floor: ${series(w.floor.windowsMs)})` : ""}`);
  }
  lines.push(`  calls in the service  mean ${f(s.inService.mean, 0)}, max ${s.inService.max}  (connected: mean ${f(s.connected.mean, 0)}, max ${s.connected.max}; the rest wait in the kernel's accept queue)`);
  lines.push(`  service RSS          idle ${f(s.idleRssMb, 1)} MB, under load mean ${f(s.proc.rssMeanMb, 1)} / max ${f(s.proc.rssMaxMb, 1)} MB  → ${f(s.rssPerCallKb, 1)} kB per call in the service (mean RSS − idle) / mean calls inside`);
  const t = r.tickets;
  lines.push(`  tickets              ${t.tickets} for ${t.completedCalls} completed calls: ${t.completedWithTicket} with one, ${t.completedWithoutTicket} without, ${t.duplicateCallIds} duplicated, ${t.fromOtherCalls} from calls that did not complete`);
  for (const [line, n] of Object.entries(r.serviceLog).sort((a, b) => b[1] - a[1]).slice(0, 6)) lines.push(`  service log  ${String(n).padStart(6)} × ${line}`);
  if (s.coarseSamples) lines.push(`  (${s.coarseSamples} think times from the emulator's 1 ms clock: the wire tap missed them)`);
  lines.push("");
  lines.push(formatHappyPaths(r.happyPath, false));
  lines.push("  slowest steps (think before the command, ms)     p50      p95      max");
  for (const st of [...s.byStep].sort((a, b) => b.think.p95 - a.think.p95).slice(0, 8)) {
    lines.push(`    ${st.step.slice(0, 44).padEnd(44)}${pad(f(st.think.p50), 9)}${pad(f(st.think.p95), 9)}${pad(f(st.think.max), 9)}`);
  }
  lines.push("");
  lines.push(r.errors.length ? `  FAILED: ${r.errors.join("; ")}` : "  OK: no errors");
  return `${lines.join("\n")}\n`;
}

/** The happy-path lines; with `breakdown`, every prompt each caller heard and its media time. */
export function formatHappyPaths(paths: HappyPath[], breakdown: boolean): string {
  const lines: string[] = [];
  lines.push("  happy path, one unloaded call: answer → protocol heard → goodbye (virtual media + real think)");
  for (const h of paths) {
    lines.push(`    ${h.caller.padEnd(24)}${f(h.perceivedMs / 1000, 1)} s (media ${f(h.mediaMs / 1000, 1)} s, think ${f(h.thinkMs, 0)} ms), ${h.prompts} prompts (${h.promptsInFull} in full), ${h.keys} keys, ${h.commands} AGI commands`);
    if (h.protocolMs !== undefined) lines.push(`    ${"".padEnd(24)}the protocol number itself: ${f(h.protocolMs / 1000, 2)} s`);
    if (!breakdown) continue;
    for (const st of h.steps) lines.push(`      ${pad(f(st.ms / 1000, 2), 6)} s${st.full ? "  " : " ✂"} ${st.prompt}`);
    lines.push("");
  }
  lines.push("");
  return lines.join("\n");
}
