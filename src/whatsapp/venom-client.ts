import { constants } from "node:fs";
import { access, chmod, mkdir } from "node:fs/promises";
import { lookup } from "node:dns/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { CreateOptions, Whatsapp } from "venom-bot";
import { ChromiumStartError, launchChromium, type ChromiumOptions, type ChromiumProcess } from "./chromium.js";
import { SessionStatusBox, type SessionStatus, type WhatsappClient } from "./client.js";
import { createNumberResolver } from "./number-resolver.js";
import { Backoff } from "../shared/backoff.js";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { realTimers, type Timers } from "../shared/timers.js";

export interface VenomClientOptions {
  /** WHATSAPP_SESSION_NAME: the folder of this session under `sessionDir`. */
  session: string;
  /** Absolute directory for session data (Chromium profile): kept so a restart needs no new QR. */
  sessionDir: string;
  /** CHROMIUM_PATH: Debian's /usr/bin/chromium. venom-bot is never allowed to fetch a browser. */
  chromiumPath: string;
  logger: Logger;
  timers?: Timers;
  /** Delay before relaunching after a failure: doubles from initial up to max. */
  restart?: { initialMs: number; maxMs: number };
  /** Longest wait for one call into WhatsApp Web (number check, send). */
  callTimeoutMs?: number;
  /** How venom-bot is loaded; tests replace it. Default: a dynamic import, so only this process loads it. */
  loadVenom?: () => Promise<VenomModule>;
  /** How Chromium is started; tests replace it. */
  launchBrowser?: (options: ChromiumOptions) => Promise<ChromiumProcess>;
  /** Whether we run as root (Chromium's sandbox refuses root). Default: from the process. */
  runningAsRoot?: boolean;
  /**
   * A session that stays "starting" or "disconnected" this long is restarted (venom can hang
   * while WhatsApp Web loads). Not while a QR waits for a person.
   */
  stuckAfterMs?: number;
}

export interface VenomModule {
  create(options: CreateOptions): Promise<Whatsapp>;
}

const WHATSAPP_HOST = "web.whatsapp.com";
const LOGGED_OUT = "WhatsApp ended this session (removed under Linked devices on the phone, or expired)";

/** venom-bot's statusFind events that mean "linked, not online yet", in an operator's words. */
const LINKED_WAITING: Record<string, string> = {
  isLogged: "stored session accepted; waiting for the phone",
  qrReadSuccess: "QR code scanned; loading the chats",
  waitChat: "linked; loading the chats",
  phoneNotConnected: "the linked phone is not connected",
  deviceNotConnected: "the linked phone is not connected",
  desconnected: "disconnected from WhatsApp",
};

/**
 * The WhatsApp session on venom-bot 5. We start Debian's Chromium ourselves (headless, profile
 * under WHATSAPP_SESSION_DIR so a restart needs no new QR) and give venom-bot its DevTools
 * endpoint. The session keeps itself alive: a failed start, a Chromium exit or a crash is retried
 * with growing delays; a session logged out on the phone shows a new QR. venom-bot is imported
 * only when this starts, so the API process never loads it.
 */
