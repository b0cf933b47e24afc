import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { AgiServer } from "../agi/index.js";
import { createHeartbeatSender, type HeartbeatReply } from "../api-client/index.js";
import { nodeName, type Settings } from "../config/index.js";
import { HEARTBEAT_EVERY_MS, type Heartbeat, type LivenessBoard, type PartKind, type Store } from "../domain/index.js";
import { withDeadline } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { requestJson } from "../shared/http-client.js";
import { realTimers, type Timers } from "../shared/timers.js";
import type { TtsService } from "../tts/index.js";
import type { WhatsappClient } from "../whatsapp/index.js";

/** The package's version, reported with every heartbeat. */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/**
 * One part this process reports: `check` resolves with the part's state when it works now, and
 * rejects (or returns null) when it does not, in which case no heartbeat is sent for it and the
 * API marks it OFFLINE after 30 s of silence.
 */
export interface Probe {
  name: string;
  kind: PartKind;
  /** The state in words, or with numbers beside it (an IVR node's calls). */
  check(signal: AbortSignal): Promise<string | ProbeReport | null>;
  /**
   * When the part's numbers change between rounds (a call starts or ends): it is reported then,
   * at most once per CHANGE_GAP_MS, so the wallboard's count follows within about a second.
   * Returns the function that stops listening.
   */
  changes?(listener: () => void): () => void;
}

export interface ProbeReport {
  state: string;
  calls?: Heartbeat["calls"];
}

/** A part whose numbers change is reported at most this often besides the rounds (a busy node: one heartbeat a second). */
export const CHANGE_GAP_MS = 1000;

export interface HeartbeatOptions {
  probes: Probe[];
  /** Where heartbeats go: the API over HTTP, or the API's own table in the same process. */
  send(heartbeat: Heartbeat): Promise<void> | void;
  logger: Logger;
  timers?: Timers;
  everyMs?: number;
  /** Longest a probe may take (a dependency that hangs is down). */
  probeTimeoutMs?: number;
  host?: string;
}

export interface HeartbeatReporter {
  /** One round now (tests; the loop runs one at start and then every `everyMs`). */
  round(): Promise<void>;
  stop(): void;
}

/**
 * Reports this process's parts every 10 s (seed 002). A failing probe or an API that cannot be
 * reached is logged when it starts failing and when it recovers, not on every round.
 */
export function startHeartbeats(options: HeartbeatOptions): HeartbeatReporter {
  const timers = options.timers ?? realTimers;
  const everyMs = options.everyMs ?? HEARTBEAT_EVERY_MS;
  const host = options.host ?? hostname();
  const log = options.logger.child({ component: "heartbeats" });
  const failing = new Map<string, string>();
  let timer: unknown = null;
  let stopped = false;

  const note = (key: string, problem: string | null, what: string) => {
    const before = failing.get(key);
    if (problem === null) {
      if (before !== undefined) log.info({ part: key }, `${what}: working again`);
      failing.delete(key);
    } else if (before === undefined) {
      log.warn({ part: key, problem }, what);
      failing.set(key, problem);
    }
  };

  const lastReport = new Map<Probe, number>();
  const report = async (probe: Probe) => {
    lastReport.set(probe, timers.now());
    let result: string | ProbeReport | null;
    try {
      result = await withDeadline(options.probeTimeoutMs ?? 5000, ({ signal }) => probe.check(signal), { timers });
    } catch (err) {
      note(probe.name, describeError(err), "part not working: no heartbeat for it (OFFLINE after 30 s)");
      return;
    }
    if (result === null) return;
    note(probe.name, null, "part not working");
    const { state, calls } = typeof result === "string" ? { state: result, calls: undefined } : result;
    try {
      await options.send({ name: probe.name, kind: probe.kind, version: VERSION, host, state: state.slice(0, 200), ...(calls ? { calls } : {}) });
      note("api-link", null, "heartbeats not reaching the API");
    } catch (err) {
      note("api-link", describeError(err), "heartbeats not reaching the API");
    }
  };

  const round = async () => {
    await Promise.all(options.probes.map(report));
  };
  const loop = () => {
    if (stopped) return;
    void round().finally(() => {
      if (!stopped) timer = timers.setTimeout(loop, everyMs);
    });
  };
  // A change is reported at once, or when CHANGE_GAP_MS has passed since this probe's last report
  // (one pending report per probe: a burst of calls costs one heartbeat).
  const pending = new Map<Probe, unknown>();
  const changed = (probe: Probe) => {
    if (stopped || pending.has(probe)) return;
    const wait = Math.max(0, (lastReport.get(probe) ?? -Infinity) + CHANGE_GAP_MS - timers.now());
    pending.set(
      probe,
      timers.setTimeout(() => {
        pending.delete(probe);
        if (!stopped) void report(probe);
      }, wait),
    );
  };
  const unlisten = options.probes.map((probe) => probe.changes?.(() => changed(probe)));
  loop();
  return {
    round,
    stop() {
      stopped = true;
      if (timer !== null) timers.clearTimeout(timer);
      for (const handle of pending.values()) timers.clearTimeout(handle);
      pending.clear();
      for (const stop of unlisten) stop?.();
    },
  };
}

