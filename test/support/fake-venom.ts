import { SessionStatusBox, type SessionState, type SessionStatus, type WhatsappClient } from "../../src/whatsapp/client.js";
import { createNumberResolver } from "../../src/whatsapp/number-resolver.js";

export interface FakeVenomOptions {
  /** Where the session starts; default "connected". */
  state?: SessionState;
  /**
   * WhatsApp ids that have an account (`5545999999999@c.us`). Default: every number, under its
   * nine-digit id.
   */
  accounts?: Iterable<string>;
  /** The clock of the status's `since` (a test's stepped timers). */
  now?: () => number;
}

/**
 * A WhatsApp session for tests, behind the same WhatsappClient interface venom-client.ts
 * implements. The test drives the session (link, drop, recover, log out) and reads what was
 * delivered; number lookups go through the real resolver (ninth-digit variants and cache).
 */
export class FakeVenomClient implements WhatsappClient {
  /** Every text WhatsApp accepted, in order. */
  readonly delivered: Array<{ to: string; text: string }> = [];
  /** Every candidate id asked about (to see the cache at work). */
  readonly lookups: string[] = [];
  sendAttempts = 0;
  closed = false;

  private readonly box: SessionStatusBox;
  private readonly accounts: Set<string> | null;
  private readonly resolver: (e164: string) => Promise<string | null>;
  private failures: Array<Error | "hang"> = [];
  private lookupDelayMs = 0;

  constructor(options: FakeVenomOptions = {}) {
    const state = options.state ?? "connected";
    this.box = new SessionStatusBox({ state, linked: state === "connected" || state === "disconnected" }, options.now);
    this.accounts = options.accounts ? new Set(options.accounts) : null;
    this.resolver = createNumberResolver(async (candidate) => {
      this.lookups.push(candidate);
      if (this.lookupDelayMs > 0) await new Promise((r) => setTimeout(r, this.lookupDelayMs));
      if (!this.box.get().connected) throw new Error("not connected");
      if (this.accounts === null) return candidate.replace(/^55(\d\d)(\d{8})@/, "55$19$2@") === candidate ? candidate : null;
      return this.accounts.has(candidate) ? candidate : null;
    });
  }

  // ── the WhatsappClient interface ──────────────────────────────────────────
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
    this.sendAttempts += 1;
    if (!this.box.get().connected) throw new Error("WhatsApp is not connected");
    const failure = this.failures.shift();
    if (failure === "hang") return new Promise<void>(() => undefined);
    if (failure) throw failure;
    this.delivered.push({ to: id, text });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.box.set("closed");
  }

  // ── what the test does to the session ────────────────────────────────────
  showQr(code = "2@fake-qr-code,abc,def", attempt = 1): void {
    this.box.set("qr", { qr: code, qrAttempt: attempt, detail: "scan with the phone" });
  }

  /** The phone scanned the QR (or the stored session was accepted). */
  link(): void {
    this.box.set("connected", { linked: true });
  }

  /** The connection drops but the session stays linked (phone offline, network). */
  drop(detail = "phone offline"): void {
    this.box.set("disconnected", { linked: true, detail });
  }

  recover(): void {
    this.box.set("connected", { linked: true });
  }

  /** WhatsApp ends the link (removed under Linked devices). */
  logout(): void {
    this.box.set("logged_out", { detail: "logged out from the phone" });
  }

  fail(state: "failed" | "starting", detail: string): void {
    this.box.set(state, { detail });
  }

  /** The next sendText calls fail (an Error) or never answer ("hang"), in order. */
  failNextSends(...failures: Array<Error | "hang">): void {
    this.failures.push(...failures);
  }

  slowLookups(ms: number): void {
    this.lookupDelayMs = ms;
  }
}
