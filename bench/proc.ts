import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

/** RSS and CPU of a process, read from /proc (Linux). CPU is user+system of all its threads. */
export interface ProcSample {
  /** ms, Date.now() */
  t: number;
  /** CPU seconds the whole machine spent busy so far (all cores, from /proc/stat). */
  machineBusyS?: number;
  /** CPU seconds used so far (utime + stime). */
  cpuS: number;
  rssKb: number;
}

let clkTck: number | null = null;
function ticksPerSecond(): number {
  if (clkTck !== null) return clkTck;
  try {
    clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    clkTck = 100;
  }
  return clkTck;
}

export function readProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return { t: Date.now(), cpuS: (utime + stime) / ticksPerSecond(), rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine since boot (user+nice+system+irq+softirq+steal). */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
    return (user + nice + system + irq + softirq + steal) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

export interface ProcWindow {
  /** % of one core over the window. */
  cpuPercent: number;
  /** The whole machine's busy CPU over the window, % of one core (all processes, ours included). */
  machineCpuPercent: number;
  rssMeanMb: number;
  rssMaxMb: number;
  samples: number;
}

/** Samples one or more processes (summed: the service may be `ura ivr` + `ura api`) every `intervalMs` until stopped. */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  readonly pids: number[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    pid: number | number[],
    private readonly intervalMs = 250,
  ) {
    this.pids = Array.isArray(pid) ? [...pid] : [pid];
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): ProcSample | null {
    const all = this.pids.map((p) => readProc(p));
    if (all.some((s) => s === null)) return null;
    const s = all.reduce<ProcSample>((acc, x) => ({ ...acc, cpuS: acc.cpuS + x!.cpuS, rssKb: acc.rssKb + x!.rssKb }), {
      t: Date.now(),
      cpuS: 0,
      rssKb: 0,
      machineBusyS: machineBusySeconds(),
    });
    this.samples.push(s);
    return s;
  }

  /** Adds a process from now on (earlier samples are dropped: a sum must cover the same processes). */
  add(pid: number): void {
    this.pids.push(pid);
    this.samples.length = 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** CPU and memory between two instants (ms). */
  window(from: number, to: number): ProcWindow {
    const inside = this.samples.filter((s) => s.t >= from && s.t <= to);
    if (inside.length < 2) return { cpuPercent: Number.NaN, machineCpuPercent: Number.NaN, rssMeanMb: Number.NaN, rssMaxMb: Number.NaN, samples: inside.length };
    const first = inside[0]!;
    const last = inside[inside.length - 1]!;
    const seconds = (last.t - first.t) / 1000;
    const cpuPercent = ((last.cpuS - first.cpuS) / seconds) * 100;
    const machineCpuPercent =
      first.machineBusyS !== undefined && last.machineBusyS !== undefined ? ((last.machineBusyS - first.machineBusyS) / seconds) * 100 : Number.NaN;
    const rss = inside.map((s) => s.rssKb / 1024);
    return {
      cpuPercent,
      machineCpuPercent,
      rssMeanMb: rss.reduce((a, b) => a + b, 0) / rss.length,
      rssMaxMb: Math.max(...rss),
      samples: inside.length,
    };
  }
}

/**
 * CPU ms a completed call cost, in consecutive windows of `windowMs` from `from` to `to` (a last
 * window shorter than half of one is left out): shows how the cost settles while V8 compiles the
 * hot paths. NaN for a window without a completed call.
 */
export function cpuMsPerCallByWindow(sampler: ProcSampler, from: number, to: number, completedAt: readonly number[], windowMs = 5000): number[] {
  const out: number[] = [];
  for (let start = from; to - start >= windowMs / 2; start += windowMs) {
    const end = Math.min(start + windowMs, to);
    const w = sampler.window(start, end);
    const calls = completedAt.filter((t) => t >= start && t < end).length;
    out.push(calls > 0 ? ((w.cpuPercent / 100) * (end - start)) / calls : Number.NaN);
  }
  return out;
}

/** The pid of a process by its command name (/proc/<pid>/comm), e.g. the local `mariadbd`; null if none. */
export function pidByName(...names: string[]): number | null {
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (names.includes(readFileSync(`/proc/${entry}/comm`, "utf8").trim())) return Number(entry);
      } catch {
        continue;
      }
    }
  } catch {
    // no /proc
  }
  return null;
}
