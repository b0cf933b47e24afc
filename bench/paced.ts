/**
 * `npm run bench -- --paced [--calls C] [--duration S] [--db sqlite|mysql] [--split] [--time-scale X]`
 *
 * An open load of human-paced callers against the compiled service: calls arrive as a Poisson
 * process at the rate that holds C concurrent calls (λ = C / mean call length), every prompt takes
 * its real length (the emulator replies when the media would have ended), and callers press keys
 * like people: when the question has been asked, after 1–3 s of thinking, with a share who barge
 * in and a share who stay silent once. It reports the concurrent calls held, the dead air after
 * each key (p50/p95/p99/max), errors, the service's CPU and RSS (and per call), and checks one
 * ticket per completed call. See docs/performance.md.
 *
 * So that C calls are in progress from the first second (and a small run stays short), the run
 * starts with C "phase-in" callers: each skips, in virtual time, a uniformly random share of a
 * call (keys pressed at once, prompts not waited for) and lives the rest in real time, as the calls
 * in progress of a steady state would. They complete like the others and their tickets are
 * checked. They start spread over a ramp of C/50 s (at least 2 s); the measured window (--duration)
 * begins 5 s after it. The calls still running when the window ends are cut at their next prompt
 * and counted apart, not as errors.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultSoundDuration, placeCall, type Caller, type CallerAction, type CallResult, type CallState, type PromptEvent } from "../src/emulator/asterisk-emulator.js";
import { ticketCallIds, type DbChoice } from "./db.js";
import { prepareService, type PreparedService } from "./prepare.js";
import { pidByName, ProcSampler, type ProcWindow } from "./proc.js";
import { checkTickets, machine, type TicketCheck } from "./run.js";
import { DEFAULT_KEYS, OpenTicketCaller, questionOf, UserPool, type BenchUser } from "./scenario.js";
import { build, ROOT } from "./service.js";
import { round, Samples, type Summary } from "./stats.js";
import { prng } from "../test/support/prng.js";

export interface PacedOptions {
  /** Concurrent calls to hold. */
  calls: number;
  /** Seconds of arrivals (the measured window). */
  durationS: number;
  db: DbChoice;
  /** `ura api` and `ura ivr` as two processes, instead of `ura start`. */
  split: boolean;
  /** Media time factor: 1 = real time; smaller plays prompts faster (smoke tests only). */
  timeScale: number;
  persona: Persona;
  seed: number;
  json: string | null;
  verbose: boolean;
}

/** How the emulated people behave. */
export interface Persona {
  /** Thinking, from the start of the question, before the first key: uniform in [min, max] ms. */
  thinkMinMs: number;
  thinkMaxMs: number;
  /** Share of callers who know the menus and press within half a second of the question. */
  bargeInShare: number;
  /** Share of callers who stay silent at one question (the IVR asks again). */
  silentOnceShare: number;
}

export const DEFAULT_PERSONA: Persona = { thinkMinMs: 1000, thinkMaxMs: 3000, bargeInShare: 0.2, silentOnceShare: 0.1 };

export interface PacedReport {
  version: 1;
  kind: "paced";
  at: string;
  machine: { cpus: number; node: string; platform: string; ulimitNofile: string; loadBefore: number[] };
  options: PacedOptions;
  notes: string[];
  /** Mean length of one call as a caller lives it (s), measured before the load: the arrival rate is C / this. */
  callLengthS: number;
  arrivalsPerSecond: number;
  /** Calls in progress, sampled every 250 ms in the measured window (after the phase-in ramp and 5 s). */
  concurrent: { target: number; mean: number; min: number; max: number };
  /**
   * Phase-in calls are among the placed and completed ones. `heardUnavailableThenRecovered`: completed
   * calls (a ticket) whose caller heard "system-unavailable" first, among the completed, not the errors.
   */
  calls: {
    placed: number;
    completed: number;
    heardUnavailableThenRecovered: number;
    phaseIn: number;
    cutAtEnd: number;
    errors: number;
    errorReasons: Record<string, number>;
  };
  /** ms from the reply that carried a caller's key to the next prompt starting. */
  deadAir: Summary;
  /** The same, for the worst step (command that followed the key). */
  deadAirByStep: { step: string; deadAir: Summary }[];
  /** The service's processes (summed when split). */
  /** cpuMsPerCall: the service's CPU in the window (idle work included) over the calls a steady C completes in it. */
  service: ProcWindow & { idleRssMb: number; rssPerCallKb: number; cpuMsPerCall: number };
  database: ProcWindow | null;
  /** CPU of the bench process (the emulated callers), % of one core. */
  emulatorCpuPercent: number;
  tickets: TicketCheck;
  serviceLog: Record<string, number>;
  errors: string[];
}

