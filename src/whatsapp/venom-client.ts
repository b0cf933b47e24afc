import { constants } from "node:fs";
import { access, chmod, mkdir } from "node:fs/promises";
import { lookup } from "node:dns/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { CreateOptions, Whatsapp } from "venom-bot";
import { Backoff } from "../shared/backoff.js";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { realTimers, type Timers } from "../shared/timers.js";
import { ChromiumStartError, launchChromium, type ChromiumOptions, type ChromiumProcess } from "./chromium.js";
import { SessionStatusBox, type SessionState, type SessionStatus, type WhatsappClient } from "./client.js";
import { createNumberResolver } from "./number-resolver.js";

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
  /** How web.whatsapp.com is resolved to explain a failed start; tests replace it. Default: DNS. */
  lookupHost?: (host: string) => Promise<unknown>;
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

/**
 * The WhatsApp session on venom-bot 5. We start Debian's Chromium ourselves (headless, profile
 * under WHATSAPP_SESSION_DIR so a restart needs no new QR) and give venom-bot its DevTools
 * endpoint. The session keeps itself alive: a failed start, a Chromium exit or a crash is retried
 * with growing delays; a session logged out on the phone shows a new QR. venom-bot is imported
 * only when this starts, so the API process never loads it.
 */
export function createVenomClient(options: VenomClientOptions): WhatsappClient {
  return new VenomSession(options);
}

const WHATSAPP_HOST = "web.whatsapp.com";
const LOGGED_OUT = "WhatsApp ended this session (removed under Linked devices on the phone, or expired)";

/** A status to show: what `SessionStatusBox.set` takes. */
interface Shown {
  state: SessionState;
  linked?: boolean;
  detail: string;
}

const READY: Shown = { state: "connected", linked: true, detail: "ready" };
const ENDED: Shown = { state: "logged_out", detail: LOGGED_OUT };

/**
 * What venom-bot's statusFind events mean, in an operator's words. Events not listed change
 * nothing; the few that need an action (the browser is gone, the session folder was made) are
 * handled by VenomSession.onVenomEvent before this table.
 */
const VENOM_EVENTS: Readonly<Record<string, Shown>> = {
  // Linked, not online yet.
  isLogged: { state: "disconnected", linked: true, detail: "stored session accepted; waiting for the phone" },
  qrReadSuccess: { state: "disconnected", linked: true, detail: "QR code scanned; loading the chats" },
  waitChat: { state: "disconnected", linked: true, detail: "linked; loading the chats" },
  phoneNotConnected: { state: "disconnected", linked: true, detail: "the linked phone is not connected" },
  deviceNotConnected: { state: "disconnected", linked: true, detail: "the linked phone is not connected" },
  desconnected: { state: "disconnected", linked: true, detail: "disconnected from WhatsApp" },
  // Not linked.
  successPageWhatsapp: { state: "starting", detail: "WhatsApp Web loaded; checking for a stored session" },
  notLogged: { state: "qr", detail: "waiting for the QR code" },
  qrReadFail: { state: "qr", detail: "the QR code expired unscanned" },
  // Online.
  successChat: READY,
  inChat: READY,
  // WhatsApp ended the link.
  desconnectedMobile: ENDED,
  deleteToken: ENDED,
};

/** What WhatsApp Web's socket state (onStateChange, once the session is up) means. */
export function statusOfSocket(socket: string): Shown {
  switch (socket) {
    case "CONNECTED":
      return READY;
    case "UNPAIRED":
    case "UNPAIRED_IDLE":
      // venom waits for a new login and reports the next QR through catchQR.
      return ENDED;
    case "CONFLICT":
      return { state: "disconnected", linked: true, detail: "WhatsApp Web was opened elsewhere; taking the session back" };
    case "TOS_BLOCK":
    case "SMB_TOS_BLOCK":
    case "PROXYBLOCK":
    case "DEPRECATED_VERSION":
      return { state: "failed", linked: true, detail: `WhatsApp refused this session: ${socket}` };
    default:
      return { state: "disconnected", linked: true, detail: `WhatsApp Web is ${socket.toLowerCase()}` };
  }
}

/**
 * One launch: a Chromium process and venom's page on it. Once the attempt is over (we tore it
 * down, Chromium died, the session closed) whatever its callbacks report is stale and ignored.
 */
class Attempt {
  chromium: ChromiumProcess | undefined;
  venom: Whatsapp | undefined;
  over = false;
}

