import { localDate, localParts, serviceIndex, zonedTimeToUtc, type AuditRecord, type ServiceInfo, type Store, type TicketPriority, type TicketView } from "../../../domain/index.js";
import type { EventSource } from "../../../shared/event-bus.js";
import { fill, TEXT } from "../text.js";
import type { Activity, Kpis, StaffMember, TicketsToday, WallboardTicket } from "./messages.js";
import type { WallboardEvent, WallboardSource } from "./ports.js";

/** Seed 004 lists what is being worked on; a screen shows at most this many (most urgent, then oldest). */
const MAX_TICKETS = 200;
const ACTIVE = ["open", "in_progress", "waiting"] as const;
const DAY_MS = 86_400_000;
/** The KPIs' window. */
const KPI_DAYS = 30;
/** Without a grouped count (GLPI), today's tickets are read in one list of at most this many (a city's help desk opens far fewer a day); past it the total is still exact. */
const TODAY_MAX = 2000;

const text = TEXT.wallboard;

/** A ticket as seed 004 shows it: our protocol as id, the service path as title, the requester's department as entity. */
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
    // No department: empty (the page shows "—"), never the requester's name, which a technician reads as a department.
    entity: t.requester.department ?? "",
    urgency: text.priorities[priority],
  };
}

/**
 * The wallboard's numbers from the store: the ticket backend in force (builtin or GLPI) for the
 * tickets, counters and today's tickets; the builtin tables, the survey answers and the audit log
 * for the KPIs (last 30 days) and recent activity. The tickets being worked on are listed once
 * per snapshot (tickets_update and the technicians both come from that list).
 */
export function storeWallboardSource(store: Store, clock: () => Date): WallboardSource {
  return {
    async snapshot() {
      const now = clock();
      const since = new Date(now.getTime() - KPI_DAYS * DAY_MS);
      const index = serviceIndex(store.db);
      const [active, counts, open, kpis, surveys, recent, today, services] = await Promise.all([
        store.tickets.list({ statuses: ACTIVE, sort: "priority", limit: MAX_TICKETS, offset: 0 }),
        store.tickets.counts ? store.tickets.counts({ statuses: ACTIVE, limit: 1, offset: 0 }) : null,
        // Without counts (GLPI), one page of one ticket gives the open total.
        store.tickets.counts ? null : store.tickets.list({ status: "open", limit: 1, offset: 0 }),
        ticketKpis(store, since),
        store.surveys.summary(since, now),
        store.audit.list({ limit: 40 }).then(async (rows) => ({ rows, names: await requesterNames(store, rows) })),
        index.then((services) => ticketsToday(store, now, services)),
        index,
      ]);
      const { tickets, total } = active;
      const by = (p: TicketPriority) => counts?.byPriority[p] ?? tickets.filter((t) => (t.priority ?? "medium") === p).length;
      return {
        tickets: { data: tickets.map(wallboardTicket), counters: { critical: by("critical"), high: by("high"), medium: by("medium"), low: by("low"), total } },
        dashboard: {
          kpis: { openTickets: counts?.byStatus.open ?? open?.total ?? 0, ...kpis, ...satisfaction(surveys) },
          technicians: technicians(tickets),
          analysts: [],
          recentActivity: recent.rows.flatMap((r) => activity(r, services, recent.names)).slice(0, 10),
          ticketsToday: today,
        },
      };
    },
  };
}

/**
 * The survey's mean score (1 to 5) as seed 004's percentage: score × 20, so 5 is 100 % and 4.4 is
 * 88 %; 0 and 0 while nobody has answered.
 */
function satisfaction(summary: { customerSatisfaction: number | null; surveyCount: number }): Pick<Kpis, "customerSatisfaction" | "surveyCount"> {
  return { customerSatisfaction: summary.customerSatisfaction === null ? 0 : Math.round(summary.customerSatisfaction * 20), surveyCount: summary.surveyCount };
}

/**
 * Tickets opened since midnight in the site's timezone (URA_TIMEZONE, as the business hours
 * count days), by service. The builtin backend counts them in one grouped query (one row per
 * service, named from the catalogue); GLPI has no such count, so one list through the backend
 * (`createdSince`), in one search.
 */
