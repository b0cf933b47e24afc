import { placeCall, type Caller, type CallerAction, type CallResult, type CallState, type PromptEvent } from "../src/emulator/asterisk-emulator.js";
import { Samples, type Summary } from "./stats.js";
import { WireTap, withTap } from "./tap.js";

/** One call to place: who calls, and the person on the phone. */
export interface CallPlan {
  callerId: string;
  caller: Caller;
  /** Called once the call is over (returns a test user to the pool, …). */
  release?: () => void;
}

export interface LoadOptions {
  port: number;
  concurrency: number;
  durationMs: number;
  /** Call ids are `<prefix>.<n>` (Asterisk's uniqueid shape: epoch seconds, a dot, a counter). */
  idPrefix: string;
  plan: (seq: number) => CallPlan | Promise<CallPlan>;
  /** URA_RESULT a successful call ends with. */
  expectedResult: string;
  /** Callers start spread over this many ms, so a big C is not one SYN flood. */
  rampMs?: number;
  /** Hang up (and count an error) if the server says nothing for this long. */
  idleHangupMs?: number;
}

export interface LoadResult {
  concurrency: number;
  startedAt: number;
  endedAt: number;
  elapsedS: number;
  completed: number;
  callsPerSecond: number;
  errors: number;
  errorReasons: Record<string, number>;
  /** Server think time per AGI command, ms. */
  think: Summary;
  /** Sum of think times per completed call, ms. */
  callThink: Summary;
  commandsPerCall: Summary;
  /** Emulator's caller-perceived time (virtual media + real think) per completed call, ms. */
  perceived: Summary;
  /** Think time by step (command + prompt), ms: where the server spends its time within a call. */
  byStep: { step: string; think: Summary }[];
  /** Commands whose think time came from the emulator's ms clock because the wire tap missed them. */
  coarseSamples: number;
  /**
   * Calls inside the service (first command received, not yet closed), sampled every 250 ms, and
   * calls connected (those still waiting for the service to accept them included).
   */
  inService: { mean: number; max: number };
  connected: { mean: number; max: number };
  /** CPU of the bench process itself (the emulated callers), % of one core: near 100 % it is the bottleneck. */
  emulatorCpuPercent: number;
  completedCallIds: string[];
  /** When each completed call ended (epoch ms), in completedCallIds' order: CPU per call by window. */
  completedAt: number[];
  failedCallIds: string[];
}

/** Names one command for the per-step table: `STREAM FILE greeting`, `GET DATA ask-user-code`, `SET VARIABLE URA_RESULT`. */
export function stepName(c: { name: string; args: string[] }): string {
  const first = c.args[0] ?? "";
  let arg = c.name === "STREAM FILE" || c.name === "GET DATA" ? (first.split("/").pop() ?? first) : c.name === "SAY DIGITS" ? "<digits>" : first;
  // Synthesised speech (a name, a catalogue option) is a content-addressed cache file.
  if (/^[0-9a-f]{32,64}$/.test(arg)) arg = "<tts>";
  return arg ? `${c.name} ${arg}` : c.name;
}

