import { connect, type Socket } from "node:net";
import type { Logger } from "pino";
import { Backoff } from "../shared/backoff.js";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";
import { AmiActionError, AmiAuthError, AmiConnectionError, AmiProtocolError } from "./errors.js";
import { AmiParser, formatAction, type AmiMessage } from "./protocol.js";

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  logger?: Logger;
  /** First wait before reconnecting; doubles up to maxReconnectMs. Default 1000. */
  reconnectMs?: number;
  /** Longest wait between reconnection attempts (also used after a refused login). Default 30000. */
  maxReconnectMs?: number;
  /** Banner, login or a Ping answer taking longer than this cuts the connection. Default 10000. */
  answerTimeoutMs?: number;
  /** A Ping this often finds a connection that died without a FIN (a rebooted PBX). Default 30000. */
  pingIntervalMs?: number;
  /**
   * Log in with `Events: on` (the console follows the queue's events) or off (the IVR only asks
   * questions; the answers to its own actions come either way). Default true.
   */
  events?: boolean;
}

export type AmiStatus = "connecting" | "connected" | "waiting" | "closed";

type Pending = {
  resolve: (m: AmiMessage) => void;
  reject: (e: Error) => void;
  /** A list action (QueueSummary…): its events, collected until the one that ends the list. */
  list?: { events: AmiMessage[]; done: (events: AmiMessage[]) => void };
};

/**
 * A read-only AMI session that stays up: logs in (with `Events: on` unless told otherwise), hands
 * every event to its listeners, reconnects with backoff when the connection drops or the login is
 * refused, and logs off on close. It sends only Login, Ping, Logoff and list queries such as
 * QueueSummary, which app_queue registers with no privilege: any manager.conf user may send them,
 * and none needs write rights.
 */
export class AmiClient {
  private socket: Socket | null = null;
  private state: AmiStatus = "waiting";
  private readonly backoff: Backoff;
  private nextActionId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(event: AmiMessage) => void>();
  private readonly statusListeners = new Set<(status: AmiStatus, error?: Error) => void>();
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly log: Logger | undefined;

  constructor(private readonly options: AmiClientOptions) {
    this.log = options.logger?.child({ component: "ami", ami: `${options.host}:${options.port}` });
    this.backoff = new Backoff({ initialMs: options.reconnectMs ?? 1000, maxMs: options.maxReconnectMs ?? 30_000 });
  }

  get status(): AmiStatus {
    return this.state;
  }

