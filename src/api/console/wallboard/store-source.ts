import { fromDbTime, toDbTime, type AuditRecord, type Store, type TicketPriority, type TicketView } from "../../../domain/index.js";
import type { EventSource } from "../../../shared/event-bus.js";
import { fill, TEXT } from "../text.js";
import type { Activity, StaffMember, WallboardTicket } from "./messages.js";
import type { WallboardEvent, WallboardSource } from "./ports.js";

/** Seed 004 lists what is being worked on; a screen shows at most this many (most urgent, then oldest). */
const MAX_TICKETS = 200;
const ACTIVE = ["open", "in_progress", "waiting"] as const;
const DAY_MS = 86_400_000;

const text = TEXT.wallboard;

/** A ticket as seed 004 shows it: our protocol as id, the service path as title, the department as entity. */
export function wallboardTicket(t: TicketView): WallboardTicket {
  const priority: TicketPriority = t.priority ?? "medium";
  return {
    id: t.protocol,
    title: t.service.path,
    description: t.description ?? "",
    assignedTo: t.assignee?.name ?? "",
    priority,
    status: t.status,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    entity: t.requester.department ?? t.requester.name,
    urgency: text.priorities[priority],
  };
}

/**
 * The wallboard's numbers from the store: the ticket backend in force (builtin or GLPI) for the
 * tickets and counters; the builtin tables and the audit log for the KPIs and recent activity.
 * Satisfaction comes from the post-call survey when it exists (0 and 0 until then).
 */
export function storeWallboardSource(store: Store, clock: () => Date): WallboardSource {
  return {
    async tickets() {
      const { tickets, total } = await store.tickets.list({ statuses: ACTIVE, sort: "priority", limit: MAX_TICKETS, offset: 0 });
      const counts = store.tickets.counts ? await store.tickets.counts({ statuses: ACTIVE, limit: 1, offset: 0 }) : null;
      const by = (p: TicketPriority) => counts?.byPriority[p] ?? tickets.filter((t) => (t.priority ?? "medium") === p).length;
      return { data: tickets.map(wallboardTicket), counters: { critical: by("critical"), high: by("high"), medium: by("medium"), low: by("low"), total } };
    },
    async dashboard() {
      const now = clock();
      const since = new Date(now.getTime() - 30 * DAY_MS);
      const [open, active, kpis, recent] = await Promise.all([
        store.tickets.list({ status: "open", limit: 1, offset: 0 }),
        store.tickets.list({ statuses: ACTIVE, limit: MAX_TICKETS, offset: 0 }),
        ticketKpis(store, since),
        store.audit.list({ limit: 40 }),
      ]);
      return {
        kpis: { openTickets: open.total, ...kpis, customerSatisfaction: 0, surveyCount: 0 },
        technicians: technicians(active.tickets),
        analysts: [],
        recentActivity: recent.flatMap(activity).slice(0, 10),
      };
    },
  };
}

/** What the wallboard reacts to, from the store's events. */
export function wallboardEvents(store: Store): EventSource<WallboardEvent> {
  return {
    subscribe(listener) {
      return store.events.subscribe((event) => {
        if (event.type === "ticket-opened") {
          const t = event.ticket;
          listener({ type: "ticket-opened", ticket: { id: t.protocol, title: t.service.path, severity: t.priority ?? "medium" } });
        } else {
          listener({ type: "tickets-changed" });
        }
      });
    },
  };
}

/** Average time to first response (first move out of "open"), and the share resolved, over 30 days. */
async function ticketKpis(store: Store, since: Date): Promise<{ avgResponseTime: string; resolutionRate: number }> {
  if (store.tickets.kind !== "builtin") return { avgResponseTime: "—", resolutionRate: 0 };
  const rows = await store.db.all<{ created_at: string; status: string; first_move: string | null }>(
    `SELECT t.created_at, t.status,
            (SELECT MIN(h.at) FROM ticket_history h WHERE h.ticket_id = t.id AND h.from_status = 'open' AND h.to_status <> 'open') AS first_move
       FROM tickets t WHERE t.created_at >= ?`,
    [toDbTime(since)],
  );
  const waits = rows.filter((r) => r.first_move !== null).map((r) => fromDbTime(r.first_move!).getTime() - fromDbTime(r.created_at).getTime());
  const avg = waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : 0;
  const minutes = Math.round(avg / 60_000);
  const resolved = rows.filter((r) => r.status === "resolved" || r.status === "closed").length;
  return {
    avgResponseTime: waits.length ? `${Math.floor(minutes / 60)}h ${minutes % 60}m` : "—",
    resolutionRate: rows.length ? Math.round((resolved / rows.length) * 100) : 0,
  };
}

/** The people working tickets now, with how many each has (seed 004's technicians list). */
function technicians(active: TicketView[]): StaffMember[] {
  const by = new Map<string, StaffMember>();
  for (const t of active) {
    if (!t.assignee) continue;
    const member = by.get(t.assignee.username) ?? { id: t.assignee.username, name: t.assignee.name, role: "technician", specialization: "", available: true, assignedCount: 0 };
    member.assignedCount += 1;
    by.set(t.assignee.username, member);
  }
  return [...by.values()].sort((a, b) => b.assignedCount - a.assignedCount);
}

/** Audit rows people care about on a wall, as sentences. */
function activity(r: AuditRecord): Activity[] {
  const d = (r.details ?? {}) as Record<string, unknown>;
  const base = { id: `audit-${r.id}`, timestamp: r.at };
  const protocol = r.entityId ?? "";
  switch (r.action) {
    case "ticket.open":
      return [{ ...base, type: "ticket", severity: "medium", description: fill(text.activity.opened, { protocol, service: String(d.serviceId ?? ""), requester: String(d.requester ?? "") }) }];
    case "ticket.status":
    case "ticket.work": {
      if (typeof d.assignee === "string") return [{ ...base, type: "assignment", severity: "medium", description: fill(text.activity.assigned, { protocol, assignee: d.assignee }) }];
      const to = typeof d.to === "string" ? (text.statuses as Record<string, string>)[d.to] ?? d.to : null;
      if (!to) return [];
      return [{ ...base, type: "status", severity: "low", description: fill(text.activity.changed, { protocol, status: to }) }];
    }
    case "call.transfer":
      return [{ ...base, type: "call", severity: "high", description: fill(text.activity.transfer, { caller: typeof d.user === "string" ? d.user : text.activity.unidentified }) }];
    default:
      return [];
  }
}