/**
 * A person on the open-ticket path: the same answers as the instant caller (`OpenTicketCaller`,
 * which knows which prompt asks what), given at a human pace: 1–3 s into the question, or within
 * half a second for those who barge in; once per call a silent-once caller lets a question time
 * out. `leaveAt` makes the caller hang up at that moment (the calls still running when the run
 * ends); `skipMs` of media are skipped first (phase-in callers), see `mediaTimeScale`.
 */
export class PacedCaller implements Caller {
  leaveAt = Number.POSITIVE_INFINITY;
  /** Media ms to skip at the start of the call (virtual time, keys at once). */
  skipMs = 0;
  private skipping = false;
  private readonly bargesIn: boolean;
  private silentAt: number;
  private questions = 0;

  constructor(
    private readonly inner: Caller,
    private readonly persona: Persona,
    private readonly rnd: () => number,
    private readonly durationOf: (file: string) => number,
    /** The emulator's media time factor: `leaveAt` is real time, prompt lengths are media time. */
    private readonly timeScale = 1,
  ) {
    this.bargesIn = rnd() < persona.bargeInShare;
    // The question (1st, 2nd or 3rd) at which a silent-once caller says nothing; -1 = never.
    this.silentAt = rnd() < persona.silentOnceShare ? Math.floor(rnd() * 3) : -1;
  }

  /** The emulator's media time factor for the reply being sent: 0 while skipping ahead. */
  mediaTimeScale(): number {
    return this.skipping ? 0 : this.timeScale;
  }

  async react(event: PromptEvent, state: CallState): Promise<CallerAction> {
    const duration = this.durationOf(event.file);
    const left = (this.leaveAt - Date.now()) / this.timeScale;
    if (left < duration) return { kind: "hangup", atMs: Math.max(0, left) };
    this.skipping = this.skipMs > 0 && state.commands.reduce((sum, c) => sum + c.mediaMs, 0) < this.skipMs;
    if (!isQuestion(event, state)) return { kind: "listen" };
    if (this.skipping) return this.inner.react(event, state);
    if (this.questions++ === this.silentAt) {
      this.silentAt = -1;
      return { kind: "listen" };
    }
    const action = await this.inner.react(event, state);
    if (action.kind !== "press") return action;
    const { thinkMinMs: lo, thinkMaxMs: hi } = this.persona;
    const atMs = this.bargesIn ? this.rnd() * 500 : lo + this.rnd() * (hi - lo);
    return { ...action, atMs: Math.round(atMs) };
  }
}

/** A GET DATA that asks something the open-ticket caller answers (keyed by `questionOf`: a menu's head, or the prompt). */
function isQuestion(event: PromptEvent, state: CallState): boolean {
  return event.command === "GET DATA" && DEFAULT_KEYS.byPrompt[questionOf(event, state)] !== undefined;
}

const MEDIA = new Set(["STREAM FILE", "GET DATA", "SAY DIGITS", "RECORD FILE", "SAY NUMBER", "SAY DATE", "SAY TIME"]);

