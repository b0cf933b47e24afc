import { connect, type Socket } from "node:net";
import type { AgiServer } from "../../src/agi/index.js";
import { eventually } from "../support/eventually.js";

/**
 * A raw `node:net` socket playing Asterisk by hand: the test writes the exact bytes Asterisk would
 * (possibly split in odd chunks) and reads the command lines the server sends.
 */
export class RawAsterisk {
  readonly lines: string[] = [];
  /** Every byte the server sent, as text. */
  received = "";
  closed = false;
  closedAt: number | null = null;
  error: NodeJS.ErrnoException | null = null;
  private buffer = "";
  private waiters: (() => void)[] = [];
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.received += chunk;
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf("\n")) !== -1) {
        this.lines.push(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
      }
      this.wake();
    });
    socket.on("error", (err) => (this.error = err));
    this.closedPromise = new Promise((resolve) =>
      socket.on("close", () => {
        this.closed = true;
        this.closedAt = Date.now();
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawAsterisk> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      const raw = new RawAsterisk(socket);
      socket.once("connect", () => resolve(raw));
      socket.once("error", reject);
    });
  }

  /** Connects and sends the variable block (the capture's, with `overrides` replacing/adding values). */
  static async call(port: number, overrides: EnvOverrides = {}): Promise<RawAsterisk> {
    const raw = await RawAsterisk.connect(port);
    raw.send(envBlock(port, overrides));
    return raw;
  }

  send(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  /** The next command line the server sends; rejects if none comes within `timeoutMs` or the socket closes. */
  async nextLine(timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error(`socket closed while waiting for a command (got so far: ${JSON.stringify(this.received)})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no command from the server in time");
      await this.waitEvent(left);
    }
    return this.lines.shift()!;
  }

  /** Resolves when the server closed the connection; rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closedPromise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("socket still open")), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }

  /** True when the socket is still open after `ms` (used to show "never closes"). */
  async stillOpenAfter(ms: number): Promise<boolean> {
    await sleep(ms);
    return !this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private waitEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i !== -1) waiters.splice(i, 1);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** `null` removes a variable from the block. */
export type EnvOverrides = Record<string, string | null>;

/** The variable block of the real Asterisk 22.11 capture (issue 2), in Asterisk's order. */
export function envBlock(port: number, overrides: EnvOverrides = {}, eol = "\n"): string {
  const base: [string, string][] = [
    ["agi_network", "yes"],
    ["agi_network_script", "ura"],
    ["agi_request", `agi://127.0.0.1:${port}/ura`],
    ["agi_channel", "Local/1001@ivr-00000000;2"],
    ["agi_language", "en"],
    ["agi_type", "Local"],
    ["agi_uniqueid", "1795369750.1"],
    ["agi_version", "22.11.0-rc1"],
    ["agi_callerid", "1001"],
    ["agi_calleridname", "unknown"],
    ["agi_callingpres", "0"],
    ["agi_callingani2", "0"],
    ["agi_callington", "0"],
    ["agi_callingtns", "0"],
    ["agi_dnid", "unknown"],
    ["agi_rdnis", "unknown"],
    ["agi_context", "ivr"],
    ["agi_extension", "1001"],
    ["agi_priority", "3"],
    ["agi_enhanced", "0.0"],
    ["agi_accountcode", ""],
    ["agi_threadid", "140352918927040"],
  ];
  const names = new Set(base.map(([k]) => k));
  const lines: string[] = [];
  for (const [k, v] of base) {
    const o = overrides[k];
    if (o === null) continue;
    lines.push(`${k}: ${o ?? v}`);
  }
  for (const [k, v] of Object.entries(overrides)) if (!names.has(k) && v !== null) lines.push(`${k}: ${v}`);
  return lines.map((l) => l + eol).join("") + eol;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/** Waits until the server has no call and no socket left (bounded), then reports both. */
export async function settled(server: AgiServer, timeoutMs = 2000): Promise<{ activeCalls: number; openSockets: number }> {
  // Bounded wait, then the counts as they are: the test's own assertion shows what was left.
  await eventually(() => server.activeCalls === 0 && server.openSockets === 0, timeoutMs).catch(() => undefined);
  return { activeCalls: server.activeCalls, openSockets: server.openSockets };
}

/** How many timers (ref'd) and TCP handles the process holds right now. */
export function handleCounts(): { timers: number; sockets: number } {
  const info = process.getActiveResourcesInfo();
  return {
    timers: info.filter((r) => r === "Timeout").length,
    sockets: info.filter((r) => r === "TCPSocketWrap").length,
  };
}

/** Waits (bounded) for the process's timers and sockets to come back to `baseline`. */
export async function backToBaseline(baseline: { timers: number; sockets: number }, timeoutMs = 2000) {
  await eventually(() => {
    const now = handleCounts();
    return now.timers <= baseline.timers && now.sockets <= baseline.sockets;
  }, timeoutMs).catch(() => undefined);
  return handleCounts();
}

/** Total listeners on the process (all events), to catch a per-call leak. */
export function processListenerCount(): number {
  return process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
}

/** Remembers every promise a script starts, so a test can assert none is left pending. */
export class PromiseTracker {
  private readonly states: { settled: boolean; outcome?: "resolved" | "rejected"; value?: unknown }[] = [];

  track<T>(p: Promise<T>): Promise<T> {
    const s: (typeof this.states)[number] = { settled: false };
    this.states.push(s);
    p.then(
      (v) => Object.assign(s, { settled: true, outcome: "resolved", value: v }),
      (e: unknown) => Object.assign(s, { settled: true, outcome: "rejected", value: e }),
    );
    return p;
  }

  get started(): number {
    return this.states.length;
  }

  get pending(): number {
    return this.states.filter((s) => !s.settled).length;
  }

  rejections(): unknown[] {
    return this.states.filter((s) => s.outcome === "rejected").map((s) => s.value);
  }
}

export { prng } from "../support/prng.js";

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

export function int(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}