export function createVenomClient(options: VenomClientOptions): WhatsappClient {
  const timers = options.timers ?? realTimers;
  const backoff = new Backoff(options.restart ?? { initialMs: 5_000, maxMs: 300_000 });
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const launchBrowser = options.launchBrowser ?? launchChromium;
  const profileDir = join(options.sessionDir, options.session);
  const log = options.logger;
  const box = new SessionStatusBox({ state: "starting", linked: false, detail: "starting" }, timers.now);

  let noSandbox = options.runningAsRoot ?? process.getuid?.() === 0;
  let closed = false;
  let generation = 0; // bumps on every launch: callbacks from an older attempt are ignored
  let venomModule: VenomModule | undefined;
  let venom: Whatsapp | undefined;
  let chromium: ChromiumProcess | undefined;
  let relaunchTimer: unknown;
  let watchdog: unknown;
  const stuckAfterMs = options.stuckAfterMs ?? 5 * 60_000;

  // Restart a session that makes no progress; a person scanning a QR is not "no progress".
  box.on((status) => {
    const waiting = status.state === "starting" || status.state === "disconnected";
    if (!waiting && watchdog !== undefined) {
      timers.clearTimeout(watchdog);
      watchdog = undefined;
    } else if (waiting && watchdog === undefined && !closed) {
      watchdog = timers.setTimeout(() => {
        watchdog = undefined;
        const now = box.get();
        if (now.state !== "starting" && now.state !== "disconnected") return;
        log.warn({ state: now.state, detail: now.detail, forMs: stuckAfterMs }, "WhatsApp session made no progress: restarting it");
        box.set(now.state, { detail: `no progress for ${Math.round(stuckAfterMs / 1000)} s (${now.detail ?? now.state}); restarting` });
        void teardown();
        scheduleRelaunch(true);
      }, stuckAfterMs);
    }
  });

  const resolver = createNumberResolver(
    async (candidate) => {
      const session = ready();
      const answer = () =>
        session.checkNumberStatus(candidate).then(
          (profile) => (profile.numberExists ? (profile.id?._serialized ?? candidate) : null),
          (err: unknown) => {
            // venom rejects with WAPI's result object: numberExists false is a clear "no account".
            if (err && typeof err === "object" && (err as { numberExists?: unknown }).numberExists === false) return null;
            throw new Error(`number check failed: ${describeError(err)}`);
          },
        );
      return withDeadline(callTimeoutMs, answer, { timers });
    },
    { timers },
  );

  function ready(): Whatsapp {
    if (!venom || !box.get().connected) throw new Error(`WhatsApp is not connected (${box.get().state})`);
    return venom;
  }

  /** Gives up this attempt: Chromium is stopped now, not left running until the next one. */
  function fail(detail: string): void {
    box.set("failed", { detail });
    void teardown();
    scheduleRelaunch();
  }

  function scheduleRelaunch(immediately = false): void {
    if (closed || relaunchTimer !== undefined) return;
    const wait = immediately ? 0 : backoff.next();
    log.info({ inMs: wait }, "restarting the WhatsApp session");
    relaunchTimer = timers.setTimeout(() => {
      relaunchTimer = undefined;
      void teardown().then(launch);
    }, wait);
  }

  /** Closes venom's page and our Chromium, whatever state they are in. */
  async function teardown(): Promise<void> {
    const [oldVenom, oldChromium] = [venom, chromium];
    venom = undefined;
    chromium = undefined; // before stopping: its exit is then ours, not a crash
    await oldVenom
      ?.close()
      .then(() => undefined)
      .catch(() => undefined);
    await oldChromium?.stop();
  }

  async function launch(): Promise<void> {
    if (closed) return;
    const mine = ++generation;
    const current = () => mine === generation && !closed;
    box.set("starting", { detail: "starting Chromium" });

    // venom-bot, given a browser path that does not exist, runs `curl … google-chrome.deb` and
    // `sudo dpkg -i`; never let it get there.
    try {
      await access(options.chromiumPath, constants.X_OK);
    } catch {
      fail(`Chromium not found at ${options.chromiumPath}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
      return;
    }
    try {
      venomModule ??= options.loadVenom ? await options.loadVenom() : await importVenom();
    } catch (err) {
      box.set("failed", { detail: `venom-bot could not be loaded: ${describeError(err)}` });
      return; // an install problem: retrying will not help
    }
    await mkdir(profileDir, { recursive: true, mode: 0o700 });

    let proc: ChromiumProcess;
    try {
      proc = await launchBrowser({ path: options.chromiumPath, profileDir, noSandbox });
    } catch (err) {
      if (!current()) return;
      const output = err instanceof ChromiumStartError ? err.output : "";
      if (!noSandbox && /no usable sandbox|setuid sandbox/i.test(output)) {
        noSandbox = true;
        log.warn("Chromium's sandbox is not available here (user namespaces off?): starting it with --no-sandbox");
        box.set("starting", { detail: "retrying Chromium without its sandbox" });
        scheduleRelaunch(true);
        return;
      }
      fail(`Chromium did not start: ${describeError(err)}${output ? ` — ${output.split("\n").pop()}` : ""}`);
      return;
    }
    if (!current()) {
      await proc.stop();
      return;
    }
    chromium = proc;
    log.info({ pid: proc.pid }, "Chromium started");
    void proc.exited.then(() => {
      if (chromium !== proc || closed) return; // we stopped it
      chromium = undefined;
      venom = undefined;
      box.set(box.get().linked ? "disconnected" : "failed", { detail: "Chromium exited unexpectedly" });
      scheduleRelaunch();
    });

    box.set("starting", { detail: `opening https://${WHATSAPP_HOST}` });
    const createOptions: CreateOptions = {
      session: options.session,
      browserWS: proc.wsEndpoint,
      browserPathExecutable: options.chromiumPath,
      headless: "new",
      // venom keeps its token folder at <mkdirFolderToken>/<folderNameToken>/<session>: our profile.
      mkdirFolderToken: options.sessionDir,
      folderNameToken: ".",
      logQR: false, // the service draws each QR itself
      disableSpins: true,
      disableWelcome: true,
      updatesLog: false,
      autoClose: 0, // wait for the scan as long as it takes
      waitForLogin: true,
      catchQR: (_base64, _ascii, attempt, urlCode) => {
        if (!current() || !urlCode) return;
        box.set("qr", { qr: urlCode, qrAttempt: attempt ?? 1, detail: "waiting for the QR code to be scanned" });
      },
      statusFind: (event) => {
        if (current()) onStatusFind(event);
      },
      browserInstance: (_browser, _page, client) => {
        if (current()) venom = client;
      },
    };

    try {
      const client = await venomModule.create(createOptions);
      if (!current()) return;
      venom = client;
      backoff.reset();
      await withDeadline(callTimeoutMs, () => watchState(client, current), { timers }).catch((err: unknown) =>
        log.warn({ err: describeError(err) }, "cannot follow WhatsApp Web's connection state"),
      );
      if (current()) box.set("connected", { linked: true, detail: "ready" });
    } catch (err) {
      if (!current()) return;
      fail(await explain(describeError(err)));
    }
  }

  function onStatusFind(event: string): void {
    const waiting = LINKED_WAITING[event];
    if (waiting !== undefined) {
      box.set("disconnected", { linked: true, detail: waiting });
      return;
    }
    switch (event) {
      case "connectBrowserWs":
      case "openBrowser":
        // venom makes its session folders mode 777; the profile holds a login: keep it private.
        void restrictSessionDir().catch((err: unknown) => log.warn({ err }, "could not restrict the session folder"));
        return;
      case "successPageWhatsapp":
        box.set("starting", { detail: "WhatsApp Web loaded; checking for a stored session" });
        return;
      case "notLogged":
        box.set("qr", { detail: "waiting for the QR code" });
        return;
      case "qrReadFail":
        box.set("qr", { detail: "the QR code expired unscanned" });
        return;
      case "successChat":
      case "inChat":
        box.set("connected", { linked: true, detail: "ready" });
        return;
      case "desconnectedMobile":
      case "deleteToken":
        box.set("logged_out", { detail: LOGGED_OUT });
        return;
      case "serverClose":
      case "browserClose":
        // After our own teardown venom notices the browser is gone: not news.
        if (chromium === undefined) return;
        box.set(box.get().linked ? "disconnected" : "failed", { detail: "lost the connection to Chromium" });
        scheduleRelaunch();
        return;
      default:
        log.debug({ event }, "venom status");
    }
  }

  /** Follows WhatsApp Web's socket state once the session is up. */
  async function watchState(client: Whatsapp, current: () => boolean): Promise<void> {
    await client.onStateChange((socket) => {
      if (!current()) return;
      log.debug({ socket }, "WhatsApp Web socket state");
      switch (socket) {
        case "CONNECTED":
          box.set("connected", { linked: true, detail: "ready" });
          return;
        case "UNPAIRED":
        case "UNPAIRED_IDLE":
          // venom waits for a new login and reports the next QR through catchQR.
          box.set("logged_out", { detail: LOGGED_OUT });
          return;
        case "CONFLICT":
          box.set("disconnected", { linked: true, detail: "WhatsApp Web was opened elsewhere; taking the session back" });
          void client.useHere().catch((err: unknown) => log.warn({ err: describeError(err) }, "useHere failed"));
          return;
        case "TOS_BLOCK":
        case "SMB_TOS_BLOCK":
        case "PROXYBLOCK":
        case "DEPRECATED_VERSION":
          box.set("failed", { linked: true, detail: `WhatsApp refused this session: ${socket}` });
          return;
        default:
          box.set("disconnected", { linked: true, detail: `WhatsApp Web is ${String(socket).toLowerCase()}` });
      }
    });
  }

  async function restrictSessionDir(): Promise<void> {
    await chmod(options.sessionDir, 0o700);
    await chmod(profileDir, 0o700);
  }

  /** Adds the likely cause to venom's bare "Error when trying to access the page". */
  async function explain(message: string): Promise<string> {
    try {
      await withDeadline(3000, () => lookup(WHATSAPP_HOST), { timers });
    } catch (err) {
      const code = err instanceof DeadlineExceededError ? "ETIMEOUT" : ((err as NodeJS.ErrnoException).code ?? describeError(err));
      return `${message} — ${WHATSAPP_HOST} cannot be resolved (${code}): this host needs internet access to WhatsApp (check DNS, firewall, proxy)`;
    }
    return message;
  }

  void launch();

  return {
    status: (): SessionStatus => box.get(),
    onStateChange: (listener) => box.on(listener),
    resolveNumber: (e164) => resolver(e164),
    async sendText(id, text) {
      const session = ready();
      await withDeadline(
        callTimeoutMs,
        () =>
          session.sendText(id, text).then(
            () => undefined,
            (err: unknown) => {
              throw new Error(`WhatsApp did not send: ${describeError(err)}`);
            },
          ),
        { timers },
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      generation += 1;
      if (relaunchTimer !== undefined) timers.clearTimeout(relaunchTimer);
      if (watchdog !== undefined) timers.clearTimeout(watchdog);
      await teardown();
      box.set("closed", { detail: "closed" });
    },
  };
}

/** venom-bot is CommonJS; its exports arrive as named exports or under `default`. */
async function importVenom(): Promise<VenomModule> {
  const mod = (await import("venom-bot")) as unknown as { create?: unknown; default?: { create?: unknown } };
  const create = mod.create ?? mod.default?.create;
  if (typeof create !== "function") throw new Error("venom-bot has no create()");
  return { create: create as VenomModule["create"] };
}