async function ticketsToday(store: Store, now: Date, services: (id: number) => ServiceInfo | null): Promise<TicketsToday> {
  const local = localParts(now, store.timeZone);
  const midnight = zonedTimeToUtc(local.year, local.month, local.day, 0, 0, store.timeZone);
  const date = localDate(now, store.timeZone);
  let byService: TicketsToday["byService"];
  let total: number;
  if (store.tickets.countByService) {
    const counts = await store.tickets.countByService({ createdSince: midnight });
    byService = counts.map((c) => ({ serviceId: c.serviceId, service: services(c.serviceId)?.path ?? String(c.serviceId), count: c.count }));
    total = counts.reduce((sum, c) => sum + c.count, 0);
  } else {
    const list = await store.tickets.list({ createdSince: midnight, sort: "newest", limit: TODAY_MAX, offset: 0 });
    const by = new Map<number, { serviceId: number; service: string; count: number }>();
    for (const t of list.tickets) {
      const entry = by.get(t.service.id) ?? { serviceId: t.service.id, service: t.service.path, count: 0 };
      entry.count += 1;
      by.set(t.service.id, entry);
    }
    byService = [...by.values()];
    total = list.total;
  }
  return { date, total, byService: byService.sort((a, b) => b.count - a.count || a.service.localeCompare(b.service)) };
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

/**
 * Average time to first response (first move out of "open"), and the share resolved, over 30
 * days: counted by the ticket backend in one aggregate (`responseStats`); a backend without it
 * (GLPI) shows none.
 */
async function ticketKpis(store: Store, since: Date): Promise<{ avgResponseTime: string; resolutionRate: number }> {
  if (!store.tickets.responseStats) return { avgResponseTime: "—", resolutionRate: 0 };
  const stats = await store.tickets.responseStats(since);
  const minutes = Math.round((stats.meanFirstResponseMs ?? 0) / 60_000);
  return {
    avgResponseTime: stats.meanFirstResponseMs === null ? "—" : `${Math.floor(minutes / 60)}h ${minutes % 60}m`,
    resolutionRate: stats.opened ? Math.round((stats.resolved / stats.opened) * 100) : 0,
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

/**
 * The names of the people the audit rows name by user code (a ticket's requester, a transferred
 * caller), in one read. The wall names people as the rest of the console does, never by their
 * code: the code alone identifies a caller to the IVR (docs/security.md, "The wall TV").
 */
async function requesterNames(store: Store, rows: AuditRecord[]): Promise<Map<string, string>> {
  const codes = [...new Set(rows.flatMap((r) => personCode(r) ?? []))];
  return store.users.namesByCode(codes);
}

/** The user code an activity row names: the requester of an opened ticket, the caller of a transfer. */
function personCode(r: AuditRecord): string | null {
  const d = (r.details ?? {}) as Record<string, unknown>;
  const code = r.action === "ticket.open" ? d.requester : r.action === "call.transfer" ? d.user : null;
  return typeof code === "string" && code ? code : null;
}

/**
 * Audit rows people care about on a wall, as sentences; `services` names a service by its path
 * ("Computador > Não liga"), not its number, and `names` a person by name, not their code.
 */
function activity(r: AuditRecord, services: (id: number) => ServiceInfo | null, names: Map<string, string>): Activity[] {
  const d = (r.details ?? {}) as Record<string, unknown>;
  const base = { id: `audit-${r.id}`, timestamp: r.at };
  const protocol = r.entityId ?? "";
  const code = personCode(r);
  // A user removed since (only users without tickets can be): said so, still without the code.
  const person = code === null ? text.activity.unidentified : (names.get(code) ?? text.activity.removedUser);
  switch (r.action) {
    case "ticket.open":
      return [{ ...base, type: "ticket", severity: "medium", description: fill(text.activity.opened, { protocol, service: services(Number(d.serviceId))?.path ?? String(d.serviceId ?? ""), requester: person }) }];
    case "ticket.status":
    case "ticket.work": {
      if (typeof d.assignee === "string") return [{ ...base, type: "assignment", severity: "medium", description: fill(text.activity.assigned, { protocol, assignee: d.assignee }) }];
      const to = typeof d.to === "string" ? (text.statuses as Record<string, string>)[d.to] ?? d.to : null;
      if (!to) return [];
      return [{ ...base, type: "status", severity: "low", description: fill(text.activity.changed, { protocol, status: to }) }];
    }
    case "call.transfer":
      return [{ ...base, type: "call", severity: "high", description: fill(text.activity.transfer, { caller: person }) }];
    default:
      return [];
  }
}