/** Whether the caller's key ended this command (a barge-in, or digits typed into GET DATA). */
function carriedKey(c: CallResult["commands"][number]): boolean {
  const reply = c.reply[0] ?? "";
  if (c.name === "GET DATA") return /^200 result=\d/.test(reply) || /^200 result=[*#]/.test(reply);
  if (c.name === "STREAM FILE" || c.name === "SAY DIGITS" || c.name === "WAIT FOR DIGIT") return /^200 result=[1-9]\d*/.test(reply);
  return false;
}

/**
 * Dead air after each key: from the reply that carried the key to the next prompt's command
 * arriving (the server's think time of every command in between, summed). A call that ends after
 * the key (the protocol's last answer) has none.
 */
export function deadAirAfterKeys(commands: CallResult["commands"]): { step: string; ms: number }[] {
  const out: { step: string; ms: number }[] = [];
  for (let i = 0; i < commands.length; i++) {
    if (!carriedKey(commands[i]!)) continue;
    let ms = 0;
    for (let j = i + 1; j < commands.length; j++) {
      const c = commands[j]!;
      ms += c.thinkMs;
      if (MEDIA.has(c.name)) {
        const file = c.args[0]?.split("/").pop() ?? "";
        out.push({ step: `${c.name} ${/^[0-9a-f]{32,64}$/.test(file) ? "<tts>" : file}`, ms });
        break;
      }
    }
  }
  return out;
}

const t0 = Date.now();
const say = (verbose: boolean, msg: string) => verbose && process.stderr.write(`bench --paced [${((Date.now() - t0) / 1000).toFixed(1)} s]: ${msg}\n`);

export async function runPaced(o: PacedOptions): Promise<PacedReport> {
  const errors: string[] = [];
  const loadBefore = loadavg();
  const rnd = prng(o.seed);
  const durations = new Map<string, number>();
  const durationOf = (file: string): number => {
    if (file.startsWith("digits:")) return (file.length - 7) * 600;
    let d = durations.get(file);
    if (d === undefined) durations.set(file, (d = defaultSoundDuration(file) ?? 2000));
    return d;
  };
  let svc: PreparedService | null = null;
  let phaseIn = 0;
  let sampler: ProcSampler | null = null;
  let dbSampler: ProcSampler | null = null;
  try {
    // Users: every call in progress holds one; arrivals are random, so keep a generous margin.
    // People stay on the line: a node that serves C of them needs AGI_MAX_CALLS ≥ C (its default,
    // 100, bounds instant callers' overload; more would wait in silence). Poisson peaks need room.
    const maxCalls = Math.max(100, Math.ceil(o.calls * 1.5));
    svc = await prepareService({ db: o.db, users: Math.max(200, o.calls * 3), split: o.split, profile: null, poolSize: 50, maxCalls, log: (m) => say(o.verbose, m) });
    const service = svc;
    const pool = new UserPool(svc.users);
    const emulate = (user: BenchUser, callId: string, caller: PacedCaller) =>
      placeCall({
        port: service.agiPort,
        script: "ura",
        callerId: user.callerId,
        uniqueId: callId,
        caller,
        mediaTimeScale: () => caller.mediaTimeScale(),
        hangupAfterIdleMs: 60_000,
        deadChannelTimeoutMs: 10_000,
      });
    const newCaller = (user: BenchUser) =>
      new PacedCaller(new OpenTicketCaller(user, service.outbox, Date.now(), DEFAULT_KEYS), o.persona, rnd, durationOf, o.timeScale);

    // ── the length of a call as these people live it (virtual time: quick) ─────────────────
    const lengths: number[] = [];
    for (let i = 0; i < 5; i++) {
      const user = pool.take();
      const r = await placeCall({ port: svc.agiPort, script: "ura", callerId: user.callerId, uniqueId: `warmup.${i}`, caller: newCaller(user), hangupAfterIdleMs: 30_000 });
      pool.give(user);
      if (r.variables.URA_RESULT !== "ticket") throw new Error(`warm-up call ended with URA_RESULT=${r.variables.URA_RESULT ?? "(unset)"}; heard: ${r.heard.join(" → ")}`);
      lengths.push(r.perceivedMs);
    }
    const mediaMsPerCall = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    const callLengthMs = mediaMsPerCall * o.timeScale;
    const rate = o.calls / callLengthMs; // arrivals per ms
    say(o.verbose, `a call lasts ${(callLengthMs / 1000).toFixed(1)} s: ${(rate * 1000).toFixed(2)} arrivals/s hold ${o.calls} calls`);

    // ── the load ─────────────────────────────────────────────────────────────────────────────
    const pids = svc.services.map((s) => s.pid);
    sampler = new ProcSampler(pids).start();
    await new Promise((r) => setTimeout(r, 500));
    const idle = sampler.sample();
    const idleRssMb = idle ? idle.rssKb / 1024 : Number.NaN;
    const dbPid = svc.db ? pidByName("mariadbd", "mysqld") : null;
    dbSampler = dbPid ? new ProcSampler(dbPid).start() : null;

    const live = new Set<PacedCaller>();
    const deadAir = new Samples();
    const steps = new Map<string, Samples>();
    const errorReasons: Record<string, number> = {};
    const completed: string[] = [];
    let placed = 0;
    let cutAtEnd = 0;
    let recovered = 0;
    let ending = false;
    const startedAt = Date.now();
    // Phase-in callers start spread over the ramp (skipping ahead costs the service a burst of
    // commands: ~50 calls' worth a second), and the measured window begins once they are in.
    const rampMs = Math.max(2000, (o.calls / 50) * 1000);
    const measureFrom = startedAt + rampMs + 5000;
    const stopAt = measureFrom + o.durationS * 1000;
    const cpuBefore = process.cpuUsage();
    const occupancy = new Samples();
    const occupancyTimer = setInterval(() => {
      const now = Date.now();
      if (now >= measureFrom && now < stopAt) occupancy.push(live.size);
    }, 250);

    const one = async (seq: number, skipMs: number): Promise<void> => {
      const user = pool.take();
      const callId = `${Math.floor(startedAt / 1000)}.${seq}`;
      const caller = newCaller(user);
      caller.skipMs = skipMs;
      if (skipMs > 0) phaseIn++;
      live.add(caller);
      placed++;
      let r: CallResult;
      try {
        r = await emulate(user, callId, caller);
      } catch (err) {
        errorReasons[`emulator: ${(err as Error).message.slice(0, 80)}`] = (errorReasons[`emulator: ${(err as Error).message.slice(0, 80)}`] ?? 0) + 1;
        return;
      } finally {
        live.delete(caller);
        pool.give(user);
      }
      for (const d of deadAirAfterKeys(r.commands)) {
        deadAir.push(d.ms);
        let s = steps.get(d.step);
        if (!s) steps.set(d.step, (s = new Samples()));
        s.push(d.ms);
      }
      const outcome = callOutcome(r, caller.leaveAt <= Date.now());
      if (outcome.kind === "ticket") {
        if (outcome.heardUnavailable) recovered++;
        return void completed.push(callId);
      }
      if (outcome.kind === "cut") return void cutAtEnd++;
      errorReasons[outcome.reason] = (errorReasons[outcome.reason] ?? 0) + 1;
    };

    const running: Promise<void>[] = [];
    let seq = 0;
    // C callers already in the middle of their call: each skips a random share of one.
    for (let i = 0; i < o.calls; i++) {
      const skipMs = rnd() * mediaMsPerCall;
      const at = startedAt + (rampMs * i) / o.calls;
      running.push(new Promise((r) => setTimeout(r, at - Date.now())).then(() => one(++seq, skipMs)));
    }
    // Poisson arrivals until the end of the window.
    while (!ending) {
      const gap = -Math.log(1 - rnd()) / rate;
      const wake = Math.min(Date.now() + gap, stopAt);
      await new Promise((r) => setTimeout(r, Math.max(0, wake - Date.now())));
      if (Date.now() >= stopAt) break;
      running.push(one(++seq, 0));
    }
    ending = true;
    const endedAt = Date.now();
    // The calls still running are cut at their next prompt (they would end well after the window).
    for (const c of live) c.leaveAt = endedAt;
    say(o.verbose, `window over: cutting ${live.size} calls in progress`);
    await Promise.all(running);
    clearInterval(occupancyTimer);
    const cpu = process.cpuUsage(cpuBefore);
    sampler.sample();
    const proc = sampler.window(measureFrom, endedAt);
    dbSampler?.sample();
    const dbProc = dbSampler ? dbSampler.window(measureFrom, endedAt) : null;
    sampler.stop();
    dbSampler?.stop();

    say(o.verbose, "stopping the service (SIGTERM, graceful drain)");
    errors.push(...(await svc.stop()));
    const serviceLog = Object.assign({}, ...svc.services.map((s) => s.logSummary())) as Record<string, number>;

    const ids = await ticketCallIds(o.db, svc.dataDir, svc.db?.url ?? null);
    const tickets = checkTickets(ids.filter((id) => !id.startsWith("warmup.")), completed);
    if (tickets.completedWithoutTicket > 0) errors.push(`${tickets.completedWithoutTicket} completed calls have no ticket`);
    if (tickets.duplicateCallIds > 0) errors.push(`${tickets.duplicateCallIds} call ids have more than one ticket`);
    const errorCount = Object.values(errorReasons).reduce((a, b) => a + b, 0);
    if (errorCount > 0) errors.push(`${errorCount} calls failed: ${JSON.stringify(errorReasons)}`);

    const occ = occupancy.values();
    const concurrentMean = occ.length ? occ.reduce((a, b) => a + b, 0) / occ.length : Number.NaN;
    const windowS = (endedAt - measureFrom) / 1000;
    // CPU per call: the service's CPU in the window over the calls that a steady C completes in it.
    const callsInWindow = (concurrentMean * windowS * 1000) / callLengthMs;
    return {
      version: 1,
      kind: "paced",
      at: new Date().toISOString(),
      machine: { ...(await machine()), loadBefore },
      options: o,
      notes: svc.notes,
      callLengthS: round(callLengthMs / 1000, 1),
      arrivalsPerSecond: round(rate * 1000, 3),
      concurrent: { target: o.calls, mean: round(concurrentMean, 1), min: occ.length ? Math.min(...occ) : Number.NaN, max: occ.length ? Math.max(...occ) : Number.NaN },
      calls: { placed, completed: completed.length, heardUnavailableThenRecovered: recovered, phaseIn, cutAtEnd, errors: errorCount, errorReasons },
      deadAir: deadAir.summary(),
      deadAirByStep: [...steps.entries()].map(([step, s]) => ({ step, deadAir: s.summary() })).sort((a, b) => b.deadAir.p99 - a.deadAir.p99),
      service: {
        ...proc,
        idleRssMb: round(idleRssMb),
        rssPerCallKb: round(((proc.rssMeanMb - idleRssMb) * 1024) / concurrentMean),
        cpuMsPerCall: round(((proc.cpuPercent / 100) * windowS * 1000) / callsInWindow),
      },
      database: dbProc,
      emulatorCpuPercent: round(((cpu.user + cpu.system) / 1000 / (endedAt - startedAt)) * 100, 1),
      tickets,
      serviceLog,
      errors,
    };
  } finally {
    sampler?.stop();
    dbSampler?.stop();
    await svc?.cleanup(errors);
  }
}

/**
 * How a call ended for the report: its ticket (and whether the caller heard "system-unavailable"
 * on the way, so a recovery is not hidden among the successes), cut at the window's end, or an error.
 */
export function callOutcome(
  r: Pick<CallResult, "variables" | "hungUp" | "heard" | "commands">,
  pastWindow: boolean,
): { kind: "ticket"; heardUnavailable: boolean } | { kind: "cut" } | { kind: "error"; reason: string } {
  if (r.variables.URA_RESULT === "ticket" && !r.hungUp) return { kind: "ticket", heardUnavailable: r.heard.includes("system-unavailable") };
  if (r.hungUp && pastWindow) return { kind: "cut" };
  return { kind: "error", reason: r.hungUp ? `hung up at "${r.commands.at(-1)?.line ?? "?"}"` : `URA_RESULT=${r.variables.URA_RESULT ?? "(unset)"}` };
}

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : "—");

