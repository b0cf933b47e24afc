import { spawn, execFile, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The repository root (bench/ is one level down). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const URA_BIN = join(ROOT, "bin", "ura.js");

const execFileP = promisify(execFile);

// The tests' helpers: a free loopback TCP port (bound and released at once), and `npm run build`:
// the service measured is the compiled build that production runs (bin/ura.js → dist/), never tsx.
export { freePort } from "../test/support/processes.js";
export { default as build } from "../test/support/build.js";

/** Resolves when something accepts TCP connections on the port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    if (!alive()) throw new Error(`the service exited before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: "127.0.0.1" });
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, Math.min(50 * (i + 1), 250)));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Runs `ura <args>` to completion (one-shot commands: migrate, tts prewarm). */
export async function runUra(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  return execFileP(process.execPath, [URA_BIN, ...args], { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 64 << 20 });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from SIGTERM to exit. */
  ms: number;
  /** true when SIGTERM was not enough within the grace time. */
  killed: boolean;
}

/** "exit 0", "exit 1", "killed by SIGKILL after 15000 ms of SIGTERM", … */
export function describeExit(e: Exit): string {
  if (e.killed) return `did not exit within ${e.ms} ms of SIGTERM (killed)`;
  return e.signal ? `died of ${e.signal}` : `exited with ${e.code}`;
}

export interface Service {
  child: ChildProcess;
  pid: number;
  /** stderr/stdout tail, for error reports. */
  output(): string;
  /** Warnings and errors the service logged, counted by level, message, step and error (pino JSON lines). */
  logSummary(): Record<string, number>;
  alive(): boolean;
  /** SIGTERM (graceful drain), then SIGKILL after `graceMs`. Resolves with how it exited. */
  stop(graceMs?: number): Promise<Exit>;
}

/** Starts `node [nodeArgs] bin/ura.js <command>` (default `start`) as a user would, with `env`. */
export function startService(env: NodeJS.ProcessEnv, nodeArgs: string[] = [], command = "start"): Service {
  const child = spawn(process.execPath, [...nodeArgs, URA_BIN, command], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const tally: Record<string, number> = {};
  const partial = { stdout: "", stderr: "" };
  const keep = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    tail = (tail + text).slice(-20_000);
    const lines = (partial[stream] + text).split("\n");
    partial[stream] = lines.pop() ?? "";
    for (const line of lines) {
      const key = logKey(line);
      if (key) tally[key] = (tally[key] ?? 0) + 1;
    }
  };
  child.stdout!.on("data", keep("stdout"));
  child.stderr!.on("data", keep("stderr"));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  return {
    child,
    pid: child.pid!,
    output: () => tail,
    logSummary: () => ({ ...tally }),
    alive: () => exited === undefined,
    async stop(graceMs = 30_000) {
      if (exited !== undefined) return { ...exited, ms: 0, killed: false };
      const t = Date.now();
      child.kill("SIGTERM");
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill("SIGKILL");
      }, graceMs);
      const e = await exit;
      clearTimeout(timer);
      return { ...e, ms: Date.now() - t, killed };
    },
  };
}

/** `warn a dependency failed, telling the caller [otp] api timeout: POST /otp: no answer within 3000 ms`, or null for other lines. */
function logKey(line: string): string | null {
  if (!line.startsWith("{")) return line.trim() ? `(not JSON) ${line.slice(0, 120)}` : null;
  try {
    const o = JSON.parse(line) as { level?: number | string; msg?: string; step?: string; err?: unknown };
    const level = typeof o.level === "number" ? (o.level >= 50 ? "error" : o.level >= 40 ? "warn" : null) : o.level;
    if (level !== "warn" && level !== "error" && level !== "fatal") return null;
    const err = typeof o.err === "string" ? o.err : o.err && typeof o.err === "object" ? String((o.err as { message?: string }).message ?? "") : "";
    // Numbers vary per call (ms, ids): fold them so the same failure counts once.
    return `${level} ${o.msg ?? ""}${o.step ? ` [${o.step}]` : ""}${err ? ` ${err}` : ""}`.replace(/\d{3,}/g, "N").slice(0, 200);
  } catch {
    return `(not JSON) ${line.slice(0, 120)}`;
  }
}

/** The service's settings in a bench: loopback ports, named tokens, the log sender, a TTS cache shared by runs. */
export function benchServiceEnv(o: { agiPort: number; apiPort: number; dataDir: string; apiTokens: string; ivrToken: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    AGI_HOST: "127.0.0.1",
    AGI_PORT: String(o.agiPort),
    API_HOST: "127.0.0.1",
    API_PORT: String(o.apiPort),
    API_URL: `http://127.0.0.1:${o.apiPort}`,
    API_TOKENS: o.apiTokens,
    API_TOKEN: o.ivrToken,
    DATA_DIR: o.dataDir,
    // Content-addressed, so shared by runs: a second run finds the names and menus synthesised.
    TTS_CACHE_DIR: join(tmpdir(), "ura-bench-tts-cache"),
    SENDER_DRIVER: "log",
    LOG_LEVEL: "warn",
    DB_DRIVER: "sqlite",
    // A closed loop of instant callers through one IVR token is not someone walking the directory.
    IDENTIFY_MAX_PER_MINUTE: "1000000",
    IDENTIFY_MAX_MISSES_PER_MINUTE: "1000000",
  };
}
