import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RawData, WebSocket } from "ws";
import type { EventSource } from "../../../shared/event-bus.js";
import { ApiError } from "../../errors.js";
import { fill, TEXT } from "../text.js";
import {
  identifyMessage,
  NO_CALLS,
  remoteSwitchMessage,
  requestDataMessage,
  type DashboardUpdate,
  type ProjectsUpdate,
  type ServerMessage,
  type TicketsUpdate,
  type View,
} from "./messages.js";
import type { WallboardAuthenticator, WallboardCalls, WallboardEvent, WallboardSnapshot, WallboardSource, WallboardViewer } from "./ports.js";

/** Seed 004's route, trailing slash included (Django's `ws/dashboard_control/$`). */
export const WALLBOARD_PATH = "/ws/dashboard_control/";

/** Sounds under the console's root (src/console/public/sounds); sent as absolute URLs. */
export const WALLBOARD_SOUNDS = { newTicket: "/sounds/novo-chamado.wav", critical: "/sounds/alerta-critico.wav" } as const;

export interface WallboardOptions {
  source: WallboardSource;
  events: EventSource<WallboardEvent>;
  authenticate: WallboardAuthenticator;
  /** The calls right now (dashboard_update's `calls`); absent: none known (all zero). */
  calls?: WallboardCalls;
  /** Seed 004 pushes every 30 s besides pushing on change. */
  pushIntervalMs?: number;
  /** A snapshot younger than this answers request_data without asking the source again. Default 1000. */
  snapshotMaxAgeMs?: number;
  clock?: () => Date;
}

interface Screen {
  socket: WebSocket;
  viewer: WallboardViewer;
  /** Seed 004's `identify.clientId` ("Kiosk-ABCDE"), for the log. */
  clientId: string | null;
  /** http://host:port the screen reached us at, so sound URLs work from a wallboard served elsewhere. */
  origin: string;
  /** Answered the last ping: a TV switched off mid-connection is dropped at the next round. */
  alive: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    wallboardViewer?: WallboardViewer;
  }
}

/**
 * Seed 004's wallboard protocol over a WebSocket: `identify` is answered with tickets_update,
 * projects_update and dashboard_update; `request_data {view}` with that view; `remote_switch
 * {target}` is relayed to the other screens. Changes are pushed when the event bus says so, and
 * everything again every 30 s. dashboard_update also carries `calls` and `ticketsToday` (the TV
 * view's numbers), extra fields a seed-004 panel ignores. Needs @fastify/websocket registered in an enclosing scope (once per
 * server: see consolePlugin).
 */
