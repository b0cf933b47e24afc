import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CreateOptions, Whatsapp } from "venom-bot";
import { ChromiumStartError, launchChromium, type ChromiumOptions, type ChromiumProcess } from "../../src/whatsapp/chromium.js";
import type { WhatsappClient } from "../../src/whatsapp/client.js";
import { createVenomClient, type VenomClientOptions } from "../../src/whatsapp/venom-client.js";
import { SteppedTimers } from "../support/stepped-timers.js";
import { eventually } from "../support/eventually.js";
import { captureLogs } from "../support/logs.js";

/**
 * venom-client.ts against stand-ins for venom-bot's create() and for Chromium: what the service
 * learns from venom's callbacks, and how the session is restarted. No browser is needed.
 */

class FakeChromium implements ChromiumProcess {
  static count = 0;
  readonly pid = 10_000 + ++FakeChromium.count;
  readonly wsEndpoint = `ws://127.0.0.1:9222/devtools/browser/${this.pid}`;
  stopped = false;
  private exit!: () => void;
  readonly exited = new Promise<void>((resolve) => (this.exit = resolve));
  async stop() {
    this.stopped = true;
    this.exit();
  }
  crash() {
    this.exit();
  }
}

/** A stand-in for venom's Whatsapp object: what venom-client.ts calls on it. */
class FakeWhatsapp {
  stateListener: ((state: string) => void) | undefined;
  closed = false;
  usedHere = 0;
  registered = new Set<string>(["5545999999999@c.us"]);
  sent: Array<[string, string]> = [];
  sendError: unknown;
  async onStateChange(fn: (state: string) => void) {
    this.stateListener = fn;
    return { dispose: () => undefined };
  }
  async checkNumberStatus(id: string) {
    if (this.registered.has(id)) return { id: { _serialized: id }, status: 200, numberExists: true };
    throw { status: 404, numberExists: false, text: "The number does not exist" };
  }
  async sendText(to: string, content: string) {
    if (this.sendError) throw this.sendError;
    this.sent.push([to, content]);
    return { erro: false, to: { _serialized: to } };
  }
  async useHere() {
    this.usedHere += 1;
    return true;
  }
  async close() {
    this.closed = true;
    return true;
  }
}

/** What one call to venom's create() does: the test scripts it. */
type Script = (options: CreateOptions, whatsapp: FakeWhatsapp) => Promise<Whatsapp>;

