import { reactive, readonly } from "vue";
import { Backoff } from "../../shared/backoff";
import type { Activity, AlertData, Kpis, ServerMessage, StaffMember, TicketCounters, View, WallboardTicket } from "../../api/console/wallboard/messages";

export type ConnectionState = "connecting" | "open" | "closed";

export interface ReceivedAlert extends AlertData {
  kind: "new_ticket_alert" | "critical_alert";
  timestamp: string;
}

export interface WallboardState {
  connection: ConnectionState;
  /** Seconds until the next reconnection attempt, while closed. */
  retryInSeconds: number;
  tickets: WallboardTicket[];
  counters: TicketCounters;
  kpis: Kpis | null;
  technicians: StaffMember[];
  analysts: StaffMember[];
  recentActivity: Activity[];
  /** Newest first, at most ten. */
  alerts: ReceivedAlert[];
  /** Last view another console asked this screen to show (remote_switch). */
  view: string;
  lastUpdate: string | null;
  lastError: string | null;
}

export interface WallboardStoreOptions {
  /** ws://host/ws/dashboard_control/?token=… */
  url: string;
  clientId: string;
  onAlert?: (alert: ReceivedAlert) => void;
  /** For tests; the browser's WebSocket by default. */
  createSocket?: (url: string) => WebSocket;
}

/** The wallboard socket's URL for this page: same host, `?token=` when the page was opened with a kiosk token. */
export function wallboardUrl(location: Location, token: string | null): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/dashboard_control/${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

/**
 * The live state of seed 004's protocol: connects, identifies, applies every message, and
 * reconnects with backoff (1 s doubling to 30 s) when the connection drops, as seed 004's panel does.
 */
export function createWallboardStore(options: WallboardStoreOptions) {
  const state = reactive<WallboardState>({
    connection: "connecting",
    retryInSeconds: 0,
    tickets: [],
    counters: { critical: 0, high: 0, medium: 0, low: 0, total: 0 },
    kpis: null,
    technicians: [],
    analysts: [],
    recentActivity: [],
    alerts: [],
    view: "tickets",
    lastUpdate: null,
    lastError: null,
  });
  let socket: WebSocket | null = null;
  const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  let retry: ReturnType<typeof setTimeout> | null = null;
  let countdown: ReturnType<typeof setInterval> | null = null;
  let stopped = false;

  const send = (message: Record<string, unknown>) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ ...message, timestamp: new Date().toISOString() }));
  };

  function apply(message: ServerMessage): void {
    switch (message.type) {
      case "tickets_update":
        state.tickets = message.data;
        state.counters = message.counters;
        state.lastUpdate = message.timestamp;
        break;
      case "dashboard_update":
        state.kpis = message.kpis;
        state.technicians = message.technicians;
        state.analysts = message.analysts;
        state.recentActivity = message.recentActivity;
        state.lastUpdate = message.timestamp;
        break;
      case "new_ticket_alert":
      case "critical_alert": {
        const alert: ReceivedAlert = { ...message.data, kind: message.type, timestamp: message.timestamp };
        state.alerts = [alert, ...state.alerts].slice(0, 10);
        options.onAlert?.(alert);
        break;
      }
      case "remote_switch":
        state.view = message.target;
        break;
      case "error":
        state.lastError = message.message;
        break;
      case "projects_update":
        break;
    }
  }

  function connect(): void {
    stopped = false;
    state.connection = "connecting";
    const ws = options.createSocket ? options.createSocket(options.url) : new WebSocket(options.url);
    socket = ws;
    ws.onopen = () => {
      backoff.reset();
      state.connection = "open";
      state.lastError = null;
      send({ type: "identify", clientId: options.clientId });
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      try {
        apply(JSON.parse(event.data) as ServerMessage);
      } catch {
        // A message we cannot read is skipped; the next push brings the full state again.
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      state.connection = "closed";
      if (!stopped) scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    const seconds = backoff.next() / 1000;
    state.retryInSeconds = seconds;
    countdown = setInterval(() => (state.retryInSeconds = Math.max(0, state.retryInSeconds - 1)), 1000);
    retry = setTimeout(() => {
      if (countdown) clearInterval(countdown);
      retry = null;
      connect();
    }, seconds * 1000);
  }

  function disconnect(): void {
    stopped = true;
    if (retry) clearTimeout(retry);
    if (countdown) clearInterval(countdown);
    socket?.close();
    socket = null;
  }

  return {
    state: readonly(state),
    connect,
    disconnect,
    requestData: (view: View) => send({ type: "request_data", view }),
    remoteSwitch: (target: string) => send({ type: "remote_switch", target }),
  };
}

export type WallboardStore = ReturnType<typeof createWallboardStore>;
