import { createEventBus, type EventBus, type EventSource } from "../shared/event-bus.js";
import { realTimers, type Timers } from "../shared/timers.js";
import { SILENCE_MS, type Heartbeat, type IvrCallsChanged, type LivenessEvents, type LivenessView, type PartStatus, type PartStatusChanged } from "./ports/liveness.js";

interface Part {
  status: PartStatus;
  /** Fires SILENCE_MS after the last heartbeat: the part is OFFLINE. */
  timer: unknown;
}

/**
 * Seed 002's centraliser: the parts' heartbeats and who is ONLINE. One timer per part, reset by
 * each heartbeat, so a silent part is OFFLINE exactly SILENCE_MS after its last heartbeat; a
 * heartbeat from an OFFLINE part makes it ONLINE. Both transitions are published on `events`,
 * once each. Kept in memory by the API process: after an API restart the table fills again
 * within one heartbeat interval.
 */
export class LivenessBoard implements LivenessView {
  private readonly parts = new Map<string, Part>();
  private readonly bus: EventBus<PartStatusChanged>;
  private readonly callBus: EventBus<IvrCallsChanged>;
  /** The last sum published on callChanges: a heartbeat that changes nothing publishes nothing. */
  private lastCallsInIvr = 0;
  private readonly timers: Timers;
  private readonly silenceMs: number;
  private stopped = false;

  constructor(options: { timers?: Timers; silenceMs?: number; onListenerError?: (err: unknown) => void } = {}) {
    this.timers = options.timers ?? realTimers;
    this.silenceMs = options.silenceMs ?? SILENCE_MS;
    this.bus = createEventBus(options.onListenerError);
    this.callBus = createEventBus(options.onListenerError);
  }

  /** Transitions (ONLINE → OFFLINE, OFFLINE → ONLINE), for the wallboard and the notices. */
  get events(): LivenessEvents {
    return this.bus;
  }

  /** The sum of the calls in the IVR changed (a node's heartbeat said so, or a node went silent or came back). */
  get callChanges(): EventSource<IvrCallsChanged> {
    return this.callBus;
  }

  /** Calls connected to the IVR now, over the ONLINE IVR nodes (a silent node's last count is stale, so it counts 0). */
  callsInIvr(): number {
    let sum = 0;
    for (const { status } of this.parts.values()) if (status.kind === "ivr" && status.liveness === "ONLINE") sum += status.calls?.active ?? 0;
    return sum;
  }

  /** Records a heartbeat; returns the part's status after it. */
  beat(heartbeat: Heartbeat): PartStatus {
    const now = this.iso();
    const known = this.parts.get(heartbeat.name);
    if (known) this.timers.clearTimeout(known.timer);
    const cameBack = known?.status.liveness === "OFFLINE";
    const status: PartStatus = {
      ...heartbeat,
      liveness: "ONLINE",
      lastSeenAt: now,
      since: known && !cameBack ? known.status.since : now,
    };
    const part: Part = { status, timer: null };
    this.parts.set(heartbeat.name, part);
    if (!this.stopped) part.timer = this.timers.setTimeout(() => this.silent(heartbeat.name), this.silenceMs);
    if (cameBack) this.bus.publish({ type: "part-status-changed", part: { ...status } });
    this.countCalls();
    return { ...status };
  }

  /** Every part heard from since the API started, by kind and name. */
  list(): PartStatus[] {
    return [...this.parts.values()]
      .map((p) => ({ ...p.status }))
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }

  /** Stops the timers (the API is closing): no part goes OFFLINE because we stopped listening. */
  stop(): void {
    this.stopped = true;
    for (const part of this.parts.values()) this.timers.clearTimeout(part.timer);
  }

  private silent(name: string): void {
    const part = this.parts.get(name);
    if (!part || part.status.liveness === "OFFLINE") return;
    part.status = { ...part.status, liveness: "OFFLINE", since: this.iso() };
    this.bus.publish({ type: "part-status-changed", part: { ...part.status } });
    this.countCalls();
  }

  private countCalls(): void {
    const inIvr = this.callsInIvr();
    if (inIvr === this.lastCallsInIvr) return;
    this.lastCallsInIvr = inIvr;
    this.callBus.publish({ type: "ivr-calls-changed", inIvr });
  }

  private iso(): string {
    return new Date(this.timers.now()).toISOString();
  }
}