describe("venom client", () => {
  let dir: string;
  let client: WhatsappClient | undefined;
  let launches: ChromiumOptions[];
  let browsers: FakeChromium[];
  let creates: CreateOptions[];
  let whatsapps: FakeWhatsapp[];
  let scripts: Script[];
  let launchFailures: Error[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-venom-"));
    launches = [];
    browsers = [];
    creates = [];
    whatsapps = [];
    scripts = [];
    launchFailures = [];
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const linksAtOnce: Script = async (o, w) => {
    o.statusFind?.("initBrowser", o.session);
    o.browserInstance?.("browser", false, w as unknown as Whatsapp);
    o.statusFind?.("isLogged", o.session);
    o.statusFind?.("successChat", o.session);
    return w as unknown as Whatsapp;
  };
  const hangs: Script = () => new Promise<Whatsapp>(() => undefined);

  /** The client under test, on timers the test steps (restarts, the stuck-session watchdog). */
  function start(overrides: Partial<VenomClientOptions> = {}) {
    const logs = captureLogs();
    const clock = new SteppedTimers();
    client = createVenomClient({
      session: "ura",
      sessionDir: join(dir, "session"),
      chromiumPath: process.execPath, // any executable: the launcher below never runs it
      logger: logs.logger,
      timers: clock,
      restart: { initialMs: 10_000, maxMs: 40_000 },
      callTimeoutMs: 20_000,
      runningAsRoot: false,
      // This test host has no internet: say so the same way every time.
      lookupHost: async (host) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      },
      loadVenom: async () => ({
        create: (options) => {
          creates.push(options);
          const whatsapp = new FakeWhatsapp();
          whatsapps.push(whatsapp);
          return (scripts.shift() ?? hangs)(options, whatsapp);
        },
      }),
      launchBrowser: async (options) => {
        launches.push(options);
        const failure = launchFailures.shift();
        if (failure) throw failure;
        const browser = new FakeChromium();
        browsers.push(browser);
        return browser;
      },
      ...overrides,
    });
    return { client, logs, clock };
  }

  it("never calls venom-bot when Chromium is missing, and says what to install", async () => {
    const { client } = start({ chromiumPath: join(dir, "no-such-chromium") });
    await eventually(() => client.status().state === "failed", 2000, "failed");
    expect(client.status().detail).toMatch(/Chromium not found at .*no-such-chromium: install Debian's package \(apt-get install chromium\) or set CHROMIUM_PATH/);
    expect(launches).toEqual([]);
    expect(creates).toEqual([]);
  });

  it("starts our Chromium and gives venom its endpoint, with the options that keep venom from downloading or closing", async () => {
    scripts.push(linksAtOnce);
    const { client } = start();
    await eventually(() => client.status().connected, 2000, "connected");
    expect(launches[0]).toMatchObject({ path: process.execPath, profileDir: join(dir, "session", "ura"), noSandbox: false });
    expect(creates[0]).toMatchObject({
      session: "ura",
      browserWS: browsers[0]!.wsEndpoint,
      browserPathExecutable: process.execPath,
      headless: "new",
      mkdirFolderToken: join(dir, "session"),
      autoClose: 0,
      logQR: false,
      waitForLogin: true,
    });
    expect(client.status()).toMatchObject({ state: "connected", linked: true });
    expect((await stat(join(dir, "session", "ura"))).mode & 0o777).toBe(0o700);
  });

  it("goes through the QR: status qr with the code, then linked and connected after the scan", async () => {
    let scan!: () => void;
    scripts.push(async (o, w) => {
      o.statusFind?.("successPageWhatsapp", o.session);
      o.statusFind?.("notLogged", o.session);
      o.catchQR?.("data:image/png;base64,xx", "ascii", 1, "2@first-code");
      o.catchQR?.("data:image/png;base64,yy", "ascii", 2, "2@second-code");
      await new Promise<void>((resolve) => (scan = resolve));
      o.statusFind?.("qrReadSuccess", o.session);
      return w as unknown as Whatsapp;
    });
    const { client } = start();
    await eventually(() => client.status().qr === "2@second-code", 2000, "the second QR");
    expect(client.status()).toMatchObject({ state: "qr", linked: false, connected: false, qrAttempt: 2 });
    scan();
    await eventually(() => client.status().connected, 2000, "connected");
    expect(client.status().qr).toBeUndefined();
  });

  it("follows WhatsApp Web's socket state: drop, logout, and a session taken elsewhere", async () => {
    scripts.push(linksAtOnce);
    const { client } = start();
    await eventually(() => client.status().connected, 2000, "connected");
    const whatsapp = whatsapps[0]!;
    whatsapp.stateListener!("TIMEOUT");
    expect(client.status()).toMatchObject({ state: "disconnected", linked: true, detail: "WhatsApp Web is timeout" });
    whatsapp.stateListener!("CONNECTED");
    expect(client.status().connected).toBe(true);
    whatsapp.stateListener!("CONFLICT");
    expect(whatsapp.usedHere).toBe(1);
    whatsapp.stateListener!("UNPAIRED");
    expect(client.status()).toMatchObject({ state: "logged_out", linked: false });
    expect(client.status().detail).toMatch(/Linked devices/);
  });

  it("resolves a number to its real id: the eight-digit form for an account older than the ninth digit", async () => {
    scripts.push(async (o, w) => {
      w.registered = new Set(["554599990000@c.us"]);
      return linksAtOnce(o, w);
    });
    const { client } = start();
    await eventually(() => client.status().connected, 2000, "connected");
    expect(await client.resolveNumber("+5545999990000")).toBe("554599990000@c.us");
    expect(await client.resolveNumber("+5545999991111")).toBeNull();
  });

  it("sends through venom, and turns venom's rejection objects into errors with their text", async () => {
    scripts.push(linksAtOnce);
    const { client } = start();
    await eventually(() => client.status().connected, 2000, "connected");
    await client.sendText("5545999999999@c.us", "olá");
    expect(whatsapps[0]!.sent).toEqual([["5545999999999@c.us", "olá"]]);
    whatsapps[0]!.sendError = { erro: true, status: 404, text: "The number does not exist" };
    await expect(client.sendText("5545999999999@c.us", "x")).rejects.toThrow(/WhatsApp did not send: The number does not exist/);
    whatsapps[0]!.stateListener!("DISCONNECTED");
    await expect(client.sendText("5545999999999@c.us", "x")).rejects.toThrow(/not connected/);
  });

  it("when WhatsApp Web cannot be opened, reports why, stops that Chromium and tries again later", async () => {
    scripts.push(async (o) => {
      o.statusFind?.("erroPageWhatsapp", o.session);
      throw 'Error when trying to access the page: "https://web.whatsapp.com"';
    });
    scripts.push(linksAtOnce);
    const { client, logs, clock } = start();
    await eventually(() => client.status().state === "failed", 5000, "failed");
    expect(client.status().detail).toBe(
      'Error when trying to access the page: "https://web.whatsapp.com" — web.whatsapp.com cannot be resolved (ENOTFOUND): this host needs internet access to WhatsApp (check DNS, firewall, proxy)',
    );
    await clock.advance(9_999);
    expect(browsers).toHaveLength(1); // not before the restart delay
    await clock.until(() => client.status().connected, "connected on the second try");
    expect(browsers).toHaveLength(2);
    expect(browsers[0]!.stopped).toBe(true);
    expect(browsers[1]!.stopped).toBe(false);
    expect(logs.text()).toMatch(/restarting the WhatsApp session/);
  });

  it("keeps the reason of a failed start when venom later notices the browser is gone", async () => {
    let venomNoticesLater!: () => void;
    scripts.push(async (o) => {
      venomNoticesLater = () => o.statusFind?.("serverClose", o.session); // venom polls every 2 s
      throw 'Error when trying to access the page: "https://web.whatsapp.com"';
    });
    const { client, clock } = start();
    await eventually(() => client.status().state === "failed", 2000, "failed");
    await clock.advance(2000);
    venomNoticesLater();
    expect(client.status()).toMatchObject({ state: "failed", detail: expect.stringMatching(/access the page/) });
  });

  it("restarts after Chromium exits on its own, keeping the session linked meanwhile", async () => {
    scripts.push(linksAtOnce, linksAtOnce);
    const { client, clock } = start();
    await eventually(() => client.status().connected, 2000, "connected");
    browsers[0]!.crash();
    await eventually(() => client.status().state === "disconnected", 2000, "disconnected");
    expect(client.status()).toMatchObject({ linked: true, detail: "Chromium exited unexpectedly" });
    await clock.until(() => client.status().connected, "connected again");
    expect(browsers).toHaveLength(2);
  });

  it("a Chromium crash while the chats load leaves the session linked: venom's failure that follows is not news", async () => {
    let venomGivesUp!: () => void;
    scripts.push(async (o) => {
      o.statusFind?.("isLogged", o.session);
      await new Promise<void>((resolve) => (venomGivesUp = resolve));
      throw "Error: Protocol error (Runtime.callFunctionOn): Target closed.";
    });
    scripts.push(linksAtOnce);
    const { client, clock } = start();
    await eventually(() => client.status().state === "disconnected", 2000, "linked, loading the chats");
    browsers[0]!.crash();
    await eventually(() => client.status().detail === "Chromium exited unexpectedly", 2000, "the crash");
    venomGivesUp();
    await clock.advance(0);
    expect(client.status()).toMatchObject({ state: "disconnected", linked: true, detail: "Chromium exited unexpectedly" });
    await clock.until(() => client.status().connected, "connected again");
  });

  it("a session folder that cannot be made is a failed start that is retried, not a crash", async () => {
    const blocker = join(dir, "not-a-directory");
    await writeFile(blocker, "");
    const { client, logs } = start({ sessionDir: join(blocker, "session") });
    await eventually(() => client.status().state === "failed", 2000, "failed");
    expect(client.status().detail).toMatch(/could not start: .*ENOTDIR/);
    expect(launches).toEqual([]);
    expect(logs.text()).toMatch(/restarting the WhatsApp session/);
  });

  it("retries without Chromium's sandbox when this host has none", async () => {
    launchFailures.push(new ChromiumStartError("Chromium exited at start (code 1)", "[123:123:FATAL:zygote_host_impl_linux.cc(128)] No usable sandbox!"));
    scripts.push(linksAtOnce);
    const { client, logs, clock } = start();
    await clock.until(() => client.status().connected, "connected");
    expect(launches.map((l) => l.noSandbox)).toEqual([false, true]);
    expect(logs.text()).toMatch(/--no-sandbox/);
  });

  it("restarts a session that makes no progress, but not one waiting for a QR scan", async () => {
    scripts.push(async (o) => {
      o.statusFind?.("isLogged", o.session); // linked, then venom hangs while the chats load
      return new Promise<Whatsapp>(() => undefined);
    });
    scripts.push(async (o) => {
      o.statusFind?.("notLogged", o.session);
      o.catchQR?.("", "", 1, "2@code");
      return new Promise<Whatsapp>(() => undefined);
    });
    const { client, logs, clock } = start({ stuckAfterMs: 300_000 });
    await eventually(() => client.status().detail === "stored session accepted; waiting for the phone", 2000, "the first attempt to hang");
    await clock.advance(299_999);
    expect(browsers).toHaveLength(1);
    await clock.until(() => client.status().state === "qr", "the second attempt's QR");
    expect(logs.text()).toMatch(/made no progress: restarting it/);
    expect(browsers[0]!.stopped).toBe(true);
    await clock.advance(3_600_000);
    expect(client.status().state).toBe("qr"); // a person may take minutes to scan
    expect(browsers).toHaveLength(2);
  });

  it("close() stops Chromium and venom, and nothing restarts afterwards", async () => {
    scripts.push(linksAtOnce);
    const { client, clock } = start();
    await eventually(() => client.status().connected, 2000, "connected");
    await client.close();
    expect(client.status().state).toBe("closed");
    expect(browsers[0]!.stopped).toBe(true);
    expect(whatsapps[0]!.closed).toBe(true);
    await clock.advance(3_600_000);
    expect(browsers).toHaveLength(1);
  });
});

describe("launchChromium (with a stand-in executable)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ura-chromium-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function script(body: string): Promise<string> {
    const path = join(dir, "chromium");
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  it("reads the DevTools endpoint Chromium prints, passes the profile, and stops it", async () => {
    const path = await script(
      `echo "$@" > ${dir}/args; echo "DevTools listening on ws://127.0.0.1:41234/devtools/browser/abc-123" >&2; exec sleep 30`,
    );
    const proc = await launchChromium({ path, profileDir: join(dir, "profile"), noSandbox: true });
    expect(proc.wsEndpoint).toBe("ws://127.0.0.1:41234/devtools/browser/abc-123");
    const args = await readFile(join(dir, "args"), "utf8");
    expect(args).toContain(`--user-data-dir=${join(dir, "profile")}`);
    expect(args).toContain("--headless=new");
    expect(args).toContain("--remote-debugging-port=0");
    expect(args).toContain("--no-sandbox");
    await proc.stop();
    await proc.exited;
  });

  it("fails with Chromium's last words when it exits at start", async () => {
    const path = await script(`echo "[1:1:FATAL:zygote_host_impl_linux.cc(128)] No usable sandbox!" >&2; exit 1`);
    const failure = await launchChromium({ path, profileDir: dir, noSandbox: false }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ChromiumStartError);
    expect((failure as ChromiumStartError).message).toMatch(/exited at start \(code 1\)/);
    expect((failure as ChromiumStartError).output).toMatch(/No usable sandbox/);
  });

  it("gives up when no endpoint appears in time, and leaves no process behind", async () => {
    const path = await script(`echo "$$" > ${dir}/pid; exec sleep 30`);
    const failure = await launchChromium({ path, profileDir: dir, noSandbox: true, startTimeoutMs: 200 }).catch((e: unknown) => e);
    expect((failure as Error).message).toMatch(/within 200 ms/);
    const pid = Number(await readFile(join(dir, "pid"), "utf8"));
    await eventually(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 3000, "the process to be gone");
  });
});
