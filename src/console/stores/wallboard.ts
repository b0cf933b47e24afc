import { reactive, readonly } from "vue";
import type { Activity, AlertData, CallsNow, Kpis, ServerMessage, StaffMember, TicketCounters, TicketsToday, View, WallboardTicket } from "../../api/console/wallboard/messages";
import { reconnectingSocket, type SocketStatus } from "./reconnecting-socket";

export type ConnectionState = SocketStatus["connection"];

export interface ReceivedAlert extends AlertData {
  kind: "new_ticket_alert" | "critical_alert";
  timestamp: string;
}

export interface WallboardState extends SocketStatus {
  tickets: WallboardTicket[];
  counters: TicketCounters;
  kpis: Kpis | null;
  technicians: StaffMember[];
  analysts: StaffMember[];
  recentActivity: Activity[];
  /** Our extras in dashboard_update (null until the first one, or from a server that sends only seed 004's fields). */
  calls: CallsNow | null;
  ticketsToday: TicketsToday | null;
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
    calls: null,
    ticketsToday: null,
    alerts: [],
    view: "tickets",
    lastUpdate: null,
    lastError: null,
  });
  const socket = reconnectingSocket({
    url: () => options.url,
    status: state,
    createSocket: options.createSocket,
    onOpen: () => {
      state.lastError = null;
      send({ type: "identify", clientId: options.clientId });
    },
    onMessage: (message) => apply(message as ServerMessage),
  });
  const send = (message: Record<string, unknown>) => socket.send(JSON.stringify({ ...message, timestamp: new Date().toISOString() }));

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
        state.calls = message.calls ?? null;
        state.ticketsToday = message.ticketsToday ?? null;
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

  return {
    state: readonly(state),
    connect: () => socket.start(),
    disconnect: () => socket.stop(),
    requestData: (view: View) => send({ type: "request_data", view }),
    remoteSwitch: (target: string) => send({ type: "remote_switch", target }),
  };
}

export type WallboardStore = ReturnType<typeof createWallboardStore>;
