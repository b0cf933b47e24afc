/**
 * `npm run bench [-- --calls C --duration S --db sqlite|mysql --json path --profile]`
 * (`npm run bench -- --paced …`: human-paced callers, see bench/paced.ts)
 *
 * Compiles the service (`npm run build`) and starts it as a user would (`node bin/ura.js start`:
 * the compiled dist/, in a child process), drives C concurrent emulated callers in a closed loop
 * for S seconds through the open-ticket flow, then runs the floor (a bare node:net FastAGI server
 * sending the same commands) at the same C, and prints/writes: server think time per AGI command,
 * per-call totals, calls/s, errors, the service's CPU and RSS, and the ratio to the floor.
 * See docs/performance.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { placeCall, type CallResult } from "../src/emulator/asterisk-emulator.js";
import { runLoad, RecordingCaller, ReplayCaller, type LoadResult } from "./load.js";
import { cpuMsPerCallByWindow, pidByName, ProcSampler, type ProcWindow } from "./proc.js";
import { startFloor } from "./floor.js";
import type { OutboxReader } from "./outbox.js";
import { prepareService, type PreparedService } from "./prepare.js";
import { BargeInCaller, EXTENSION_USER, OpenTicketCaller, openTicketScenario, ownExtensionStatusKeys, OWN_EXTENSION_TICKET_KEYS, UserPool, type Scenario } from "./scenario.js";
import { build, ROOT } from "./service.js";
import { round } from "./stats.js";
import { ticketCallIds, type DbChoice } from "./db.js";
import { formatHappyPaths, formatReport } from "./report.js";
import { CACHE_NAME, readCachedText } from "../src/tts/cache.js";

export interface BenchOptions {
  calls: number;
  durationS: number;
  floorDurationS: number;
  /**
   * Seconds of the same load, not measured, before each measured window (the service's and the
   * floor's): V8 compiles the hot paths in the first seconds of load, a one-time cost that a node
   * serving calls for hours does not pay per call. Its own figures are reported beside (0: none).
   */
  warmupS: number;
  /**
   * `--pairs K`: after the measured window, K pairs of 5 s windows, the service's then the
   * floor's, alternating, each pair's ratio reported (0: none). The machine's speed drifts over
   * minutes (a shared host); the two halves of a pair share its conditions, the two long windows
   * a minute apart do not.
   */
  pairs?: number;
  db: DbChoice;
  json: string | null;
  profile: string | null;
  /** The service's LOG_LEVEL (default warn; production's default is info). */
  logLevel: string;
  /** Print progress lines to stderr. */
  verbose: boolean;
  /** `--happy-path`: only the happy-path calls, with their breakdown per prompt. */
  happyPathOnly?: boolean;
}

export interface BenchReport {
  version: 1;
  at: string;
  machine: { cpus: number; node: string; platform: string; ulimitNofile: string; loadBefore: number[] };
  options: BenchOptions;
  scenario: Scenario["name"];
  notes: string[];
  happyPath: HappyPath[];
  /** rssPerCallKb: (mean RSS under load − idle RSS) / mean calls inside the service. */
  service: LoadResult & { proc: ProcWindow; idleRssMb: number; rssPerCallKb: number };
  /** The local MariaDB server's CPU and RSS during the load (--db mysql). */
  database: ProcWindow | null;
  floor: (LoadResult & { proc: ProcWindow }) | null;
  /** The warm-up loads (service, floor) before the measured windows; null with --warmup 0. */
  warmUp: { service: WarmUpLoad; floor: WarmUpLoad | null } | null;
  /** CPU per completed call, measured window, and by 5 s windows (the warm-up's in `warmUp`). */
  cpuPerCall: { serviceMs: number; floorMs: number | null; ratio: number | null; serviceWindowsMs: number[]; floorWindowsMs: number[]; pairs: CpuPair[] };
  ratio: { p50: number; p95: number; p99: number; mean: number } | null;
  tickets: TicketCheck;
  /** The service's warnings and errors, counted (see Service.logSummary). */
  serviceLog: Record<string, number>;
  errors: string[];
}

