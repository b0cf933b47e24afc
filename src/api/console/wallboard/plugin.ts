import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RawData, WebSocket } from "ws";
import type { EventSource } from "../../../shared/event-bus.js";
import { ApiError } from "../../errors.js";
import { fill, TEXT } from "../text.js";
import {
  identifyMessage,
  remoteSwitchMessage,
  requestDataMessage,
  type DashboardUpdate,
  type ProjectsUpdate,
  type ServerMessage,
  type TicketsUpdate,
  type View,
} from "./messages.js";
import type { WallboardAuthenticator, WallboardEvent, WallboardSource, WallboardViewer } from "./ports.js";

/** Seed 004's route, trailing slash included (Django's `ws/dashboard_control/$`). */
export const WALLBOARD_PATH = "/ws/dashboard_control/";

/** Sounds under the console's root (src/console/public/sounds); sent as absolute URLs. */
export const WALLBOARD_SOUNDS = { newTicket: "/sounds/novo-chamado.wav", critical: "/sounds/alerta-critico.wav" } as const;

export interface WallboardOptions {
  source: WallboardSource;
  events: EventSource<WallboardEvent>;
  authenticate: WallboardAuthenticator;
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
 * everything again every 30 s. Needs @fastify/websocket registered in an enclosing scope (once per
 * server: see consolePlugin).
 */
export async function wallboardRoutes(app: FastifyInstance, options: WallboardOptions): Promise<void> {
  if (!app.hasDecorator("websocketServer")) throw new Error("wallboardRoutes needs @fastify/websocket registered first (consolePlugin does it)");
  const clock = options.clock ?? (() => new Date());
  const screens = new Set<Screen>();
  const text = TEXT.wallboard;
  const snapshots = new Snapshots(options.source, options.snapshotMaxAgeMs ?? 1000);

  const send = (screen: Screen, message: ServerMessage | string) => {
    if (screen.socket.readyState !== screen.socket.OPEN) return;
    screen.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  };
  const fail = (screen: Screen, message: string) => send(screen, { type: "error", message });

  /** One view as its JSON text, built once and sent to as many screens as need it. */
  const render = async (view: View): Promise<string> => {
    const timestamp = clock().toISOString();
    if (view === "tickets") {
      const { data, counters } = await snapshots.tickets();
      return JSON.stringify({ type: "tickets_update", data, counters, timestamp } satisfies TicketsUpdate);
    }
    if (view === "dashboard") {
      const dashboard = await snapshots.dashboard();
      return JSON.stringify({ type: "dashboard_update", ...dashboard, timestamp } satisfies DashboardUpdate);
    }
    return JSON.stringify({ type: "projects_update", data: [], timestamp } satisfies ProjectsUpdate);
  };

  const push = async (views: View[], to: Iterable<Screen>) => {
    const targets = [...to];
    if (targets.length === 0) return;
    for (const view of views) {
      let message: string;
      try {
        message = await render(view);
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

  // Changes: several in a burst (a CSV import, a busy minute) become one push per screen.
  let changePending = false;
  const changed = () => {
    if (changePending) return;
    changePending = true;
    setTimeout(() => {
      changePending = false;
      snapshots.forget();
      void push(["tickets", "dashboard"], screens);
    }, 50).unref();
  };
  const unsubscribe = options.events.subscribe((event) => {
    if (event.type === "ticket-opened") {
      alert("new_ticket_alert", event.ticket, WALLBOARD_SOUNDS.newTicket);
      changed();
    } else if (event.type === "part-status") {
      alert("critical_alert", event.alert, WALLBOARD_SOUNDS.critical);
    } else {
      changed();
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

/** The latest tickets and dashboard, kept briefly so many screens asking at once cost one query each. */
class Snapshots {
  private ticketsAt = 0;
  private dashboardAt = 0;
  private ticketsValue: ReturnType<WallboardSource["tickets"]> | null = null;
  private dashboardValue: ReturnType<WallboardSource["dashboard"]> | null = null;

  constructor(
    private readonly source: WallboardSource,
    private readonly maxAgeMs: number,
  ) {}

  tickets(): ReturnType<WallboardSource["tickets"]> {
    if (!this.ticketsValue || Date.now() - this.ticketsAt > this.maxAgeMs) {
      this.ticketsAt = Date.now();
      this.ticketsValue = this.source.tickets();
      // A failed read is not kept: the next request asks again.
      this.ticketsValue.catch(() => (this.ticketsValue = null));
    }
    return this.ticketsValue;
  }

  dashboard(): ReturnType<WallboardSource["dashboard"]> {
    if (!this.dashboardValue || Date.now() - this.dashboardAt > this.maxAgeMs) {
      this.dashboardAt = Date.now();
      this.dashboardValue = this.source.dashboard();
      this.dashboardValue.catch(() => (this.dashboardValue = null));
    }
    return this.dashboardValue;
  }

  forget(): void {
    this.ticketsValue = null;
    this.dashboardValue = null;
  }
}
