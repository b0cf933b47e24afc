import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from "prom-client";

/**
 * Every Prometheus metric of ura-chamados, in one place (prom-client, docs/operations.md lists them).
 * Each mechanism records its own once, where it lives: the AGI connection (think time, dead air),
 * withDeadline and requestJson (dependency latency and errors), the database wrapper, the TTS cache,
 * the one-time codes, the ticket backend. Names all start with `ura_`.
 *
 * Cheap on the hot path: labelled children are looked up once and kept (no label hashing per
 * observation), and gauges of things that already count themselves (calls in progress, the WhatsApp
 * queue) are read only when Prometheus scrapes.
 */
export const metricsRegistry = new Registry();

/** The content type of `metricsRegistry.metrics()` (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

const registers = [metricsRegistry];

// ── calls (IVR) ──────────────────────────────────────────────────────────────

/** Readers of the AGI servers of this process (usually one): read at scrape time. */
const callSources = new Set<() => { active: number; waiting: number }>();

const sumCalls = (field: "active" | "waiting") => {
  let n = 0;
  for (const source of callSources) n += source()[field];
  return n;
};

new Gauge({
  name: "ura_calls_in_progress",
  help: "Calls whose script is running on this IVR node",
  registers,
  collect() {
    this.set(sumCalls("active"));
  },
});

new Gauge({
  name: "ura_calls_waiting_for_slot",
  help: "Calls connected but waiting for a free slot (AGI_MAX_CALLS) on this IVR node",
  registers,
  collect() {
    this.set(sumCalls("waiting"));
  },
});

/** An AGI server counts its calls itself; it is read when scraped. Returns the function that stops reading it. */
export function watchCalls(source: () => { active: number; waiting: number }): () => void {
  callSources.add(source);
  return () => void callSources.delete(source);
}

/**
 * A counter of two labels counted once or twice a call (calls ended, tickets opened): each pair's
 * count kept in a map, for the reason SeriesHistogram is (prom-client validates and hashes the
 * labels on `labels()` and again on the child's `inc()`). Printed as prom-client prints a counter.
 */
class PairCounter {
  readonly type = "counter";
  readonly aggregator = "sum";
  private readonly counts = new Map<string, { labels: Record<string, string>; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly [string, string],
  ) {
    metricsRegistry.registerMetric(this as unknown as Metric);
  }