/** `--happy-path`'s report: the happy-path calls alone, with what the run noted and what failed. */
export interface HappyPathReport {
  version: 1;
  at: string;
  machine: BenchReport["machine"];
  options: BenchOptions;
  notes: string[];
  happyPath: HappyPath[];
  errors: string[];
}

/** One of `--pairs`: the service's CPU per call over 5 s, then the floor's, at once after. */
export interface CpuPair {
  serviceMs: number;
  floorMs: number;
  ratio: number;
}

/** Each half of a `--pairs` pair. */
const PAIR_WINDOW_MS = 5000;

/** A load run before the measured window, its cost reported but not counted in the measured figures. */
export interface WarmUpLoad {
  seconds: number;
  completed: number;
  errors: number;
  cpuMsPerCall: number;
  windowsMs: number[];
}

/** The service's (or the floor's) CPU per completed call over a load: CPU time in the window / calls completed. */
const cpuMsPerCall = (proc: ProcWindow, load: LoadResult) => (proc.cpuPercent * 10) / load.callsPerSecond;

export interface TicketCheck {
  tickets: number;
  completedCalls: number;
  completedWithTicket: number;
  completedWithoutTicket: number;
  duplicateCallIds: number;
  /** Tickets whose call did not complete (e.g. hung up after the ticket was created): not an error. */
  fromOtherCalls: number;
}