/** Drives `concurrency` callers in a closed loop (each places its next call as soon as one ends) for `durationMs`. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const think = new Samples();
  const callThink = new Samples();
  const commandsPerCall = new Samples();
  const perceived = new Samples();
  const steps = new Map<string, Samples>();
  const errorReasons: Record<string, number> = {};
  const completedCallIds: string[] = [];
  const completedAt: number[] = [];
  const failedCallIds: string[] = [];
  let coarse = 0;
  let seq = 0;
  const startedAt = Date.now();
  const cpuBefore = process.cpuUsage();
  const stopAt = startedAt + o.durationMs;
  const rampMs = o.rampMs ?? Math.min(2000, o.concurrency * 2);

  const live = new Set<WireTap>();
  let sampled = 0;
  let inServiceSum = 0;
  let inServiceMax = 0;
  let connectedSum = 0;
  let connectedMax = 0;
  const occupancy = setInterval(() => {
    let inside = 0;
    for (const t of live) if (t.thinkMs.length > 0) inside++;
    sampled++;
    inServiceSum += inside;
    inServiceMax = Math.max(inServiceMax, inside);
    connectedSum += live.size;
    connectedMax = Math.max(connectedMax, live.size);
  }, 250);

  const fail = (reason: string, callId: string) => {
    errorReasons[reason] = (errorReasons[reason] ?? 0) + 1;
    failedCallIds.push(callId);
  };

  const one = async () => {
    const n = ++seq;
    const callId = `${o.idPrefix}.${n}`;
    const plan = await o.plan(n);
    const tap = new WireTap();
    live.add(tap);
    let result: CallResult;
    try {
      result = await withTap(tap, () =>
        placeCall({
          port: o.port,
          script: "ura",
          callerId: plan.callerId,
          uniqueId: callId,
          caller: plan.caller,
          hangupAfterIdleMs: o.idleHangupMs ?? 30_000,
          deadChannelTimeoutMs: 5000,
        }),
      );
    } catch (err) {
      fail(`emulator: ${(err as Error).message.slice(0, 80)}`, callId);
      return;
    } finally {
      live.delete(tap);
      plan.release?.();
    }
    const exact = tap.thinkMs.length === result.commands.length;
    if (!exact) coarse += result.commands.length;
    let total = 0;
    result.commands.forEach((c, i) => {
      const t = exact ? tap.thinkMs[i]! : c.thinkMs;
      total += t;
      think.push(t);
      const key = stepName(c);
      let s = steps.get(key);
      if (!s) steps.set(key, (s = new Samples()));
      s.push(t);
    });
    const outcome = result.variables.URA_RESULT;
    if (result.hungUp) return fail(`hung up at "${result.commands.at(-1)?.line ?? "?"}"`, callId);
    if (outcome !== o.expectedResult) return fail(`URA_RESULT=${outcome ?? "(unset)"}`, callId);
    completedCallIds.push(callId);
    completedAt.push(Date.now());
    callThink.push(total);
    commandsPerCall.push(result.commands.length);
    perceived.push(result.perceivedMs);
  };

  const worker = async (index: number) => {
    if (rampMs > 0) await new Promise((r) => setTimeout(r, (rampMs * index) / o.concurrency));
    while (Date.now() < stopAt) await one();
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, i) => worker(i)));
  clearInterval(occupancy);
  const endedAt = Date.now();
  const elapsedS = (endedAt - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const byStep = [...steps.entries()].map(([step, s]) => ({ step, think: s.summary() }));
  return {
    concurrency: o.concurrency,
    startedAt,
    endedAt,
    elapsedS,
    completed: completedCallIds.length,
    callsPerSecond: completedCallIds.length / elapsedS,
    errors: failedCallIds.length,
    errorReasons,
    think: think.summary(),
    callThink: callThink.summary(),
    commandsPerCall: commandsPerCall.summary(),
    perceived: perceived.summary(),
    byStep,
    coarseSamples: coarse,
    inService: { mean: sampled ? inServiceSum / sampled : Number.NaN, max: inServiceMax },
    connected: { mean: sampled ? connectedSum / sampled : Number.NaN, max: connectedMax },
    emulatorCpuPercent: ((cpu.user + cpu.system) / 1000 / (endedAt - startedAt)) * 100,
    completedCallIds,
    completedAt,
    failedCallIds,
  };
}

/** Wraps a caller and writes down what it did, so the floor can replay the same call. */
export class RecordingCaller implements Caller {
  readonly actions: CallerAction[] = [];
  constructor(readonly inner: Caller) {}
  async react(event: PromptEvent, state: CallState): Promise<CallerAction> {
    const action = await this.inner.react(event, state);
    this.actions.push(action);
    return action;
  }
}

/** Does again, prompt after prompt, what a recorded caller did. */
export class ReplayCaller implements Caller {
  private i = 0;
  constructor(private readonly actions: readonly CallerAction[]) {}
  react(): CallerAction {
    return this.actions[this.i++] ?? { kind: "listen" };
  }
}