/** The ticket API's process reports itself and what it checks: the database, and GLPI and Telegram when configured. */
export function apiProbes(settings: Settings, store: Store): Probe[] {
  const probes: Probe[] = [
    { name: "api", kind: "api", check: async () => `ok (${settings.TICKET_BACKEND})` },
    {
      name: "database",
      kind: "database",
      check: async () => {
        await store.ping();
        return store.dialect;
      },
    },
  ];
  if (settings.GLPI_URL !== "") {
    probes.push({
      name: "glpi",
      kind: "glpi",
      // Reachable is enough for liveness: any answer but a 5xx (GLPI's own session checks are `ura doctor`'s).
      check: async (signal) => {
        const reply = await requestJson(settings.GLPI_URL, { timeoutMs: 5000, signal, dependency: "glpi" });
        if (reply.status >= 500) throw new Error(`GLPI answered HTTP ${reply.status}`);
        return `reachable (HTTP ${reply.status})`;
      },
    });
  }
  if (settings.TELEGRAM_BOT_TOKEN !== "" && settings.TELEGRAM_CHAT_ID !== "") {
    probes.push({
      name: "telegram",
      kind: "telegram",
      check: async (signal) => {
        const url = `${settings.TELEGRAM_API_URL.replace(/\/+$/, "")}/bot${settings.TELEGRAM_BOT_TOKEN}/getMe`;
        const reply = await requestJson(url, { timeoutMs: 5000, signal, dependency: "telegram" });
        // The URL holds the token: say only the status.
        if (reply.status !== 200 || (reply.body as { ok?: boolean } | undefined)?.ok !== true) throw new Error(`Telegram getMe answered HTTP ${reply.status}`);
        return "ok";
      },
    });
  }
  return probes;
}

/** An IVR node reports itself (its calls, in words and as numbers, also as they change) and its TTS engine, named after NODE_NAME. */
export function ivrProbes(settings: Settings, ivr: AgiServer, tts: TtsService | null): Probe[] {
  const node = nodeName(settings);
  const probes: Probe[] = [
    {
      name: `ivr@${node}`,
      kind: "ivr",
      check: async () => {
        const calls = { active: ivr.activeCalls, waiting: ivr.waitingCalls };
        return { state: `${calls.active} calls, ${calls.waiting} waiting`, calls };
      },
      changes: (listener) => ivr.onCallsChanged(listener),
    },
  ];
  if (tts && tts.engine !== "none") {
    probes.push({
      name: `tts@${node}`,
      kind: "tts",
      check: async (signal) => {
        await tts.check(signal);
        return tts.engine;
      },
    });
  }
  return probes;
}

/** The WhatsApp service reports itself (with the session's state) and, while it is connected, the session. */
export function whatsappProbes(client: WhatsappClient): Probe[] {
  return [
    { name: "whatsapp", kind: "whatsapp", check: async () => client.status().state },
    { name: "whatsapp-session", kind: "whatsapp-session", check: async () => (client.status().connected ? "connected" : null) },
  ];
}

/**
 * Heartbeats to the API at API_URL with API_TOKEN (IVR nodes, the WhatsApp service). `onReply`
 * gets what the API answers (an IVR node's TTS warms a change it learns of there: prewarm.ts).
 */
export function httpHeartbeats(settings: Settings, token: string, onReply?: (reply: HeartbeatReply) => void): (heartbeat: Heartbeat) => Promise<void> {
  const send = createHeartbeatSender({ baseUrl: settings.API_URL, token, timeoutMs: 5000 });
  return async (heartbeat) => {
    const reply = await send(heartbeat);
    onReply?.(reply);
  };
}

/** Heartbeats into the API's own table (the API's process: no HTTP to itself). */
export function localHeartbeats(board: LivenessBoard): (heartbeat: Heartbeat) => void {
  return (heartbeat) => void board.beat(heartbeat);
}