const t0 = Date.now();
const log = (verbose: boolean, msg: string) => verbose && process.stderr.write(`bench [${((Date.now() - t0) / 1000).toFixed(1)} s]: ${msg}\n`);

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  const loadBefore = (await import("node:os")).loadavg();
  let svc: PreparedService | null = null;
  let serviceLog: Record<string, number>;
  let sampler: ProcSampler | null = null;
  // The floor server, once started (by --pairs, or for its own window): a holder, not a `let`, so
  // that the `finally` below sees what the closures set.
  const theFloor: { running: { server: Awaited<ReturnType<typeof startFloor>>; sampler: ProcSampler } | null } = { running: null };
  /** Stops the floor server once: after its window, or if anything fails before. */
  const stopFloor = async () => {
    const f = theFloor.running;
    theFloor.running = null;
    f?.sampler.stop();
    await f?.server.stop();
  };
  try {
    // ── prepare: migrations (MySQL), the service, users, TTS cache ──────────────────────────
    svc = await prepareService({
      db: o.db,
      users: Math.max(200, o.calls * 2),
      split: false,
      profile: o.profile,
      poolSize: Math.min(50, Math.max(10, o.calls)),
      logLevel: o.logLevel,
      log: (m) => log(o.verbose, m),
    });
    const { agiPort, dataDir, notes, spawnedAt, outbox } = svc;
    const service = svc.services[0]!;
    const profileDir = o.profile;
    sampler = new ProcSampler(service.pid).start();
    const db = svc.db;

    // ── warm-up: three calls, the last one recorded for the floor ────────────────────────────
    const pool = new UserPool(svc.users);
    const scenario: Scenario = openTicketScenario(pool, outbox);
    const recorded = await warmUp(agiPort, scenario, 3);
    const sequence = recorded.result.commands.map((c) => c.line);
    log(o.verbose, `scenario ${scenario.name}: ${sequence.length} AGI commands per call`);

    // ── caller-perceived time of the happy path, unloaded: both callers, one call each ───────
    const happyPath = await measureHappyPath(agiPort, pool, outbox, recorded, ttsDir(svc));

    // ── the load ─────────────────────────────────────────────────────────────────────────────
    await new Promise((r) => setTimeout(r, 500));
    const idle = sampler.sample();
    const idleRssMb = idle ? idle.rssKb / 1024 : Number.NaN;
    // MariaDB's own CPU is part of the cost with --db mysql (the server is shared: other clients count too).
    const dbPid = db ? pidByName("mariadbd", "mysqld") : null;
    const dbSampler = dbPid ? new ProcSampler(dbPid).start() : null;
    const serviceLoad = (durationMs: number, idPrefix: string) =>
      runLoad({ port: agiPort, concurrency: o.calls, durationMs, idPrefix, plan: (n) => scenario.plan(n), expectedResult: scenario.expectedResult });
    let serviceWarmUp: (LoadResult & { figures: WarmUpLoad }) | null = null;
    const warmUpPrefix = Math.floor(Date.now() / 1000);
    if (o.warmupS > 0) {
      log(o.verbose, `warm-up load: ${o.calls} callers for ${o.warmupS} s (V8 compiles the hot paths; reported, not measured)`);
      const w = await serviceLoad(o.warmupS * 1000, String(warmUpPrefix));
      sampler.sample();
      serviceWarmUp = { ...w, figures: warmUpFigures(sampler, w, o.warmupS) };
      if (w.errors > 0) errors.push(`warm-up: ${w.errors} calls did not end with URA_RESULT=${scenario.expectedResult}: ${JSON.stringify(w.errorReasons)}`);
    }
    log(o.verbose, `measuring: ${o.calls} callers for ${o.durationS} s`);
    // Call ids are `<epoch seconds>.<n>`: the measured load's never repeat the warm-up's.
    const result = await serviceLoad(o.durationS * 1000, String(Math.max(warmUpPrefix + 1, Math.floor(Date.now() / 1000))));
    sampler.sample();
    const proc = sampler.window(result.startedAt, result.endedAt);
    const serviceWindowsMs = cpuMsPerCallByWindow(sampler, result.startedAt, result.endedAt, result.completedAt);
    dbSampler?.sample();
    dbSampler?.stop();
    const dbProc = dbSampler ? dbSampler.window(result.startedAt, result.endedAt) : null;
    if (profileDir) {
      const from = (result.startedAt - spawnedAt) / 1000;
      const to = (result.endedAt - spawnedAt) / 1000;
      notes.push(`CPU profile in ${profileDir}; the load is seconds ${from.toFixed(1)} to ${to.toFixed(1)} of it: node --import tsx bench/profile-summary.ts <file> --from ${from.toFixed(1)} --to ${to.toFixed(1)}`);
    }
    // ── --pairs: the service and the floor alternating, 5 s each ─────────────────────────────
    const pairs: CpuPair[] = [];
    const pairCallIds: string[] = [];
    let floorWarmUp: WarmUpLoad | null = null;
    const actions = recorded.caller.actions;
    const floorLoad = (port: number, durationMs: number, idPrefix: string) =>
      runLoad({
        port,
        concurrency: o.calls,
        durationMs,
        idPrefix,
        plan: () => ({ callerId: "30000", caller: new ReplayCaller(actions) }),
        expectedResult: scenario.expectedResult,
      });
    /** The floor server, started and warmed up the first time it is asked for. */
    const floorServer = async () => {
      if (theFloor.running) return theFloor.running;
      log(o.verbose, `floor: same ${sequence.length} commands, ${o.calls} callers`);
      const server = await startFloor(sequence, dataDir);
      log(o.verbose, `floor server pid ${server.pid} on ${server.port}`);
      const f = (theFloor.running = { server, sampler: new ProcSampler(server.pid).start() });
      // The same warm-up as the service's, so that both are measured warm.
      if (o.warmupS > 0) {
        const w = await floorLoad(server.port, o.warmupS * 1000, "floorwarmup");
        f.sampler.sample();
        floorWarmUp = warmUpFigures(f.sampler, w, o.warmupS);
      }
      return f;
    };
    const pairCount = o.pairs ?? 0;
    if (pairCount > 0) {
      const f = await floorServer();
      log(o.verbose, `${pairCount} pairs of ${PAIR_WINDOW_MS / 1000} s windows: the service, then the floor`);
      for (let i = 0; i < pairCount; i++) {
        const s = await serviceLoad(PAIR_WINDOW_MS, `pair${i}-${Math.floor(Date.now() / 1000)}`);
        sampler.sample();
        pairCallIds.push(...s.completedCallIds);
        if (s.errors > 0) errors.push(`pair ${i + 1}: ${s.errors} calls did not end with URA_RESULT=${scenario.expectedResult}: ${JSON.stringify(s.errorReasons)}`);
        const fl = await floorLoad(f.server.port, PAIR_WINDOW_MS, `floorpair${i}`);
        f.sampler.sample();
        const serviceMs = cpuMsPerCall(sampler.window(s.startedAt, s.endedAt), s);
        const floorMs = cpuMsPerCall(f.sampler.window(fl.startedAt, fl.endedAt), fl);
        pairs.push({ serviceMs: round(serviceMs), floorMs: round(floorMs), ratio: round(serviceMs / floorMs) });
      }
    }

    sampler.stop();
    log(o.verbose, "stopping the service (SIGTERM, graceful drain)");
    errors.push(...(await svc.stop()));
    serviceLog = service.logSummary();

    // ── correctness: one ticket per completed call ──────────────────────────────────────────
    const ids = await ticketCallIds(o.db, dataDir, db?.url ?? null);
    const tickets = checkTickets(
      ids.filter((id) => !id.startsWith("warmup.") && !id.startsWith("happy.")),
      [...(serviceWarmUp?.completedCallIds ?? []), ...result.completedCallIds, ...pairCallIds],
    );
    if (tickets.completedWithoutTicket > 0) errors.push(`${tickets.completedWithoutTicket} completed calls have no ticket`);
    if (tickets.duplicateCallIds > 0) errors.push(`${tickets.duplicateCallIds} call ids have more than one ticket`);
    if (result.errors > 0) errors.push(`${result.errors} calls did not end with URA_RESULT=${scenario.expectedResult}: ${JSON.stringify(result.errorReasons)}`);

    // ── the floor, same C, same calls ───────────────────────────────────────────────────────
    let floorResult: LoadResult & { proc: ProcWindow };
    let floorWindowsMs: number[];
    try {
      const f = await floorServer();
      log(o.verbose, `floor: ${o.calls} callers for ${o.floorDurationS} s`);
      const r = await floorLoad(f.server.port, o.floorDurationS * 1000, "floor");
      f.sampler.sample();
      floorResult = { ...r, proc: f.sampler.window(r.startedAt, r.endedAt) };
      floorWindowsMs = cpuMsPerCallByWindow(f.sampler, r.startedAt, r.endedAt, r.completedAt);
    } finally {
      await stopFloor();
    }

    const ratio = {
      p50: result.think.p50 / floorResult.think.p50,
      p95: result.think.p95 / floorResult.think.p95,
      p99: result.think.p99 / floorResult.think.p99,
      mean: result.think.mean / floorResult.think.mean,
    };
    const otherCpu = proc.machineCpuPercent - proc.cpuPercent - result.emulatorCpuPercent - (dbProc?.cpuPercent ?? 0);
    if (otherCpu > 20) notes.push(`the machine was not quiet: other processes used ${otherCpu.toFixed(0)} % of a core during the run, so these numbers are pessimistic`);
    const report: BenchReport = {
      version: 1,
      at: new Date().toISOString(),
      machine: { ...(await machine()), loadBefore },
      options: o,
      scenario: scenario.name,
      notes,
      happyPath,
      service: {
        ...result,
        proc,
        idleRssMb: round(idleRssMb),
        rssPerCallKb: round(((proc.rssMeanMb - idleRssMb) * 1024) / result.inService.mean),
      },
      database: dbProc,
      floor: floorResult,
      warmUp: serviceWarmUp ? { service: serviceWarmUp.figures, floor: floorWarmUp } : null,
      cpuPerCall: {
        serviceMs: round(cpuMsPerCall(proc, result)),
        floorMs: round(cpuMsPerCall(floorResult.proc, floorResult)),
        ratio: round(cpuMsPerCall(proc, result) / cpuMsPerCall(floorResult.proc, floorResult)),
        serviceWindowsMs: serviceWindowsMs.map((x) => round(x)),
        floorWindowsMs: floorWindowsMs.map((x) => round(x)),
        pairs,
      },
      ratio,
      tickets,
      serviceLog,
      errors,
    };
    return report;
  } finally {
    sampler?.stop();
    await stopFloor();
    await svc?.cleanup(errors);
  }
}

