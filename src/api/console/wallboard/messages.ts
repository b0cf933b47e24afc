import { z } from "zod";

/**
 * Seed 004's wallboard protocol, field for field: a wallboard built for that Vue/Django panel
 * works against ours unchanged. Server → client messages are plain types (the console's front-end
 * imports them as types only); client → server messages are validated with zod on arrival.
 */

export type Priority = "critical" | "high" | "medium" | "low";

/** A ticket as seed 004 shows it. `id` is our protocol number; `entity` the requester's department ("" when none is known). */
export interface WallboardTicket {
  id: string;
  title: string;
  description: string;
  assignedTo: string;
  priority: Priority;
  status: string;
  createdAt: string;
  updatedAt: string;
  entity: string;
  urgency: string;
}

export interface TicketCounters {
  critical: number;
  high: number;
  medium: number;
  low: number;
  total: number;
}

export interface TicketsUpdate {
  type: "tickets_update";
  data: WallboardTicket[];
  counters: TicketCounters;
  timestamp: string;
}

/** Seed 004 has a projects view; we have no projects, so its list is always empty (the view stays valid). */
export interface WallboardProject {
  id: string;
  name: string;
  responsible: string;
  status: string;
  completed: number;
  inProgress: number;
  pending: number;
  progress: number;
  dueDate: string;
  updatedAt: string;
}

export interface ProjectsUpdate {
  type: "projects_update";
  data: WallboardProject[];
  timestamp: string;
}

export interface Kpis {
  openTickets: number;
  /** Free text, as in the seed: "2h 30m". */
  avgResponseTime: string;
  /** Percent, 0–100. */
  resolutionRate: number;
  /** Percent, 0–100. */
  customerSatisfaction: number;
  surveyCount: number;
}

export interface StaffMember {
  id: string;
  name: string;
  role: "technician" | "analyst";
  specialization: string;
  available: boolean;
  assignedCount: number;
}

export interface Activity {
  id: string;
  timestamp: string;
  description: string;
  type: string;
  severity: Priority;
}

/**
 * Calls right now (our addition to dashboard_update for the TV view; docs/decisions.md).
 * `inIvr`: calls connected to the IVR, summed over the IVR nodes' heartbeats.
 * `waitingForTechnician`: transferred to the technicians' queue and not answered yet. With AMI
 * (`waitingBasis` "ami") the queue's events say when a call is answered or abandoned; without it
 * ("recent-transfers") nothing does, so it counts the transfers of the last `waitingWindowMinutes`.
 */
export interface CallsNow {
  inIvr: number;
  waitingForTechnician: number;
  waitingBasis: "ami" | "recent-transfers";
  waitingWindowMinutes: number | null;
}

/** No calls known: no IVR node reported any, and nothing tracks the transferred ones. */
export const NO_CALLS: Readonly<CallsNow> = Object.freeze({ inIvr: 0, waitingForTechnician: 0, waitingBasis: "recent-transfers", waitingWindowMinutes: null });

/** Tickets opened today (from midnight in URA_TIMEZONE; `date` is that day, YYYY-MM-DD), by service, most first. */
export interface TicketsToday {
  date: string;
  total: number;
  byService: Array<{ serviceId: number; service: string; count: number }>;
}

/**
 * Seed 004's fields, plus `calls` and `ticketsToday`: extra fields a seed-004 panel does not read
 * (it takes kpis, technicians, analysts and recentActivity by name), so it keeps working unchanged.
 */
export interface DashboardUpdate {
  type: "dashboard_update";
  kpis: Kpis;
  technicians: StaffMember[];
  analysts: StaffMember[];
  recentActivity: Activity[];
  calls: CallsNow;
  ticketsToday: TicketsToday;
  timestamp: string;
}

export interface AlertData {
  id: string;
  title: string;
  severity: Priority;
  /** Absolute URL of a sound the wallboard plays; served by us (no internet needed). */
  soundUrl: string;
}

export interface NewTicketAlert {
  type: "new_ticket_alert";
  data: AlertData;
  timestamp: string;
}

/** A part of the system went down (IVR node, API, WhatsApp session, TTS, database). */
export interface CriticalAlert {
  type: "critical_alert";
  data: AlertData;
  timestamp: string;
}

/** Relayed to the other screens when a console with control rights sends remote_switch. */
export interface RemoteSwitch {
  type: "remote_switch";
  target: string;
  timestamp: string;
}

export interface ErrorMessage {
  type: "error";
  message: string;
}

export type ServerMessage = TicketsUpdate | ProjectsUpdate | DashboardUpdate | NewTicketAlert | CriticalAlert | RemoteSwitch | ErrorMessage;

/** The views request_data may ask for (seed 004's three). */
export const VIEWS = ["tickets", "projects", "dashboard"] as const;
export type View = (typeof VIEWS)[number];

// Client → server. Extra fields are allowed: the seed's panel sends a timestamp, others may send more.
const timestamp = z.string().max(64).optional();

export const identifyMessage = z.looseObject({ type: z.literal("identify"), clientId: z.string().max(128).optional(), timestamp });
export const requestDataMessage = z.looseObject({ type: z.literal("request_data"), view: z.enum(VIEWS), timestamp });
export const remoteSwitchMessage = z.looseObject({
  type: z.literal("remote_switch"),
  target: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  timestamp,
});

export type ClientMessage = z.infer<typeof identifyMessage> | z.infer<typeof requestDataMessage> | z.infer<typeof remoteSwitchMessage>;
