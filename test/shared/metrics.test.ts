import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/index.js";
import { testSettings } from "../../src/config/index.js";
import { openStore } from "../../src/domain/index.js";
import { startMetricsServer } from "../../src/app/metrics.js";
import { startProcessMetrics } from "../../src/shared/metrics.js";
import { question, ScriptedCaller } from "../support/callers.js";
import { sample, metricNames } from "../support/metrics.js";
import { dial, realBackend, startIvr, type Backend, type IvrUnderTest } from "../support/scenario.js";
import { fakeSender } from "../api/helper.js";

describe("/metrics after simulated calls (real API over HTTP, SQLite)", () => {
  let backend: Backend & { apiUrl: string };
  let ivr: IvrUnderTest;
  const scrape = async () => {
    const res = await fetch(`${backend.apiUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    return res.text();
  };

  beforeAll(async () => {
    backend = await realBackend("sqlite", { timeoutMs: 10_000 });
    // A loaded test machine: the budget is not what is under test here.
    ivr = await startIvr({ api: backend.api, clock: () => backend.clock(), settings: { IVR_API_BUDGET_MS: "10000" } });
    await backend.setHours("open");
  });
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });

  it("counts what the calls did: the ended call by outcome and step, the ticket, the codes, the AGI commands and the dependencies", async () => {
    const before = await scrape();

    // Call 1: a ticket by code (one code sent and verified).
    const opens = new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press("1234#")
      .on("ask-otp").press(async () => `${await backend.lastCode("1234")}#`)
      // Barge in on the services' question (Computador), then Não liga at the sub-menu's end.
      .on("service-menu").press("2")
      .on(question("sub-menu")).press("2")
      .on("protocol-repeat").press("2");
    const first = await dial(ivr, { caller: opens });
    expect(first.variables.URA_RESULT, JSON.stringify({ heard: first.heard, logs: ivr.logs.filter((l) => l.level >= 40) })).toBe("ticket");
    // Call 2: a wrong code, then the caller hangs up.
    const wrong = new ScriptedCaller()
      .on("main-menu").press("1")
      .on("ask-user-code").press("1234#")
      .on("ask-otp").press("000000#")
      .on("otp-wrong").hangup();
    const second = await dial(ivr, { caller: wrong });

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    expect(delta("ura_calls_ended_total", { outcome: "ticket", step: "protocol" })).toBe(1);
    expect(delta("ura_calls_ended_total")).toBe(2);
    expect(delta("ura_tickets_opened_total", { backend: "builtin" })).toBe(1);
    expect(delta("ura_otp_sent_total")).toBe(2);
    expect(delta("ura_otp_verified_total")).toBe(1);
    expect(delta("ura_otp_refused_total", { reason: "wrong" })).toBe(1);

    // One think time per AGI command the emulator received, labelled by its verb.
    const commands = [...first.commands, ...second.commands].map((c) => c.line);
    const verb = (v: string) => commands.filter((l) => l === v || l.startsWith(`${v} `)).length;
    for (const v of ["ANSWER", "STREAM FILE", "GET DATA", "SAY DIGITS", "SET VARIABLE", "GET VARIABLE", "EXEC", "HANGUP"]) {
      expect(delta("ura_agi_think_seconds_count", { command: v }), v).toBe(verb(v));
    }
    expect(verb("STREAM FILE")).toBeGreaterThan(0);
    expect(delta("ura_agi_think_seconds_count")).toBe(commands.length);
    // Every key the first caller pressed was followed by something said (the menus, the protocol).
    expect(delta("ura_dead_air_after_key_seconds_count")).toBeGreaterThanOrEqual(5);

    // The IVR's requests to the API, and the API's to its database, were timed.
    expect(delta("ura_dependency_seconds_count", { dependency: "api" })).toBeGreaterThanOrEqual(8);
    expect(delta("ura_dependency_seconds_count", { dependency: "database" })).toBeGreaterThan(8);
    expect(delta("ura_dependency_errors_total", { dependency: "api" })).toBe(0);
    expect(sample(after, "ura_calls_in_progress")).toBe(0);
  });

  it("names every metric ura_, the process defaults and the event-loop lag included, each sample with its node", async () => {
    startProcessMetrics("metrics-test-node");
    const text = await scrape();
    expect(sample(text, "ura_nodejs_eventloop_lag_seconds", { node: "metrics-test-node" })).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^ura_process_cpu_user_seconds_total\{node="metrics-test-node"\} /m);
    const names = metricNames(text);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !n.startsWith("ura_"))).toEqual([]);
  });
});