/** A warm-up load's own figures: what the first seconds of load cost while V8 compiled. */
function warmUpFigures(sampler: ProcSampler, w: LoadResult, seconds: number): WarmUpLoad {
  return {
    seconds,
    completed: w.completed,
    errors: w.errors,
    cpuMsPerCall: round(cpuMsPerCall(sampler.window(w.startedAt, w.endedAt), w)),
    windowsMs: cpuMsPerCallByWindow(sampler, w.startedAt, w.endedAt, w.completedAt).map((x) => round(x)),
  };
}

/** One unloaded call on the happy path, as the caller lives it (virtual media time + real think time). */
export interface HappyPath {
  caller: "answers-at-the-question" | "barges-in" | "own-extension" | "own-extension-status";
  perceivedMs: number;
  mediaMs: number;
  thinkMs: number;
  /** Media time of the protocol number itself: from after "ticket-opened" to before "protocol-repeat" (issue 13: ≤ 4 s). */
  protocolMs?: number;
  /** Prompts started (a barged-in prompt counts: the caller heard its beginning). */
  prompts: number;
  /** Of which played to the end. */
  promptsInFull: number;
  keys: number;
  commands: number;
  heard: string[];
  /** Every prompt the caller heard, in order, with the media time it took (the per-prompt breakdown). */
  steps: HappyStep[];
}

