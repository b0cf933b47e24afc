import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeCall } from "../../src/emulator/asterisk-emulator.js";
import { freePort } from "../support/processes.js";
import { dockerfileStages, lockedPackages, omittedKinds } from "./images.js";

/**
 * The ura image, short of Docker: the files the Dockerfile copies into /app (dist/, sql/, sounds/,
 * package.json) and a node_modules holding only the packages its `npm prune` keeps, read from
 * package-lock.json. Node runs with --preserve-symlinks so a package resolves its own dependencies
 * from that node_modules, as in the image, not from the checkout's full one.
 * The compiled `ura start` must serve and take a call there; `ura whatsapp` must say what is missing.
 */

const ROOT = resolve(import.meta.dirname, "../..");
let app: string;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "ura-image-"));
  cpSync(join(ROOT, "dist"), join(app, "dist"), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(app, "package.json"));
  for (const dir of ["sql", "sounds"]) symlinkSync(join(ROOT, dir), join(app, dir));
  const omit = omittedKinds(dockerfileStages(readFileSync(join(ROOT, "Dockerfile"), "utf8")), "ura");
  // Top-level packages only: nested node_modules come along inside their parent.
  for (const path of lockedPackages(omit, join(ROOT, "package-lock.json")).filter((p) => p.lastIndexOf("node_modules/") === 0)) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    symlinkSync(join(ROOT, path), join(app, path));
  }
});
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(app, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function ura(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ["--preserve-symlinks", "dist/cli/main.js", ...args], {
    cwd: app,
    env: { PATH: process.env.PATH ?? "", HOME: app, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  return { child, output: () => out, exited: new Promise((r) => child.on("exit", (code) => r(code))) };
}

async function until(what: string, run: Run, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`ura exited (${run.child.exitCode}) before ${what}:\n${run.output()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${what} within ${timeoutMs} ms:\n${run.output()}`);
}

describe("the ura image's files and node_modules (no venom-bot, puppeteer, sharp)", () => {
  it("the compiled ura start serves /health, takes a call, and stops on SIGTERM", async () => {
    const [agiPort, apiPort] = [await freePort(), await freePort()];
    const dataDir = join(app, "data");
    const run = ura(["start"], { AGI_PORT: String(agiPort), API_PORT: String(apiPort), DATA_DIR: dataDir, LOG_LEVEL: "info" });
    try {
      await until("/health", run, async () => (await fetch(`http://127.0.0.1:${apiPort}/health`)).ok);
      const health = (await (await fetch(`http://127.0.0.1:${apiPort}/health`)).json()) as { status: string; database: string };
      expect(health).toMatchObject({ status: "ok", database: "sqlite" });
      await until("FastAGI listening", run, async () => /FastAGI server listening/.test(run.output()));

      // A caller who says nothing: greeted, asked, told goodbye; the server ends the AGI session.
      const call = await placeCall({ port: agiPort, script: "ura", callerId: "2001", uniqueId: "1795369750.7" });
      expect(call.closedBy).toBe("server");
      expect(call.heard.slice(0, 2)).toEqual(["greeting", "main-menu"]);
      expect(call.heard.at(-1)).toBe("goodbye");
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).not.toMatch(/venom|puppeteer|sharp/i);
  }, 120_000);

  it("ura whatsapp refuses to start without venom-bot, and says how to install it", async () => {
    const run = ura(["whatsapp"], { DATA_DIR: join(app, "data-wa"), WHATSAPP_PORT: String(await freePort()) });
    const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r("still running"), 30_000))]);
    expect(code, run.output()).toBe(1);
    expect(run.output()).toContain("ura whatsapp: venom-bot is not installed");
    expect(run.output()).toContain("npm install --include=optional");
  }, 60_000);
});
