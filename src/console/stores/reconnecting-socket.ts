import { Backoff } from "../../shared/backoff";

/** What a page shows of a live connection: its state, and the seconds to the next attempt while closed. */
export interface SocketStatus {
  connection: "connecting" | "open" | "closed";
  retryInSeconds: number;
}

export interface ReconnectingSocketOptions {
  url: () => string;
  /** Reactive state the socket keeps current. */
  status: SocketStatus;
  /** Each JSON message; one that is not JSON text, or cannot be applied, is skipped. */
  onMessage(message: unknown): void;
  onOpen?(): void;
  /** For tests; the browser's WebSocket by default. */
  createSocket?: (url: string) => WebSocket;
}

/**
 * One WebSocket that reconnects after 1 s, 2 s, 4 s … up to 30 s while started, counting the seconds
 * down in `status`. The console's live socket and the wallboard both use it.
 */
export function reconnectingSocket(options: ReconnectingSocketOptions) {
  const { status } = options;
  const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  let socket: WebSocket | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let countdown: ReturnType<typeof setInterval> | null = null;
  let stopped = true;

  function connect(): void {
    stopped = false;
    status.connection = "connecting";
    const url = options.url();
    const ws = options.createSocket ? options.createSocket(url) : new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      backoff.reset();
      status.connection = "open";
      options.onOpen?.();
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      try {
        options.onMessage(JSON.parse(event.data));
      } catch {
        // Unreadable: skipped; the next push brings the whole state again.
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      status.connection = "closed";
      if (!stopped) scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    const seconds = backoff.next() / 1000;
    status.retryInSeconds = seconds;
    countdown = setInterval(() => (status.retryInSeconds = Math.max(0, status.retryInSeconds - 1)), 1000);
    retry = setTimeout(() => {
      if (countdown) clearInterval(countdown);
      countdown = null;
      retry = null;
      if (!stopped) connect();
    }, seconds * 1000);
  }

  function stop(): void {
    stopped = true;
    if (retry) clearTimeout(retry);
    if (countdown) clearInterval(countdown);
    retry = null;
    countdown = null;
    const ws = socket;
    socket = null;
    ws?.close();
  }

  return {
    /** Connects, unless already connected or waiting to reconnect. */
    start(): void {
      if (!socket && !retry) connect();
    },
    stop,
    /** Sends when open; dropped otherwise (the server sends the whole state again on the next identify). */
    send(text: string): void {
      if (socket?.readyState === WebSocket.OPEN) socket.send(text);
    },
  };
}