/** One prompt of a happy path: its id (or, for synthesised audio, `tts: <its text>`) and what it cost. */
export interface HappyStep {
  prompt: string;
  /** Virtual media ms (a key typed into it included, see the emulator's getData). */
  ms: number;
  /** Played to its end (false: the caller's key cut it). */
  full: boolean;
}

async function happyPathOf(caller: HappyPath["caller"], r: CallResult, keys: number, tts: string | null): Promise<HappyPath> {
  const media = r.commands.filter((c) => c.name === "STREAM FILE" || c.name === "GET DATA" || c.name === "SAY DIGITS");
  const played = (c: CallResult["commands"][number]) => c.name !== "GET DATA" && /^200 result=0 /.test(c.reply[0] ?? "");
  const name = async (c: CallResult["commands"][number]): Promise<string> => {
    if (c.name === "SAY DIGITS") return `digits:${c.args[0] ?? ""}`;
    const id = (c.args[0] ?? "").split("/").pop() ?? "";
    if (!CACHE_NAME.test(id)) return id;
    const text = tts ? await readCachedText(tts, id) : null;
    return `tts: ${text ?? id.slice(0, 8)}`;
  };
  const steps = await Promise.all(media.map(async (c) => ({ prompt: await name(c), ms: Math.round(c.mediaMs), full: played(c) })));
  return {
    caller,
    perceivedMs: r.perceivedMs,
    mediaMs: Math.round(r.perceivedMs - r.thinkMs),
    thinkMs: r.thinkMs,
    prompts: media.length,
    promptsInFull: media.filter(played).length,
    keys,
    commands: r.commands.length,
    heard: r.heard.map((h) => (/^[0-9a-f]{32,64}$/.test(h) ? "<tts>" : h)),
    protocolMs: protocolMediaMs(r),
    steps,
  };
}