  inc(a: string, b: string): void {
    const key = `${a}\0${b}`;
    const entry = this.counts.get(key);
    if (entry) entry.value += 1;
    else this.counts.set(key, { labels: { [this.labelNames[0]]: a, [this.labelNames[1]]: b }, value: 1 });
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Record<string, string>; value: number }> } {
    const values = [...this.counts.values()].map((e) => ({ labels: { ...e.labels }, value: e.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.counts.clear();
  }
}

const callsEnded = new PairCounter("ura_calls_ended_total", "Calls ended, by outcome (URA_RESULT) and by the last step the caller reached", ["outcome", "step"]);

export function callEnded(outcome: string, step: string): void {
  callsEnded.inc(outcome, step);
}

/** One series of a SeriesHistogram: its label's value, the count in each bucket (the last: above every bound), sum and count. */
class Series {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

/**
 * A histogram of at most one label, whose values the code names (a command verb, a dependency):
 * each series is kept once and an observation is a bucket search and three additions.
 * prom-client's Histogram converts, validates and hashes the labels on every observation, its
 * children's too: with ~44 think times and ~30 dependency times a call, that was ~2 % of a call's
 * CPU (issue 16). It is exposed as prom-client exposes a histogram: the same names, `le` buckets,
 * `_sum` and `_count`.
 */
class SeriesHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly byValue = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** The label's name; null: one series without labels. */
    private readonly label: string | null,
    private readonly bounds: readonly number[],
  ) {
    metricsRegistry.registerMetric(this as unknown as Metric);
    if (label === null) this.series("");
  }

  /** The series of a label value (kept: look it up once per value and keep it). */
  series(value: string): Series {
    let series = this.byValue.get(value);
    if (!series) this.byValue.set(value, (series = new Series(this.label === null ? {} : { [this.label]: value }, this.bounds)));
    return series;
  }

  /** What the registry prints (prom-client's metric object). */
  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> } {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.byValue.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: bucket });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The registry's resetMetrics: every series back to zero (the kept ones stay valid). */
  reset(): void {
    for (const s of this.byValue.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

const thinkTime = new SeriesHistogram(
  "ura_agi_think_seconds",
  "Server think time before each AGI command: from Asterisk's previous reply (or the call's start) to the command",
  "command",
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
);
const thinkByCommand = new Map<string, Series>();

/** Observes one think time, in ms, for an AGI command verb (`STREAM FILE`). */
export function observeThinkTime(command: string, ms: number): void {
  let series = thinkByCommand.get(command);
  if (!series) thinkByCommand.set(command, (series = thinkTime.series(command)));
  series.observe(ms / 1000);
}

const deadAir = new SeriesHistogram(
  "ura_dead_air_after_key_seconds",
  "Silence the caller hears after pressing a key: from the reply that carried the key to the next audio command",
  null,
  [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
).series("");

export function observeDeadAir(ms: number): void {
  deadAir.observe(ms / 1000);
}

// ── dependencies ─────────────────────────────────────────────────────────────

/** What the system depends on, as the `dependency` label says it. */
export type Dependency = "api" | "database" | "sender" | "tts" | "glpi" | "telegram" | "webhook";

const dependencySeconds = new SeriesHistogram(
  "ura_dependency_seconds",
  "Time each request to a dependency took (answered or not)",
  "dependency",
  [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);
const dependencyErrors = new Counter({
  name: "ura_dependency_errors_total",
  help: "Requests to a dependency that failed, by reason (timeout, unreachable, server_error, failed)",
  labelNames: ["dependency", "reason"] as const,
  registers,
});
const latencyChildren = new Map<Dependency, Series>();

export function observeDependency(dependency: Dependency, ms: number): void {
  let series = latencyChildren.get(dependency);
  if (!series) latencyChildren.set(dependency, (series = dependencySeconds.series(dependency)));
  series.observe(ms / 1000);
}

export function dependencyFailed(dependency: Dependency, reason: string): void {
  dependencyErrors.labels(dependency, reason).inc();
}

// ── one-time codes ───────────────────────────────────────────────────────────

const otpSent = new Counter({ name: "ura_otp_sent_total", help: "One-time codes handed to the sender", registers });
const otpFailed = new Counter({
  name: "ura_otp_failed_total",
  help: "One-time codes the sender could not deliver, by reason",
  labelNames: ["reason"] as const,
  registers,
});
const otpVerified = new Counter({ name: "ura_otp_verified_total", help: "One-time codes typed correctly", registers });
const otpRefused = new Counter({
  name: "ura_otp_refused_total",
  help: "One-time codes refused, by reason: a check (wrong, expired, none, locked) or a request (rate_limited, locked, no_phone)",
  labelNames: ["reason"] as const,
  registers,
});

export const otpMetrics = {
  sent: () => otpSent.inc(),
  failed: (reason: string) => otpFailed.labels(reason).inc(),
  verified: () => otpVerified.inc(),
  refused: (reason: string) => otpRefused.labels(reason).inc(),
};

// ── text to speech ───────────────────────────────────────────────────────────

const ttsHits = new Counter({ name: "ura_tts_cache_hits_total", help: "Syntheses answered from the audio cache", registers });
const ttsMisses = new Counter({ name: "ura_tts_cache_misses_total", help: "Syntheses the cache did not have (the engine ran)", registers });

export function ttsCacheLookup(hit: boolean): void {
  (hit ? ttsHits : ttsMisses).inc();
}

// ── WhatsApp service ─────────────────────────────────────────────────────────

/** Every state the session can be in, so a state not held now reads 0 instead of vanishing. */
const sessionSources = new Set<() => { queued: number; state: string; connected: boolean }>();
let sessionStates: readonly string[] = [];

new Gauge({
  name: "ura_whatsapp_queue_depth",
  help: "Messages waiting in the WhatsApp service's delivery queue",
  registers,
  collect() {
    let n = 0;
    for (const source of sessionSources) n += source().queued;
    this.set(n);
  },
});

new Gauge({
  name: "ura_whatsapp_session_state",
  help: "1 for the state the WhatsApp session is in, 0 for the others",
  labelNames: ["state"] as const,
  registers,
  collect() {
    this.reset();
    if (sessionSources.size === 0) return;
    const now = new Set([...sessionSources].map((s) => s().state));
    for (const state of new Set([...sessionStates, ...now])) this.labels(state).set(now.has(state) ? 1 : 0);
  },
});

new Gauge({
  name: "ura_whatsapp_session_connected",
  help: "1 when the WhatsApp session is connected (messages go out), else 0",
  registers,
  collect() {
    this.reset();
    if (sessionSources.size === 0) return;
    this.set([...sessionSources].some((s) => s().connected) ? 1 : 0);
  },
});

/** The WhatsApp service's queue and session, read when scraped. Returns the function that stops reading them. */
export function watchWhatsapp(states: readonly string[], source: () => { queued: number; state: string; connected: boolean }): () => void {
  sessionStates = states;
  sessionSources.add(source);
  return () => void sessionSources.delete(source);
}

// ── tickets ──────────────────────────────────────────────────────────────────

const ticketsOpened = new PairCounter("ura_tickets_opened_total", "Tickets opened (not a repeated request for the same call), by backend and service", ["backend", "service"]);

export function ticketOpened(backend: string, service: string): void {
  ticketsOpened.inc(backend, service);
}

// ── liveness (seed 002) ──────────────────────────────────────────────────────

const partSources = new Set<() => Array<{ part: string; kind: string; online: boolean }>>();

new Gauge({
  name: "ura_part_online",
  help: "1 while a part of the system (IVR node, API, WhatsApp, TTS, database, GLPI, Telegram) sends heartbeats, 0 once silent for 30 s",
  labelNames: ["part", "kind"] as const,
  registers,
  collect() {
    this.reset();
    for (const source of partSources) for (const p of source()) this.labels(p.part, p.kind).set(p.online ? 1 : 0);
  },
});

export function watchParts(source: () => Array<{ part: string; kind: string; online: boolean }>): () => void {
  partSources.add(source);
  return () => void partSources.delete(source);
}

// ── the process ──────────────────────────────────────────────────────────────

let processMetricsOn = false;

/**
 * CPU, memory, handles, GC and event-loop lag (prom-client's defaults, `ura_` prefixed), and the
 * `node` label on every metric. Once per process, by the commands that serve (not at import: a
 * one-shot `ura users import` needs no event-loop monitor).
 */
export function startProcessMetrics(node: string): void {
  if (processMetricsOn) return;
  processMetricsOn = true;
  metricsRegistry.setDefaultLabels({ node });
  collectDefaultMetrics({ register: metricsRegistry, prefix: "ura_", eventLoopMonitoringPrecision: 20 });
}

/** The whole registry in Prometheus text format. */
export function renderMetrics(): Promise<string> {
  return metricsRegistry.metrics();
}