/**
 * The session's life, as a loop:
 *
 *   launch ─► Chromium ─► venom.create() ─► WhatsApp Web: qr │ linked, waiting ─► connected
 *     ▲         │ fails      │ fails          │ Chromium exits, venom loses the browser,
 *     │         ▼            ▼                ▼ or no progress for stuckAfterMs
 *     └────── relaunch after a delay that doubles per failure (reset once venom is up) ◄┘
 *
 * The state an operator sees lives in `box` (SessionStatusBox); the rest of the fields are the
 * machinery: the live attempt, the two timers (relaunch, stuck-session watchdog), the backoff, and
 * what was learned on the way (no sandbox here, venom-bot's module).
 */
class VenomSession implements WhatsappClient {
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly profileDir: string;
  private readonly callTimeoutMs: number;
  private readonly stuckAfterMs: number;
  private readonly box: SessionStatusBox;
  private readonly backoff: Backoff;
  private readonly resolver: (e164: string) => Promise<string | null>;

  private attempt: Attempt | null = null;
  private relaunchTimer: unknown;
  private watchdog: unknown;
  private closed = false;
  /** Learned when Chromium refuses to start with its sandbox (root, or user namespaces off). */
  private noSandbox: boolean;
  private venomModule: VenomModule | undefined;

  constructor(private readonly options: VenomClientOptions) {
    this.timers = options.timers ?? realTimers;
    this.log = options.logger;
    this.profileDir = join(options.sessionDir, options.session);
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.stuckAfterMs = options.stuckAfterMs ?? 5 * 60_000;
    this.noSandbox = options.runningAsRoot ?? process.getuid?.() === 0;
    this.backoff = new Backoff(options.restart ?? { initialMs: 5_000, maxMs: 300_000 });
    this.box = new SessionStatusBox({ state: "starting", linked: false, detail: "starting" }, this.timers.now);
    this.box.on((status) => this.watchProgress(status));
    this.resolver = createNumberResolver((candidate) => this.checkNumber(candidate), { timers: this.timers });
    this.start();
  }

  // ── WhatsappClient ─────────────────────────────────────────────────────────

  status(): SessionStatus {
    return this.box.get();
  }

  onStateChange(listener: (status: SessionStatus) => void): () => void {
    return this.box.on(listener);
  }

  resolveNumber(e164: string): Promise<string | null> {
    return this.resolver(e164);
  }