/** The media time between "ticket-opened" and "protocol-repeat": the protocol's digits and pauses. */
function protocolMediaMs(r: CallResult): number | undefined {
  const prompt = (c: CallResult["commands"][number]) => (c.args[0] ?? "").split("/").pop();
  const start = r.commands.findIndex((c) => c.name === "STREAM FILE" && prompt(c) === "ticket-opened");
  const end = r.commands.findIndex((c, i) => i > start && prompt(c) === "protocol-repeat");
  if (start < 0 || end < 0) return undefined;
  return r.commands.slice(start + 1, end).reduce((sum, c) => sum + c.mediaMs, 0);
}

/**
 * The issue 6 figure: answer → protocol heard (and goodbye), for the caller of the load (listens to
 * each menu, answers 0 ms into its question) and for the fastest caller (BargeInCaller).
 */
async function measureHappyPath(
  port: number,
  pool: UserPool,
  outbox: OutboxReader,
  recorded: { result: CallResult; caller: RecordingCaller },
  tts: string | null,
): Promise<HappyPath[]> {
  const inner = recorded.caller.inner as OpenTicketCaller;
  const out = [await happyPathOf("answers-at-the-question", recorded.result, inner.typed, tts)];
  const user = pool.take();
  try {
    const caller = new BargeInCaller(user, outbox, Date.now());
    const r = await placeCall({ port, script: "ura", callerId: user.callerId, uniqueId: "happy.barge-in", caller, hangupAfterIdleMs: 30_000 });
    if (r.variables.URA_RESULT !== "ticket") throw new Error(`the barge-in call ended with URA_RESULT=${r.variables.URA_RESULT ?? "(unset)"}; heard: ${r.heard.join(" → ")}`);
    out.push(await happyPathOf("barges-in", r, caller.typed, tts));
  } finally {
    pool.give(user);
  }
  // Issue 13: from the caller's own registered extension (its phone's channel), answering at each
  // question: a ticket (nothing asked: "Olá, <nome>."), then a status check of that ticket (the same).
  const fromExtension = { port, script: "ura", callerId: EXTENSION_USER.callerId, channel: `PJSIP/${EXTENSION_USER.extension}-00000001`, hangupAfterIdleMs: 30_000 };
  const ticketCaller = new OpenTicketCaller(EXTENSION_USER, outbox, Date.now(), OWN_EXTENSION_TICKET_KEYS);
  const ticket = await placeCall({ ...fromExtension, uniqueId: "happy.own-extension", caller: ticketCaller });
  const protocol = ticket.variables.URA_TICKET;
  if (ticket.variables.URA_RESULT !== "ticket" || !protocol) throw new Error(`the own-extension call ended with URA_RESULT=${ticket.variables.URA_RESULT ?? "(unset)"}; heard: ${ticket.heard.join(" → ")}`);
  out.push(await happyPathOf("own-extension", ticket, ticketCaller.typed, tts));
  const statusCaller = new OpenTicketCaller(EXTENSION_USER, outbox, Date.now(), ownExtensionStatusKeys(protocol));
  const status = await placeCall({ ...fromExtension, uniqueId: "happy.own-extension-status", caller: statusCaller });
  if (status.variables.URA_RESULT !== "status") throw new Error(`the own-extension status call ended with URA_RESULT=${status.variables.URA_RESULT ?? "(unset)"}; heard: ${status.heard.join(" → ")}`);
  out.push(await happyPathOf("own-extension-status", status, statusCaller.typed, tts));
  return out;
}

/** The TTS cache the service writes (its sidecars give a synthesised file's text). */
function ttsDir(svc: PreparedService): string | null {
  return svc.env.TTS_CACHE_DIR ?? null;
}