  /** Every AMI event (`Event: …` messages) while connected. Returns the unsubscribe function. */
  onEvent(listener: (event: AmiMessage) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Status changes; `error` says why a connection ended (AmiAuthError for a refused login). */
  onStatus(listener: (status: AmiStatus, error?: Error) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Connects now; from here on the client keeps reconnecting until close(). */
  start(): void {
    if (this.closing || this.socket || this.retryTimer) return;
    this.open();
  }

  /** Logs off (waiting briefly for Asterisk's goodbye), stops reconnecting and closes the socket. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    if (socket && this.state === "connected") {
      await this.action("Logoff", {}, 2000).catch(() => undefined);
    }
    socket?.destroy();
    this.socket = null;
    this.setStatus("closed");
  }

  private open(): void {
    this.setStatus("connecting");
    const { host, port } = this.options;
    const socket = connect({ host, port });
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.setKeepAlive(true, 60_000);
    let ended: Error | undefined;
    const end = (err: Error) => {
      ended ??= err;
      socket.destroy();
    };
    const answerTimeout = this.options.answerTimeoutMs ?? 10_000;
    const bannerTimer = setTimeout(() => end(new AmiConnectionError(`no AMI banner within ${answerTimeout} ms`)), answerTimeout);

    const parser = new AmiParser(
      () => {
        clearTimeout(bannerTimer);
        void this.login().catch((err: Error) => end(err));
      },
      (message) => this.dispatch(message),
    );
    socket.on("data", (chunk: string) => {
      try {
        parser.push(chunk);
      } catch (err) {
        end(err as AmiProtocolError);
      }
    });
    socket.on("error", (err) => end(new AmiConnectionError(`${host}:${port}: ${err.message}`)));
    socket.on("close", () => {
      clearTimeout(bannerTimer);
      this.stopPinging();
      for (const [id, p] of this.pending) {
        p.reject(ended ?? new AmiConnectionError("AMI connection closed"));
        this.pending.delete(id);
      }
      if (this.socket === socket) this.socket = null;
      if (this.closing) return;
      this.scheduleReconnect(ended ?? new AmiConnectionError("AMI connection closed by the server"));
    });
  }

  private async login(): Promise<void> {
    const { username, secret } = this.options;
    const answer = await this.action("Login", { Username: username, Secret: secret, Events: this.options.events === false ? "off" : "on" });
    if (answer.Response !== "Success") throw new AmiAuthError(answer.Message ?? "no reason given");
    this.backoff.reset();
    this.setStatus("connected");
    this.log?.info({ username }, "AMI connected");
    this.startPinging();
  }

  private startPinging(): void {
    const every = this.options.pingIntervalMs ?? 30_000;
    this.pingTimer = setInterval(() => {
      // A lost answer means the connection is dead: destroy it and let "close" reconnect.
      this.action("Ping", {}).catch((err: Error) => {
        this.log?.warn({ err: err.message }, "AMI ping unanswered; reconnecting");
        this.socket?.destroy();
      });
    }, every);
    this.pingTimer.unref();
  }

  private stopPinging(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private scheduleReconnect(reason: Error): void {
    // A refused login will be refused again: wait the longest, so Asterisk's log (and fail2ban) stay quiet.
    const delay = reason instanceof AmiAuthError ? (this.options.maxReconnectMs ?? 30_000) : this.backoff.next();
    if (reason instanceof AmiAuthError) this.log?.error({ err: reason.message, retryInMs: delay }, "AMI login refused: check ASTERISK_AMI_USER/ASTERISK_AMI_SECRET and manager.conf");
    else this.log?.warn({ err: reason.message, retryInMs: delay }, "AMI connection lost");
    this.setStatus("waiting", reason);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closing) this.open();
    }, delay);
    this.retryTimer.unref();
  }

  /**
   * Sends a list action (`QueueSummary`, `QueueStatus`…) and resolves with its events, once the
   * event whose EventList is "Complete" arrives. Rejects with AmiConnectionError when not connected
   * or without the whole answer within `timeoutMs`, AmiActionError when Asterisk refuses it.
   */
  async list(name: string, fields: Record<string, string>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<AmiMessage[]> {
    const socket = this.socket;
    if (!socket || this.state !== "connected") throw new AmiConnectionError("not connected");
    const id = `ura-${this.nextActionId++}`;
    try {
      return await withDeadline(
        options.timeoutMs,
        () =>
          new Promise<AmiMessage[]>((resolve, reject) => {
            const accept = (answer: AmiMessage) => {
              if (answer.Response !== "Success") reject(new AmiActionError(name, answer.Message ?? answer.Response ?? "no reason given"));
            };
            this.pending.set(id, { resolve: accept, reject, list: { events: [], done: resolve } });
            socket.write(formatAction(name, { ...fields, ActionID: id }));
          }),
        { signal: options.signal },
      );
    } catch (err) {
      if (err instanceof DeadlineExceededError) throw new AmiConnectionError(`no complete answer to ${name} within ${options.timeoutMs} ms`);
      throw err;
    } finally {
      this.pending.delete(id);
    }
  }

  private async action(name: string, fields: Record<string, string>, timeoutMs = this.options.answerTimeoutMs ?? 10_000): Promise<AmiMessage> {
    const socket = this.socket;
    if (!socket) throw new AmiConnectionError("not connected");
    const id = `ura-${this.nextActionId++}`;
    try {
      return await withDeadline(
        timeoutMs,
        () =>
          new Promise<AmiMessage>((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            socket.write(formatAction(name, { ...fields, ActionID: id }));
          }),
      );
    } catch (err) {
      if (err instanceof DeadlineExceededError) throw new AmiConnectionError(`no answer to ${name} within ${timeoutMs} ms`);
      throw err;
    } finally {
      this.pending.delete(id);
    }
  }

  private dispatch(message: AmiMessage): void {
    const id = message.ActionID;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (message.Response !== undefined && id !== undefined) {
      // A list action's answer only opens the list (or refuses it): its events follow.
      if (pending && !pending.list) this.pending.delete(id);
      pending?.resolve(message);
      return;
    }
    if (pending?.list && message.Event !== undefined) {
      if (message.EventList === "Complete") pending.list.done(pending.list.events);
      else pending.list.events.push(message);
      return;
    }
    if (message.Event === undefined || this.state !== "connected") return;
    for (const listener of this.eventListeners) {
      try {
        listener(message);
      } catch (err) {
        // One faulty listener must not stop the others, nor the connection.
        this.log?.error({ err, event: message.Event }, "AMI event listener failed");
      }
    }
  }

  private setStatus(status: AmiStatus, error?: Error): void {
    this.state = status;
    for (const listener of this.statusListeners) listener(status, error);
  }
}
