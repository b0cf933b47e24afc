import type { TicketPriority, TicketStatus } from "../domain/index.js";

/**
 * GLPI's ticket statuses (CommonITILObject constants, reference §5.1) onto our five. GLPI has two
 * "processing" statuses (assigned, planned): the caller hears both as "em atendimento".
 */
export const GLPI_STATUS = { INCOMING: 1, ASSIGNED: 2, PLANNED: 3, WAITING: 4, SOLVED: 5, CLOSED: 6 } as const;

const FROM_GLPI: Record<number, TicketStatus> = {
  1: "open",
  2: "in_progress",
  3: "in_progress",
  4: "waiting",
  5: "resolved",
  6: "closed",
};

const TO_GLPI: Record<TicketStatus, number> = {
  open: GLPI_STATUS.INCOMING,
  in_progress: GLPI_STATUS.ASSIGNED,
  waiting: GLPI_STATUS.WAITING,
  resolved: GLPI_STATUS.SOLVED,
  closed: GLPI_STATUS.CLOSED,
};

/** Our status for GLPI's number; null for a value a Ticket never has (7–12 are Change/Problem). */
export function fromGlpiStatus(value: unknown): TicketStatus | null {
  return FROM_GLPI[Number(value)] ?? null;
}

export function toGlpiStatus(status: TicketStatus): number {
  return TO_GLPI[status];
}

/**
 * GLPI's priority, 1 to 6 (CommonITILObject::getPriorityName: 1 Very low, 2 Low, 3 Medium, 4 High,
 * 5 Very high, 6 Major), onto our four words. GLPI computes it from urgency × impact (its default
 * matrix tops out at 5) unless a technician sets it; Major is only ever set by hand. Very high and
 * Major are both "critical", so the wallboard's most urgent counter shows what GLPI's own matrix
 * calls most urgent, not only hand-set majors. The list's "priority" order still sorts on GLPI's six.
 */
const FROM_GLPI_PRIORITY: Record<number, TicketPriority> = {
  1: "low",
  2: "low",
  3: "medium",
  4: "high",
  5: "critical",
  6: "critical",
};

/** Our word for GLPI's priority (a number, or the numeric text some database drivers give); undefined for anything else. */
export function fromGlpiPriority(value: unknown): TicketPriority | undefined {
  return value === null || value === undefined || value === "" ? undefined : FROM_GLPI_PRIORITY[Number(value)];
}

/** Ticket search option ids, GLPI 10.0.15 (reference §3.5). */
export const TICKET_FIELD = {
  name: 1,
  id: 2,
  priority: 3,
  requester: 4,
  category: 7,
  urgency: 10,
  impact: 11,
  status: 12,
  openedAt: 15,
  updatedAt: 19,
  content: 21,
  entity: 80,
} as const;

/** User search option ids (reference §3.6). */
export const USER_FIELD = {
  login: 1,
  id: 2,
  email: 5,
  phone: 6,
  firstName: 9,
  phone2: 10,
  mobile: 11,
  registrationNumber: 22,
  lastName: 34,
  active: 8,
} as const;