/** Calls that fill every cache before anything is measured; the last one is recorded (the floor replays it). */
async function warmUp(port: number, scenario: Scenario, calls: number): Promise<{ result: CallResult; caller: RecordingCaller }> {
  let recorded: { result: CallResult; caller: RecordingCaller } | null = null;
  for (let i = 0; i < calls; i++) {
    const plan = scenario.plan(0);
    const caller = new RecordingCaller(plan.caller);
    const result = await placeCall({ port, script: "ura", callerId: plan.callerId, uniqueId: `warmup.${i}`, caller, hangupAfterIdleMs: 30_000 });
    plan.release?.();
    if (result.variables.URA_RESULT !== scenario.expectedResult) {
      throw new Error(
        `warm-up call ended with URA_RESULT=${result.variables.URA_RESULT ?? "(unset)"}; heard: ${result.heard.join(" → ")}; last command: ${result.commands.at(-1)?.line ?? "none"}`,
      );
    }
    recorded = { result, caller };
  }
  if (!recorded) throw new Error("no warm-up call recorded");
  return recorded;
}

/**
 * `--happy-path`: the caller-perceived figures alone (issue 13's targets), without the load and
 * the floor: the same service, users, warm-up and happy-path calls as a full run, in ~20 s.
 */
export async function runHappyPaths(o: Pick<BenchOptions, "db" | "verbose">): Promise<{ happyPath: HappyPath[]; notes: string[]; errors: string[] }> {
  const errors: string[] = [];
  let svc: PreparedService | null = null;
  try {
    svc = await prepareService({ db: o.db, users: 20, split: false, profile: null, poolSize: 10, log: (m) => log(o.verbose, m) });
    const pool = new UserPool(svc.users);
    const recorded = await warmUp(svc.agiPort, openTicketScenario(pool, svc.outbox), 2);
    const happyPath = await measureHappyPath(svc.agiPort, pool, svc.outbox, recorded, ttsDir(svc));
    errors.push(...(await svc.stop()));
    return { happyPath, notes: svc.notes, errors };
  } finally {
    await svc?.cleanup(errors);
  }
}

export function checkTickets(ticketIds: string[], completed: string[]): TicketCheck {
  const count = new Map<string, number>();
  for (const id of ticketIds) count.set(id, (count.get(id) ?? 0) + 1);
  const done = new Set(completed);
  let withTicket = 0;
  for (const id of done) if (count.has(id)) withTicket++;
  let duplicates = 0;
  let others = 0;
  for (const [id, n] of count) {
    if (n > 1) duplicates++;
    if (!done.has(id)) others++;
  }
  return {
    tickets: ticketIds.length,
    completedCalls: done.size,
    completedWithTicket: withTicket,
    completedWithoutTicket: done.size - withTicket,
    duplicateCallIds: duplicates,
    fromOtherCalls: others,
  };
}

export async function machine(): Promise<Omit<BenchReport["machine"], "loadBefore">> {
  const os = await import("node:os");
  const { execSync } = await import("node:child_process");
  let nofile = "?";
  try {
    nofile = execSync("ulimit -n", { encoding: "utf8", shell: "/bin/sh" }).trim();
  } catch {
    // unknown
  }
  return { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}`, ulimitNofile: nofile };
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: "string", short: "c", default: "10" },
      duration: { type: "string", short: "d", default: "20" },
      "floor-duration": { type: "string" },
      warmup: { type: "string", default: "20" },
      pairs: { type: "string", default: "0" },
      db: { type: "string", default: "sqlite" },
      json: { type: "string" },
      profile: { type: "string" },
      "log-level": { type: "string", default: "warn" },
      quiet: { type: "boolean", short: "q", default: false },
      "happy-path": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`usage: npm run bench -- [--calls C] [--duration S] [--floor-duration S] [--db sqlite|mysql] [--json path] [--profile dir] [--quiet]

  --calls C           concurrent emulated callers, closed loop (default 10)
  --duration S        seconds of load against the service (default 20)
  --floor-duration S  seconds of load against the floor server (default: min(S, 10))
  --warmup S          seconds of the same load before each measured window, the service's and
                      the floor's, reported but not measured (default 20; 0: none): V8 compiles
                      the hot paths in the first seconds of load
  --pairs K           after the measured window, K pairs of 5 s windows, the service's then
                      the floor's, each pair's ratio and their median reported (default 0)
  --db                sqlite (default, under a temp DATA_DIR) or mysql (a fresh database on
                      127.0.0.1:3306 as root, dropped at the end)
  --json path         where to write the JSON report (default bench/results/<timestamp>.json;
                      with --happy-path, bench/results/happy-path-<timestamp>.json)
  --profile dir       run the service under node --cpu-prof, writing the .cpuprofile into dir
  --happy-path        only the happy-path calls (caller-perceived time, with a breakdown per
                      prompt): no load, no floor; about 20 s
  --log-level L       the service's LOG_LEVEL (default warn; info is production's default)