/** The plain-text report `npm run bench -- --paced` prints. */
export function formatPacedReport(r: PacedReport): string {
  const s = r.service;
  const d = r.deadAir;
  const lines = [
    "",
    `ura-chamados bench --paced — C=${r.options.calls}, ${r.options.durationS} s, ${r.options.db}, ${r.options.split ? "API and IVR as separate processes" : "ura start (one process)"}, ${r.machine.cpus} CPUs, node ${r.machine.node}${r.options.timeScale !== 1 ? `, media at ${r.options.timeScale}× real time` : ""}`,
    ...r.notes.map((n) => `  note: ${n}`),
    "",
    `  one call lasts        ${f(r.callLengthS)} s as the caller lives it → ${f(r.arrivalsPerSecond, 2)} arrivals/s`,
    `  concurrent calls      mean ${f(r.concurrent.mean)}, min ${r.concurrent.min}, max ${r.concurrent.max} (target ${r.concurrent.target})`,
    `  calls                 ${r.calls.placed} placed, ${r.calls.completed} completed, ${r.calls.phaseIn} phase-in, ${r.calls.cutAtEnd} cut at the end, ${r.calls.errors} errors${r.calls.errors ? ` ${JSON.stringify(r.calls.errorReasons)}` : ""}`,
    `  heard unavailable then recovered  ${r.calls.heardUnavailableThenRecovered} of the completed calls (heard "system-unavailable", then got their ticket)`,
    `  dead air after a key  p50 ${f(d.p50)} ms, p95 ${f(d.p95)} ms, p99 ${f(d.p99)} ms, max ${f(d.max)} ms (n=${d.n})`,
    ...r.deadAirByStep.slice(0, 3).map((x) => `    worst: ${x.step.padEnd(34)} p99 ${f(x.deadAir.p99)} ms, max ${f(x.deadAir.max)} ms (n=${x.deadAir.n})`),
    `  service               CPU ${f(s.cpuPercent)} % of a core (${f(s.cpuMsPerCall, 2)} ms per call), RSS mean ${f(s.rssMeanMb)} MB, max ${f(s.rssMaxMb)} MB, idle ${f(s.idleRssMb)} MB, ${f(s.rssPerCallKb)} KB per call`,
    ...(r.database ? [`  MariaDB               CPU ${f(r.database.cpuPercent)} % of a core, RSS ${f(r.database.rssMeanMb)} MB`] : []),
    `  emulator              CPU ${f(r.emulatorCpuPercent)} % of a core; machine busy ${f(s.machineCpuPercent)} % of a core`,
    `  tickets               ${r.tickets.completedWithTicket}/${r.tickets.completedCalls} completed calls have their ticket, ${r.tickets.duplicateCallIds} duplicates`,
    "",
    r.errors.length ? `  ERRORS:\n${r.errors.map((e) => `    - ${e}`).join("\n")}` : "  no errors",
    "",
  ];
  return lines.join("\n");
}

