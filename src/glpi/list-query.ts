import { DomainValidationError, filterStatuses, type TicketFilter, type TicketSort, type TicketStatus } from "../domain/index.js";
import type { SearchQuery } from "./client.js";
import type { GlpiDirectory, Requester, ServiceEntry } from "./directory.js";
import type { Criterion, FieldCriterion } from "./query.js";
import { TICKET_FIELD, toGlpiStatus } from "./status.js";

/**
 * A TicketFilter resolved once against our directory: the GLPI backend's list reads it on both
 * sides, GLPI's search (`glpiCriteria`) and the outbox of tickets not yet delivered
 * (`outboxFilter`), so a filter cannot mean one thing for a delivered ticket and another for a
 * waiting one.
 */
export interface ListQuery {
  /** Empty: any status. */
  statuses: readonly TicketStatus[];
  /** null: anyone; else the requesters asked for (by code and, when linked, GLPI user). */
  requesters: Requester[] | null;
  /** null: any service; else the leaves asked for, with their GLPI categories. */
  services: ServiceEntry[] | null;
  createdSince?: Date;
  createdBefore?: Date;
  sort: TicketSort;
}

/**
 * How many OR'ed values (requesters, categories) one filter may carry. A long search goes to GLPI as
 * a JSON body (client.ts, MAX_GET_QUERY), so the web server's 8 KiB GET line no longer bounds it;
 * what does is one SQL WHERE of that many `OR`s in GLPI and the outbox's `IN (…)` list (SQLite
 * takes 32,766 parameters, MariaDB 65,535). 5,000 linked users is a large city's largest
 * department with room to spare; beyond it the filter is refused, never cut short.
 */
export const MAX_SEARCH_VALUES = 5000;

export async function resolveListQuery(filter: TicketFilter, directory: GlpiDirectory): Promise<ListQuery> {
  // Who works on a ticket lives in GLPI (its technicians and groups), not in our console accounts.
  if (filter.assignee !== undefined) {
    throw new DomainValidationError("assignee", "with GLPI, tickets are assigned in GLPI: the list cannot filter by a console account (filter by technician in GLPI)");
  }
  let requesters: Requester[] | null = null;
  if (filter.userCode !== undefined) {
    const r = await directory.requester(filter.userCode);
    requesters = r ? [r] : [];
  }
  if (filter.department !== undefined) {
    const inDepartment = await directory.requestersInDepartment(filter.department);
    requesters = requesters === null ? inDepartment : requesters.filter((r) => inDepartment.some((d) => d.code === r.code));
  }
  let services: ServiceEntry[] | null = null;
  if (filter.serviceIds !== undefined) {
    services = [];
    for (const id of new Set(filter.serviceIds)) {
      const s = await directory.service(id);
      if (!s) continue; // an unknown service has no tickets
      if (s.glpiCategoryId === null) {
        throw new DomainValidationError(
          "serviceIds",
          `service ${s.id} (${s.path}) is not linked to a GLPI category, so GLPI cannot tell its tickets apart: link it to a category or filter in GLPI`,
        );
      }
      services.push(s);
    }
  }
  const linked = (requesters ?? []).filter((r) => r.glpiId !== null).length;
  const categories = new Set((services ?? []).map((s) => s.glpiCategoryId)).size;
  if (linked + categories > MAX_SEARCH_VALUES) {
    const field = linked >= categories ? (filter.department !== undefined ? "department" : "userCode") : "serviceIds";
    throw new DomainValidationError(field, `GLPI's search takes at most ${MAX_SEARCH_VALUES} requesters and categories at once (this filter asks for ${linked + categories}): narrow it, or filter in GLPI`);
  }
  return {
    statuses: filterStatuses(filter),
    requesters,
    services,
    createdSince: filter.createdSince,
    createdBefore: filter.createdBefore,
    sort: filter.sort ?? "newest",
  };
}