  async sendText(id: string, text: string): Promise<void> {
    await this.call("WhatsApp did not send", (venom) => venom.sendText(id, text));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.relaunchTimer !== undefined) this.timers.clearTimeout(this.relaunchTimer);
    if (this.watchdog !== undefined) this.timers.clearTimeout(this.watchdog);
    await this.teardown();
    this.box.set("closed", { detail: "closed" });
  }

  // ── calls into WhatsApp Web ───────────────────────────────────────────────

  /** One call into venom, bounded by callTimeoutMs: venom's calls cannot be cancelled. */
  private call<T>(what: string, work: (venom: Whatsapp) => Promise<T>): Promise<T> {
    return withDeadline(this.callTimeoutMs, () => work(this.ready()), { timers: this.timers }).catch((err: unknown) => {
      throw new Error(`${what}: ${describeError(err)}`, { cause: err });
    });
  }

  private ready(): Whatsapp {
    const venom = this.attempt?.venom;
    if (!venom || !this.box.get().connected) throw new Error(`WhatsApp is not connected (${this.box.get().state})`);
    return venom;
  }

  /** The canonical id of one candidate form of a number, or null when it has no account. */
  private checkNumber(candidate: string): Promise<string | null> {
    return this.call("number check failed", (venom) =>
      venom.checkNumberStatus(candidate).then(
        (profile) => (profile.numberExists ? (profile.id?._serialized ?? candidate) : null),
        (err: unknown) => {
          // venom rejects with WAPI's result object: numberExists false is a clear "no account".
          if (err && typeof err === "object" && (err as { numberExists?: unknown }).numberExists === false) return null;
          throw err;
        },
      ),
    );
  }

  // ── the launch ────────────────────────────────────────────────────────────

  private start(): void {
    if (this.closed) return;
    const attempt = new Attempt();
    this.attempt = attempt;
    this.launch(attempt).catch((err: unknown) => {
      if (this.live(attempt)) this.fail(`the session could not start: ${describeError(err)}`);
    });
  }

  /** Whether callbacks of `attempt` still count. */
  private live(attempt: Attempt): boolean {
    return attempt === this.attempt && !attempt.over && !this.closed;
  }

  private async launch(attempt: Attempt): Promise<void> {
    this.box.set("starting", { detail: "starting Chromium" });
    // venom-bot, given a browser path that does not exist, runs `curl … google-chrome.deb` and
    // `sudo dpkg -i`; never let it get there.
    try {
      await access(this.options.chromiumPath, constants.X_OK);
    } catch {
      this.fail(`Chromium not found at ${this.options.chromiumPath}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
      return;
    }
    try {
      this.venomModule ??= this.options.loadVenom ? await this.options.loadVenom() : await importVenom();
    } catch (err) {
      this.box.set("failed", { detail: `venom-bot could not be loaded: ${describeError(err)}` });
      return; // an install problem: retrying will not help
    }
    await mkdir(this.profileDir, { recursive: true, mode: 0o700 });

    const chromium = await this.startChromium(attempt);
    if (!chromium) return;
    attempt.chromium = chromium;
    this.log.info({ pid: chromium.pid }, "Chromium started");
    void chromium.exited.then(() => this.chromiumExited(attempt, chromium));

    this.box.set("starting", { detail: `opening https://${WHATSAPP_HOST}` });
    let venom: Whatsapp;
    try {
      venom = await this.venomModule.create(this.createOptions(attempt, chromium));
    } catch (err) {
      if (this.live(attempt)) this.fail(await this.explain(describeError(err)));
      return;
    }
    if (!this.live(attempt)) return;
    attempt.venom = venom;
    this.backoff.reset();
    await withDeadline(this.callTimeoutMs, () => this.followSocket(attempt, venom), { timers: this.timers }).catch((err: unknown) =>
      this.log.warn({ err: describeError(err) }, "cannot follow WhatsApp Web's connection state"),
    );
    if (this.live(attempt)) this.show(READY);
  }

  /** Our Chromium for this attempt, or null when it did not start (what next is already decided). */
  private async startChromium(attempt: Attempt): Promise<ChromiumProcess | null> {
    const launchBrowser = this.options.launchBrowser ?? launchChromium;
    let chromium: ChromiumProcess;
    try {
      chromium = await launchBrowser({ path: this.options.chromiumPath, profileDir: this.profileDir, noSandbox: this.noSandbox });
    } catch (err) {
      if (!this.live(attempt)) return null;
      const output = err instanceof ChromiumStartError ? err.output : "";
      if (!this.noSandbox && /no usable sandbox|setuid sandbox/i.test(output)) {
        this.noSandbox = true;
        this.log.warn("Chromium's sandbox is not available here (user namespaces off?): starting it with --no-sandbox");
        this.box.set("starting", { detail: "retrying Chromium without its sandbox" });
        this.scheduleRelaunch({ now: true });
        return null;
      }
      this.fail(`Chromium did not start: ${describeError(err)}${output ? ` — ${output.split("\n").pop()}` : ""}`);
      return null;
    }
    if (!this.live(attempt)) {
      await chromium.stop();
      return null;
    }
    return chromium;
  }

  private createOptions(attempt: Attempt, chromium: ChromiumProcess): CreateOptions {
    return {
      session: this.options.session,
      browserWS: chromium.wsEndpoint,
      browserPathExecutable: this.options.chromiumPath,
      headless: "new",
      // venom keeps its token folder at <mkdirFolderToken>/<folderNameToken>/<session>: our profile.
      mkdirFolderToken: this.options.sessionDir,
      folderNameToken: ".",
      logQR: false, // the service draws each QR itself
      disableSpins: true,
      disableWelcome: true,
      updatesLog: false,
      autoClose: 0, // wait for the scan as long as it takes
      waitForLogin: true,
      catchQR: (_base64, _ascii, qrAttempt, urlCode) => {
        if (!this.live(attempt) || !urlCode) return;
        this.box.set("qr", { qr: urlCode, qrAttempt: qrAttempt ?? 1, detail: "waiting for the QR code to be scanned" });
      },
      statusFind: (event) => {
        if (this.live(attempt)) this.onVenomEvent(event);
      },
      browserInstance: (_browser, _page, venom) => {
        if (this.live(attempt)) attempt.venom = venom;
      },
    };
  }

  // ── what venom and WhatsApp Web report ────────────────────────────────────

  private onVenomEvent(event: string): void {
    switch (event) {
      case "connectBrowserWs":
      case "openBrowser":
        // venom makes its session folders mode 777; the profile holds a login: keep it private.
        void this.restrictSessionDir().catch((err: unknown) => this.log.warn({ err }, "could not restrict the session folder"));
        return;
      case "serverClose":
      case "browserClose":
        this.show({ state: this.box.get().linked ? "disconnected" : "failed", detail: "lost the connection to Chromium" });
        this.scheduleRelaunch();
        return;
    }
    const shown = VENOM_EVENTS[event];
    if (shown) this.show(shown);
    else this.log.debug({ event }, "venom status");
  }

  /** Follows WhatsApp Web's socket state once the session is up. */
  private async followSocket(attempt: Attempt, venom: Whatsapp): Promise<void> {
    await venom.onStateChange((socket) => {
      if (!this.live(attempt)) return;
      this.log.debug({ socket }, "WhatsApp Web socket state");
      this.show(statusOfSocket(String(socket)));
      if (socket === "CONFLICT") {
        void venom.useHere().catch((err: unknown) => this.log.warn({ err: describeError(err) }, "useHere failed"));
      }
    });
  }

  private chromiumExited(attempt: Attempt, chromium: ChromiumProcess): void {
    if (!this.live(attempt) || attempt.chromium !== chromium) return; // we stopped it
    // venom's page died with it: nothing is left to close, and what venom says next is stale.
    attempt.over = true;
    attempt.chromium = undefined;
    attempt.venom = undefined;
    this.show({ state: this.box.get().linked ? "disconnected" : "failed", detail: "Chromium exited unexpectedly" });
    this.scheduleRelaunch();
  }

  // ── giving up and trying again ────────────────────────────────────────────

  /** Gives up this attempt: Chromium is stopped now, not left running until the next one. */
  private fail(detail: string): void {
    this.box.set("failed", { detail });
    void this.teardown();
    this.scheduleRelaunch();
  }

  /** Relaunches after the backoff's delay (or at once), unless one is already due or we closed. */
  private scheduleRelaunch(when: { now?: boolean } = {}): void {
    if (this.closed || this.relaunchTimer !== undefined) return;
    const wait = when.now ? 0 : this.backoff.next();
    this.log.info({ inMs: wait }, "restarting the WhatsApp session");
    this.relaunchTimer = this.timers.setTimeout(() => {
      this.relaunchTimer = undefined;
      void this.teardown().then(() => this.start());
    }, wait);
  }

  /** Ends the current attempt: closes venom's page and stops our Chromium, whatever state they are in. */
  private async teardown(): Promise<void> {
    const attempt = this.attempt;
    if (!attempt) return;
    // Marked first: Chromium's exit and venom's "browser closed" are then ours, not news.
    attempt.over = true;
    const { venom, chromium } = attempt;
    attempt.venom = undefined;
    attempt.chromium = undefined;
    // A page stuck in WhatsApp Web must not hold up the relaunch.
    if (venom) await withDeadline(this.callTimeoutMs, () => venom.close(), { timers: this.timers }).catch(() => undefined);
    await chromium?.stop();
  }

  /** Restarts a session that makes no progress; a person scanning a QR is not "no progress". */
  private watchProgress(status: SessionStatus): void {
    const waiting = status.state === "starting" || status.state === "disconnected";
    if (!waiting && this.watchdog !== undefined) {
      this.timers.clearTimeout(this.watchdog);
      this.watchdog = undefined;
    } else if (waiting && this.watchdog === undefined && !this.closed) {
      this.watchdog = this.timers.setTimeout(() => {
        this.watchdog = undefined;
        const now = this.box.get();
        if (now.state !== "starting" && now.state !== "disconnected") return;
        this.log.warn({ state: now.state, detail: now.detail, forMs: this.stuckAfterMs }, "WhatsApp session made no progress: restarting it");
        this.box.set(now.state, { detail: `no progress for ${Math.round(this.stuckAfterMs / 1000)} s (${now.detail ?? now.state}); restarting` });
        void this.teardown();
        this.scheduleRelaunch({ now: true });
      }, this.stuckAfterMs);
    }
  }

  // ── small things ──────────────────────────────────────────────────────────

  private show(shown: Shown): void {
    this.box.set(shown.state, { linked: shown.linked, detail: shown.detail });
  }

  private async restrictSessionDir(): Promise<void> {
    await chmod(this.options.sessionDir, 0o700);
    await chmod(this.profileDir, 0o700);
  }

  /** Adds the likely cause to venom's bare "Error when trying to access the page". */
  private async explain(message: string): Promise<string> {
    try {
      const lookupHost = this.options.lookupHost ?? lookup;
      await withDeadline(3000, () => lookupHost(WHATSAPP_HOST), { timers: this.timers });
    } catch (err) {
      const code = err instanceof DeadlineExceededError ? "ETIMEOUT" : ((err as NodeJS.ErrnoException).code ?? describeError(err));
      return `${message} — ${WHATSAPP_HOST} cannot be resolved (${code}): this host needs internet access to WhatsApp (check DNS, firewall, proxy)`;
    }
    return message;
  }
}

/** venom-bot is CommonJS; its exports arrive as named exports or under `default`. */
async function importVenom(): Promise<VenomModule> {
  const mod = (await import("venom-bot")) as unknown as { create?: unknown; default?: { create?: unknown } };
  const create = mod.create ?? mod.default?.create;
  if (typeof create !== "function") throw new Error("venom-bot has no create()");
  return { create: create as VenomModule["create"] };
}
