import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { consolePlugin, CONSOLE_DIST_DIR, type WallboardOptions } from "../../src/api/console/index.js";
import type { ApiPlugin } from "../../src/api/index.js";
import type { Settings } from "../../src/config/index.js";
import type { LivenessBoard } from "../../src/domain/index.js";
import { consoleBuildIsFresh } from "../../scripts/build-console.js";
import { openTestApi, type TestApi } from "../api/helper.js";

/** Debian's Chromium, as PLAN.md runs it: headless as root, no network chatter, a fresh profile. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  // A wall TV plays alert sounds without a click first (docs/console.md says the same for kiosks).
  "--autoplay-policy=no-user-gesture-required",
];

const LOCK = `${CONSOLE_DIST_DIR}.build-lock`;

/**
 * Makes sure dist/console was built from the sources as they are now, with the same build as
 * production (scripts/build-console.ts, type check included). Test files running in parallel
 * build once: the others wait on a lock directory.
 */
export async function ensureConsoleBuilt(): Promise<string> {
  mkdirSync(dirname(LOCK), { recursive: true });
  while (!consoleBuildIsFresh()) {
    try {
      mkdirSync(LOCK, { recursive: false });
    } catch {
      // Another file is building: wait for it (a lock left by a killed run expires after 5 min).
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (consoleBuildIsFresh()) break;
      // A child process, as `npm run build:console` runs it: Vite stays out of the test worker.
      const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/build-console.ts", "--force"], { encoding: "utf8" });
      if (run.status !== 0) throw new Error(`the console build failed:\n${run.stdout}\n${run.stderr}`);
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
  return CONSOLE_DIST_DIR;
}

export interface ConsoleServer {
  /** http://127.0.0.1:<free port> */
  url: string;
  api: TestApi;
  close(): Promise<void>;
}

/**
 * The whole API with the console plugin, as `ura start` mounts it, listening on a free loopback
 * port over a real (SQLite) database. `wallboard` mounts the seed 004 socket with the given source.
 */
export async function startConsoleServer(
  testFile: string,
  options: { wallboard?: WallboardOptions; plugins?: ApiPlugin[]; overrides?: Partial<Record<keyof Settings, string>>; liveness?: LivenessBoard } = {},
): Promise<ConsoleServer> {
  const webRoot = await ensureConsoleBuilt();
  const api = await openTestApi(
    "sqlite",
    testFile,
    options.overrides ?? {},
    [consolePlugin({ webRoot, wallboard: options.wallboard ?? null }), ...(options.plugins ?? [])],
    options.liveness ? { liveness: options.liveness } : {},
  );
  await api.app.listen({ host: "127.0.0.1", port: 0 });
  const address = api.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, api, close: () => api.close() };
}

export interface TestBrowser {
  browser: Browser;
  /** A new tab (own cookies and storage) on `url`, as a technician's desk in pt-BR would open it. */
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium headless; Playwright gives each launch a fresh temporary profile (--user-data-dir) and removes it on close. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
  return {
    browser,
    async open(url) {
      const context = await browser.newContext({ locale: "pt-BR", timezoneId: "America/Sao_Paulo", viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(url);
      return page;
    },
    close: () => browser.close(),
  };
}

/** Where screenshots go: docs/screenshots with URA_SCREENSHOTS=docs (to refresh the docs), else a temp dir. */
export function screenshotPath(name: string): string {
  const dir = process.env.URA_SCREENSHOTS === "docs" ? "docs/screenshots" : join(tmpdir(), "ura-screenshots");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = screenshotPath(name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Signs in on the sign-in form the page shows, and waits until the header says who is signed in (an scrypt check: generous on a loaded machine). */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Usuário").fill(username);
  await page.getByLabel("Senha").fill(password);
  await page.getByRole("button", { name: "Entrar" }).click();
  await page.getByRole("button", { name: "Sair" }).waitFor({ timeout: 20_000 });
}