export async function wallboardRoutes(app: FastifyInstance, options: WallboardOptions): Promise<void> {
  if (!app.hasDecorator("websocketServer")) throw new Error("wallboardRoutes needs @fastify/websocket registered first (consolePlugin does it)");
  const clock = options.clock ?? (() => new Date());
  const screens = new Set<Screen>();
  const text = TEXT.wallboard;
  const snapshots = new Snapshots(options.source, options.snapshotMaxAgeMs ?? 1000);
  const calls: WallboardCalls = options.calls ?? (() => NO_CALLS);

  const send = (screen: Screen, message: ServerMessage | string) => {
    if (screen.socket.readyState !== screen.socket.OPEN) return;
    screen.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  };
  const fail = (screen: Screen, message: string) => send(screen, { type: "error", message });

  /** One view as its JSON text, built once and sent to as many screens as need it. */
  const render = (view: View, snapshot: WallboardSnapshot): string => {
    const timestamp = clock().toISOString();
    if (view === "tickets") {
      const { data, counters } = snapshot.tickets;
      return JSON.stringify({ type: "tickets_update", data, counters, timestamp } satisfies TicketsUpdate);
    }
    if (view === "dashboard") {
      return JSON.stringify({ type: "dashboard_update", ...snapshot.dashboard, calls: calls(), timestamp } satisfies DashboardUpdate);
    }
    return JSON.stringify({ type: "projects_update", data: [], timestamp } satisfies ProjectsUpdate);
  };

  /** Every view of a push comes from one snapshot: the tickets are listed once per push. `latest`: a kept one will do, however old. */
  const push = async (views: View[], to: Iterable<Screen>, options: { latest?: boolean } = {}) => {
    const targets = [...to];
    if (targets.length === 0) return;
    const needsStore = views.some((view) => view !== "projects");
    let snapshot: WallboardSnapshot | null = null;
    for (const view of views) {
      let message: string;
      try {
        if (needsStore) snapshot ??= await snapshots.get(options.latest ?? false);
        message = render(view, snapshot!);
      } catch (err) {
        app.log.error({ err, view }, "wallboard data source failed");
        for (const screen of targets) fail(screen, text.unavailable);
        return;
      }
      for (const screen of targets) send(screen, message);
    }
  };

  const alert = (type: "new_ticket_alert" | "critical_alert", data: { id: string; title: string; severity: "critical" | "high" | "medium" | "low" }, sound: string) => {
    const timestamp = clock().toISOString();
    for (const screen of screens) send(screen, { type, data: { ...data, soundUrl: `${screen.origin}${sound}` }, timestamp });
  };

  // Changes: several in a burst (a CSV import, a busy minute) become one push per screen. A change
  // of calls alone pushes dashboard_update from the kept snapshot (calls are read from memory), so
  // a busy IVR does not cost a database read per call.
  let changePending: "tickets" | "calls" | null = null;
  const changed = (what: "tickets" | "calls") => {
    if (changePending === "tickets" || changePending === what) return;
    const first = changePending === null;
    changePending = what;
    if (!first) return;
    setTimeout(() => {
      const ticketsToo = changePending === "tickets";
      changePending = null;
      if (ticketsToo) {
        snapshots.forget();
        void push(["tickets", "dashboard"], screens);
      } else {
        void push(["dashboard"], screens, { latest: true });
      }
    }, 50).unref();
  };
  const unsubscribe = options.events.subscribe((event) => {
    if (event.type === "ticket-opened") {
      alert("new_ticket_alert", event.ticket, WALLBOARD_SOUNDS.newTicket);
      changed("tickets");
    } else if (event.type === "part-status") {
      alert("critical_alert", event.alert, WALLBOARD_SOUNDS.critical);
    } else if (event.type === "calls-changed") {
      changed("calls");
    } else {
      changed("tickets");
    }
  });

  // Every 30 s: everything again (seed 004's polling), and a ping that finds screens gone silent.
  const timer = setInterval(() => {
    for (const screen of screens) {
      if (!screen.alive) {
        screen.socket.terminate();
        continue;
      }
      screen.alive = false;
      screen.socket.ping();
    }
    snapshots.forget();
    void push(["tickets", "projects", "dashboard"], screens);
  }, options.pushIntervalMs ?? 30_000);
  timer.unref();
  app.addHook("onClose", async () => {
    clearInterval(timer);
    unsubscribe();
  });

  const handle = async (screen: Screen, raw: RawData, isBinary: boolean) => {
    if (isBinary) return fail(screen, text.binary);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString());
    } catch {
      return fail(screen, text.invalidJson);
    }
    const type = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as { type?: unknown }).type : undefined;
    if (typeof type !== "string") return fail(screen, text.noType);
    const schema = type === "identify" ? identifyMessage : type === "request_data" ? requestDataMessage : type === "remote_switch" ? remoteSwitchMessage : null;
    if (!schema) return fail(screen, fill(text.unknownType, { type: type.slice(0, 40) }));
    const checked = schema.safeParse(parsed);
    if (!checked.success) return fail(screen, fill(text.badField, { type, field: checked.error.issues[0]?.path.map(String).join(".") || "type" }));
    const message = checked.data;
    if (message.type === "identify") {
      screen.clientId = message.clientId ?? null;
      app.log.info({ viewer: screen.viewer.name, clientId: screen.clientId }, "wallboard identified");
      return push(["tickets", "projects", "dashboard"], [screen]);
    }
    if (message.type === "request_data") return push([message.view], [screen]);
    if (!screen.viewer.canControl) return fail(screen, text.noControl);
    const relay: ServerMessage = { type: "remote_switch", target: message.target, timestamp: clock().toISOString() };
    for (const other of screens) if (other !== screen) send(other, relay);
  };

  app.get(
    WALLBOARD_PATH,
    {
      websocket: true,
      // The URL may carry a kiosk token (?token=): keep it out of the request log lines.
      logLevel: "warn",
      preValidation: async (request) => {
        const viewer = await options.authenticate(request);
        // Thrown before the upgrade: the API's error handler answers 401 {error, message}.
        if (!viewer) throw new ApiError(401, "unauthorized", text.unauthorized);
        request.wallboardViewer = viewer;
      },
    },
    (socket, request) => {
      const screen: Screen = { socket, viewer: request.wallboardViewer!, clientId: null, origin: originOf(request), alive: true };
      screens.add(screen);
      socket.on("pong", () => (screen.alive = true));
      socket.on("message", (raw, isBinary) => {
        handle(screen, raw, isBinary).catch((err: unknown) => {
          app.log.error({ err }, "wallboard message failed");
          fail(screen, text.unavailable);
        });
      });
      socket.on("close", () => screens.delete(screen));
      socket.on("error", () => screens.delete(screen));
    },
  );
}

/** Where this client reached us (Host header, and X-Forwarded-Proto behind a trusted proxy). */
function originOf(request: FastifyRequest): string {
  const scheme = request.protocol === "https" ? "https" : "http";
  return `${scheme}://${request.host}`;
}

/** The latest snapshot, kept briefly so many screens asking at once cost one read. */
class Snapshots {
  private at = 0;
  private value: Promise<WallboardSnapshot> | null = null;

  constructor(
    private readonly source: WallboardSource,
    private readonly maxAgeMs: number,
  ) {}

  /** `latest`: the kept snapshot whatever its age (stored data changes call forget()). */
  get(latest: boolean): Promise<WallboardSnapshot> {
    if (!this.value || (!latest && Date.now() - this.at > this.maxAgeMs)) {
      this.at = Date.now();
      const value = this.source.snapshot();
      this.value = value;
      // A failed read is not kept: the next request asks again.
      value.catch(() => {
        if (this.value === value) this.value = null;
      });
    }
    return this.value;
  }

  forget(): void {
    this.value = null;
  }
}