/** A ticket still waiting for GLPI is open: it is listed when the filter takes open tickets. */
export function includesWaiting(q: ListQuery): boolean {
  return q.statuses.length === 0 || q.statuses.includes("open");
}

/** The outbox's side of the query (tickets not yet delivered): the same requesters, services and dates. */
export function outboxFilter(q: ListQuery): { requesterCodes?: string[]; serviceIds?: number[]; createdSince?: Date; createdBefore?: Date; newestFirst: boolean } {
  return {
    ...(q.requesters ? { requesterCodes: q.requesters.map((r) => r.code) } : {}),
    ...(q.services ? { serviceIds: q.services.map((s) => s.id) } : {}),
    createdSince: q.createdSince,
    createdBefore: q.createdBefore,
    newestFirst: q.sort === "newest",
  };
}

/**
 * GLPI's side: search criteria for search/Ticket (option ids in TICKET_FIELD). null when GLPI can
 * hold no match (the requesters asked for have no GLPI user, or no service was left).
 * `dateText` writes an instant as GLPI's dates.
 */
export function glpiCriteria(q: ListQuery, dateText: (d: Date) => string): Criterion[] | null {
  const glpiStatuses = [...new Set(q.statuses.flatMap(glpiStatusValues))];
  const criteria: Criterion[] = [anyOf(TICKET_FIELD.status, glpiStatuses.length ? glpiStatuses : ["all"])];
  if (q.requesters) {
    const ids = q.requesters.flatMap((r) => (r.glpiId === null ? [] : [r.glpiId]));
    if (ids.length === 0) return null;
    criteria.push({ ...anyOf(TICKET_FIELD.requester, ids), link: "AND" });
  }
  if (q.services) {
    const ids = [...new Set(q.services.map((s) => s.glpiCategoryId!))];
    if (ids.length === 0) return null;
    criteria.push({ ...anyOf(TICKET_FIELD.category, ids), link: "AND" });
  }
  // GLPI's dates are to the second and its morethan/lessthan compare strictly (> and <,
  // reference §3.5 [inference]): "since" asks for more than the second before it.
  if (q.createdSince) {
    const second = Math.floor(q.createdSince.getTime() / 1000) * 1000;
    criteria.push({ link: "AND", field: TICKET_FIELD.openedAt, searchtype: "morethan", value: dateText(new Date(second - 1000)) });
  }
  if (q.createdBefore) criteria.push({ link: "AND", field: TICKET_FIELD.openedAt, searchtype: "lessthan", value: dateText(q.createdBefore) });
  return criteria;
}

/**
 * GLPI's order for the search: option ids and directions. Priority: highest first (GLPI's 6 =
 * Major), then oldest first as the builtin does, which also keeps pages of equal priorities stable
 * (a GLPI before 10.0 gets the first column only: client.ts).
 */
export function glpiOrder(sort: TicketSort): Pick<SearchQuery, "sort" | "order"> {
  if (sort === "oldest") return { sort: TICKET_FIELD.id, order: "ASC" };
  if (sort === "priority") return { sort: [TICKET_FIELD.priority, TICKET_FIELD.id], order: ["DESC", "ASC"] };
  return { sort: TICKET_FIELD.id, order: "DESC" };
}

/** Our status as GLPI's values (in progress is both of GLPI's "processing" statuses, 2 and 3). */
function glpiStatusValues(status: TicketStatus): number[] {
  return status === "in_progress" ? [2, 3] : [toGlpiStatus(status)];
}

/** `field equals v1 OR field equals v2 …`, bracketed so it ANDs with the rest as one condition. */
function anyOf(field: number, values: ReadonlyArray<string | number>): Criterion {
  const each = values.map((value, i): FieldCriterion => ({ ...(i > 0 ? { link: "OR" as const } : {}), field, searchtype: "equals", value }));
  return each.length === 1 ? each[0]! : { criteria: each };
}