`);
    process.exit(0);
  }
  const calls = Number(values.calls);
  const durationS = Number(values.duration);
  if (!Number.isInteger(calls) || calls < 1 || calls > 20_000) throw new Error("--calls: a whole number from 1 to 20000");
  if (!(durationS > 0 && durationS <= 3600)) throw new Error("--duration: seconds, more than 0 and at most 3600");
  const floorDurationS = values["floor-duration"] !== undefined ? Number(values["floor-duration"]) : Math.min(durationS, 10);
  if (!(floorDurationS > 0 && floorDurationS <= 3600)) throw new Error("--floor-duration: seconds, more than 0 and at most 3600");
  const warmupS = Number(values.warmup);
  if (!(warmupS >= 0 && warmupS <= 3600)) throw new Error("--warmup: seconds, from 0 to 3600");
  const pairs = Number(values.pairs);
  if (!Number.isInteger(pairs) || pairs < 0 || pairs > 100) throw new Error("--pairs: a whole number from 0 to 100");
  if (values.db !== "sqlite" && values.db !== "mysql") throw new Error("--db: sqlite or mysql");
  const logLevel = values["log-level"];
  if (!["debug", "info", "warn", "error"].includes(logLevel)) throw new Error("--log-level: debug, info, warn or error");
  return { calls, durationS, floorDurationS, warmupS, pairs, db: values.db, json: values.json ?? null, profile: values.profile ?? null, logLevel, verbose: !values.quiet, happyPathOnly: values["happy-path"] };
}

async function main(): Promise<void> {
  if (process.argv.includes("--paced")) return (await import("./paced.js")).pacedMain(process.argv.slice(2));
  const options = parseOptions(process.argv.slice(2));
  await build();
  if (options.happyPathOnly) {
    const loadBefore = (await import("node:os")).loadavg();
    const r = await runHappyPaths(options);
    const report: HappyPathReport = { version: 1, at: new Date().toISOString(), machine: { ...(await machine()), loadBefore }, options, ...r };
    process.stdout.write(formatHappyPaths(r.happyPath, true));
    if (r.errors.length) process.stdout.write(`\n  FAILED: ${r.errors.join("; ")}\n`);
    await writeReport(options.json ?? join(ROOT, "bench", "results", `happy-path-${report.at.replace(/[:.]/g, "-")}.json`), report);
    process.exitCode = r.errors.length > 0 ? 1 : 0;
    return;
  }
  const report = await runBench(options);
  process.stdout.write(formatReport(report));
  await writeReport(options.json ?? join(ROOT, "bench", "results", `${report.at.replace(/[:.]/g, "-")}.json`), report);
  process.exitCode = report.errors.length > 0 ? 1 : 0;
}

/** Writes a report where `--json` says (or its default under bench/results/, not committed), without the per-call id lists. */
async function writeReport(file: string, report: BenchReport | HappyPathReport): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, (k, v: unknown) => (k === "completedCallIds" || k === "failedCallIds" ? undefined : v), 2)}\n`);
  process.stdout.write(`\nJSON: ${file}\n`);
}

if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