describe("who may read /metrics", () => {
  it("the API's client-address allow-list applies to /metrics, no token needed", async () => {
    const settings = testSettings({ DB_DRIVER: "sqlite", SQLITE_PATH: ":memory:", OTP_SECRET: "metrics-test-otp-secret-0123456789abcdef", API_ALLOWED_CLIENTS: "10.0.0.0/8" });
    const store = await openStore(settings, { migrate: true });
    const app = await buildApi({ settings, store, sender: fakeSender(), logger: pino({ level: "silent" }), tokens: [] });
    try {
      const inside = await app.inject({ method: "GET", url: "/metrics", remoteAddress: "10.1.2.3" });
      expect(inside.statusCode).toBe(200);
      expect(inside.body).toContain("# TYPE ura_calls_in_progress gauge");
      const outside = await app.inject({ method: "GET", url: "/metrics", remoteAddress: "192.168.0.9" });
      expect(outside.statusCode).toBe(403);
      expect(outside.json()).toMatchObject({ error: "forbidden" });
    } finally {
      await app.close();
      await store.close();
    }
  });

  it("ura ivr alone serves /metrics on METRICS_PORT, to METRICS_ALLOWED_CLIENTS only", async () => {
    const log = pino({ level: "silent" });
    const open = await startMetricsServer(testSettings({ METRICS_PORT: "1" }), log, { port: 0 });
    const closed = await startMetricsServer(testSettings({ METRICS_PORT: "1", METRICS_ALLOWED_CLIENTS: "10.0.0.0/8" }), log, { port: 0 });
    try {
      const ok = await fetch(`${open!.url}/metrics`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("ura_agi_think_seconds");
      expect((await fetch(`${closed!.url}/metrics`)).status).toBe(403);
    } finally {
      await open?.close();
      await closed?.close();
    }
    expect(await startMetricsServer(testSettings({ METRICS_PORT: "0" }), log)).toBeNull();
  });
});

describe("the latency histograms (think time, dependencies, dead air)", () => {
  it("count each observation in its bucket and every bucket above, with _sum and _count, per label value", async () => {
    const { observeDependency, observeDeadAir, renderMetrics } = await import("../../src/shared/metrics.js");
    const before = await renderMetrics();
    const delta = (text: string, name: string, labels: Record<string, string> = {}) => sample(text, name, labels) - sample(before, name, labels);
    // 0.7 ms, 4 ms and exactly 25 ms (a bound counts in its own bucket), and 12 s, above every bound.
    for (const ms of [0.7, 4, 25, 12_000]) observeDependency("webhook", ms);
    observeDeadAir(120);
    const after = await renderMetrics();
    const bucket = (le: string) => delta(after, "ura_dependency_seconds_bucket", { dependency: "webhook", le });
    expect(["0.001", "0.005", "0.01", "0.025", "10", "+Inf"].map(bucket)).toEqual([1, 2, 2, 3, 3, 4]);
    expect(delta(after, "ura_dependency_seconds_count", { dependency: "webhook" })).toBe(4);
    expect(delta(after, "ura_dependency_seconds_sum", { dependency: "webhook" })).toBeCloseTo(12.0297, 6);
    expect(delta(after, "ura_dependency_seconds_count", { dependency: "api" })).toBe(0);
    expect(delta(after, "ura_dead_air_after_key_seconds_bucket", { le: "0.1" })).toBe(0);
    expect(delta(after, "ura_dead_air_after_key_seconds_bucket", { le: "0.25" })).toBe(1);
  });
});
