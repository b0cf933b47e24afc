import { spawn } from "node:child_process";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";

export interface ChromiumOptions {
  /** CHROMIUM_PATH, e.g. Debian's /usr/bin/chromium. */
  path: string;
  /** The profile directory: WhatsApp Web's login lives here, so a restart needs no new QR. */
  profileDir: string;
  /** Without Chromium's sandbox: needed as root, or where user namespaces are off. */
  noSandbox: boolean;
  /** Longest wait for Chromium to open its DevTools endpoint. */
  startTimeoutMs?: number;
  /** More switches, e.g. --proxy-server=… */
  extraArgs?: readonly string[];
}

export interface ChromiumProcess {
  /** The DevTools WebSocket venom-bot connects to. */
  wsEndpoint: string;
  pid: number;
  /** Settles when the process has exited, for whatever reason. */
  exited: Promise<void>;
  /** Ends the process: SIGTERM, then SIGKILL if it lingers. Resolves once it is gone. */
  stop(): Promise<void>;
}

/** Chromium could not start; `output` is the end of what it printed. */
export class ChromiumStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = "ChromiumStartError";
  }
}

const ARGS = [
  "--headless=new",
  "--remote-debugging-port=0",
  "--remote-debugging-address=127.0.0.1",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-dev-shm-usage",
  "--disable-gpu",
  "--disable-extensions",
  "--disable-sync",
  "--disable-breakpad",
  "--disable-component-update",
  "--metrics-recording-only",
  "--password-store=basic",
  "--use-mock-keychain",
  "--mute-audio",
  "--window-size=1280,900",
];

/**
 * Starts Chromium ourselves and hands venom-bot only its DevTools endpoint (`browserWS`). Owning
 * the process means a failed start never leaves a browser behind holding the profile lock, and an
 * exit is seen at once; it also keeps venom-bot away from its own launcher, which downloads a
 * browser when it finds none.
 */
export async function launchChromium(options: ChromiumOptions): Promise<ChromiumProcess> {
  const args = [...ARGS, `--user-data-dir=${options.profileDir}`];
  if (options.noSandbox) args.push("--no-sandbox");
  args.push(...(options.extraArgs ?? []));
  args.push("about:blank");
  const child = spawn(options.path, args, { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killer);
  };

  // Chromium prints its DevTools endpoint once it listens; an exit or a spawn error comes first otherwise.
  const endpoint = new Promise<string>((resolve, reject) => {
    child.once("error", (err) => reject(new ChromiumStartError(`cannot run ${options.path}: ${err.message}`, tail(output))));
    child.once("exit", (code, signal) => reject(new ChromiumStartError(`Chromium exited at start (${signal ?? `code ${code}`})`, tail(output))));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      output = (output + chunk).slice(-8192); // keep reading: a full pipe would block Chromium
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
  });
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  try {
    return { wsEndpoint: await withDeadline(timeoutMs, () => endpoint), pid: child.pid!, exited, stop };
  } catch (err) {
    if (!(err instanceof DeadlineExceededError)) throw err;
    void stop();
    throw new ChromiumStartError(`Chromium did not open its DevTools endpoint within ${timeoutMs} ms`, tail(output));
  }
}

function tail(text: string): string {
  return text.trim().split("\n").slice(-6).join("\n");
}
