import { spawn, execFile, type ChildProcess } from "node:child_process";
import { connect, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The repository root (bench/ is one level down). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const URA_BIN = join(ROOT, "bin", "ura.js");

const execFileP = promisify(execFile);

/** A free loopback TCP port (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

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

/** Runs `ura <args>` to completion (for one-shot commands: users import, tts prewarm, migrate). */
export async function runUra(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  return execFileP(process.execPath, [URA_BIN, ...args], { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 64 << 20 });
}

let helpText: Promise<string> | null = null;

/** Does `ura <name>` exist in this checkout? (`ura --help` lists the commands; read once.) */
export async function uraHasCommand(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  helpText ??= runUra(["--help"], env, 30_000).then(
    (r) => r.stdout,
    (err: unknown) => (err as { stdout?: string }).stdout ?? "",
  );
  return new RegExp(`^\\s+${name}\\s`, "m").test(await helpText);
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
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
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
