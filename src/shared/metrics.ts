import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

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

const callsEnded = new Counter({
  name: "ura_calls_ended_total",
  help: "Calls ended, by outcome (URA_RESULT) and by the last step the caller reached",
  labelNames: ["outcome", "step"] as const,
  registers,
});

export function callEnded(outcome: string, step: string): void {
  callsEnded.labels(outcome, step).inc();
}

const thinkTime = new Histogram({
  name: "ura_agi_think_seconds",
  help: "Server think time before each AGI command: from Asterisk's previous reply (or the call's start) to the command",
  labelNames: ["command"] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers,
});
const thinkByCommand = new Map<string, Histogram.Internal<"command">>();

/** Observes one think time, in ms, for an AGI command verb (`STREAM FILE`). */
export function observeThinkTime(command: string, ms: number): void {
  let child = thinkByCommand.get(command);
  if (!child) thinkByCommand.set(command, (child = thinkTime.labels(command)));
  child.observe(ms / 1000);
}

const deadAir = new Histogram({
  name: "ura_dead_air_after_key_seconds",
  help: "Silence the caller hears after pressing a key: from the reply that carried the key to the next audio command",
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
  registers,
});

export function observeDeadAir(ms: number): void {
  deadAir.observe(ms / 1000);
}

// ── dependencies ─────────────────────────────────────────────────────────────

/** What the system depends on, as the `dependency` label says it. */
export type Dependency = "api" | "database" | "sender" | "tts" | "glpi" | "telegram" | "webhook";

const dependencySeconds = new Histogram({
  name: "ura_dependency_seconds",
  help: "Time each request to a dependency took (answered or not)",
  labelNames: ["dependency"] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});
const dependencyErrors = new Counter({
  name: "ura_dependency_errors_total",
  help: "Requests to a dependency that failed, by reason (timeout, unreachable, server_error, failed)",
  labelNames: ["dependency", "reason"] as const,
  registers,
});
const latencyChildren = new Map<Dependency, Histogram.Internal<"dependency">>();

export function observeDependency(dependency: Dependency, ms: number): void {
  let child = latencyChildren.get(dependency);
  if (!child) latencyChildren.set(dependency, (child = dependencySeconds.labels(dependency)));
  child.observe(ms / 1000);
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

const ticketsOpened = new Counter({
  name: "ura_tickets_opened_total",
  help: "Tickets opened (not a repeated request for the same call), by backend and service",
  labelNames: ["backend", "service"] as const,
  registers,
});

export function ticketOpened(backend: string, service: string): void {
  ticketsOpened.labels(backend, service).inc();
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