export function parsePacedOptions(argv: string[]): PacedOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      paced: { type: "boolean" },
      calls: { type: "string", short: "c", default: "20" },
      duration: { type: "string", short: "d", default: "45" },
      db: { type: "string", default: "sqlite" },
      split: { type: "boolean", default: false },
      "time-scale": { type: "string", default: "1" },
      seed: { type: "string", default: "1" },
      json: { type: "string" },
      quiet: { type: "boolean", short: "q", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`usage: npm run bench -- --paced [--calls C] [--duration S] [--db sqlite|mysql] [--split] [--time-scale X] [--seed N] [--json path] [--quiet]

  --calls C         concurrent human-paced calls to hold (default 20)
  --duration S      the measured window, seconds (default 45); it starts after a ramp of C/50 s
                    (at least 2 s) that brings the first C calls in, plus 5 s
  --db              sqlite (default) or mysql (a fresh database on 127.0.0.1:3306, dropped at the end)
  --split           run \`ura api\` and \`ura ivr\` as two processes instead of \`ura start\`
  --time-scale X    media time factor (default 1 = real time; 0.05 plays prompts 20× faster)
  --seed N          the callers' random choices (default 1)
`);
    process.exit(0);
  }
  const calls = Number(values.calls);
  const durationS = Number(values.duration);
  const timeScale = Number(values["time-scale"]);
  if (!Number.isInteger(calls) || calls < 1 || calls > 20_000) throw new Error("--calls: a whole number from 1 to 20000");
  if (!(durationS > 0 && durationS <= 3600)) throw new Error("--duration: seconds, more than 0 and at most 3600");
  if (!(timeScale > 0 && timeScale <= 1)) throw new Error("--time-scale: a factor above 0 and at most 1");
  if (values.db !== "sqlite" && values.db !== "mysql") throw new Error("--db: sqlite or mysql");
  return {
    calls,
    durationS,
    db: values.db,
    split: values.split,
    timeScale,
    persona: DEFAULT_PERSONA,
    seed: Number(values.seed) || 1,
    json: values.json ?? null,
    verbose: !values.quiet,
  };
}

export async function pacedMain(argv: string[]): Promise<void> {
  const options = parsePacedOptions(argv);
  await build();
  const report = await runPaced(options);
  process.stdout.write(formatPacedReport(report));
  const file = options.json ?? join(ROOT, "bench", "results", `paced-${report.at.replace(/[:.]/g, "-")}.json`);
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nJSON: ${file}\n`);
  process.exitCode = report.errors.length > 0 ? 1 : 0;
}
