import type { FastifyInstance } from "fastify";
import type { User } from "../../domain/index.js";
import { maskPhone } from "../../shared/privacy.js";
import * as A from "../admin-contract.js";
import { errorBody } from "../contract.js";
import type { ApiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { route } from "../route.js";

const scopes = ["admin"] as const;

export async function adminRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  const view = (u: User) => ({
    code: u.code,
    name: u.name,
    phone: u.phone,
    phoneMasked: maskPhone(u.phone),
    department: u.department,
    active: u.active,
    extensions: u.extensions,
    otpFailures: u.otpFailures,
    otpLocked: u.otpFailures >= store.otpPolicy.maxFailures,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  });

  // ── users ──────────────────────────────────────────────────────────────────────────────────
  route(app, {
    method: "GET",
    url: "/admin/users",
    scopes,
    tags: ["admin: users"],
    summary: "List users (search by name or code, filter by department)",
    query: A.userListQuery,
    responses: { 200: A.adminUserList },
    async handler({ query }) {
      const { users, total } = await store.users.list(query);
      return { users: users.map(view), total };
    },
  });
  route(app, {
    method: "POST",
    url: "/admin/users",
    scopes,
    tags: ["admin: users"],
    summary: "Create a user (mobile normalised to E.164; extensions recognise them by caller id)",
    body: A.adminUserCreate,
    responses: { 201: A.adminUserResponse, 400: errorBody, 409: errorBody },
    async handler({ request, actor, reply }) {
      const user = await store.users.create(request.body, actor, ctx.clock());
      reply.code(201);
      return { user: view(user) };
    },
  });
  route(app, {
    method: "POST",
    url: "/admin/users/import",
    scopes,
    tags: ["admin: users"],
    summary: "Import users from CSV (header row; good rows kept, bad rows reported by line; re-import updates)",
    body: A.importBody,
    consumes: ["text/csv"],
    bodyLimit: 20 * 1024 * 1024,
    responses: { 200: A.importReport, 400: errorBody },
    async handler({ body, actor, request }) {
      const report = await store.users.importCsv(typeof body === "string" ? body : body.csv, actor, ctx.clock());
      request.log.info({ rows: report.rows, created: report.created, updated: report.updated, rejected: report.rejected.length }, "users imported");
      return report;
    },
  });
  route(app, {
    method: "GET",
    url: "/admin/users/:code",
    scopes,
    tags: ["admin: users"],
    summary: "One user",
    params: A.userCodeParams,
    responses: { 200: A.adminUserResponse, 404: errorBody },
    async handler({ params }) {
      const user = await store.users.byCode(params.code);
      if (!user) throw new ApiError(404, "unknown_user", `no user with code ${params.code}`);
      return { user: view(user) };
    },
  });
  route(app, {
    method: "PATCH",
    url: "/admin/users/:code",
    scopes,
    tags: ["admin: users"],
    summary: "Change a user (only the fields given; extensions replaces the list)",
    params: A.userCodeParams,
    body: A.adminUserPatch,
    responses: { 200: A.adminUserResponse, 400: errorBody, 404: errorBody },
    async handler({ params, request, actor }) {
      return { user: view(await store.users.update(params.code, request.body, actor, ctx.clock())) };
    },
  });
  route(app, {
    method: "DELETE",
    url: "/admin/users/:code",
    scopes,
    tags: ["admin: users"],
    summary: "Delete a user who has no tickets (others: PATCH active=false)",
    params: A.userCodeParams,
    responses: { 204: null, 404: errorBody, 409: errorBody },
    async handler({ params, actor, reply }) {
      await store.users.remove(params.code, actor, ctx.clock());
      return reply.code(204).send();
    },
  });
  route(app, {
    method: "POST",
    url: "/admin/users/:code/otp-reset",
    scopes,
    tags: ["admin: users"],
    summary: "Unlock a user locked out by wrong one-time codes",
    params: A.userCodeParams,
    responses: { 200: A.adminUserResponse, 404: errorBody },
    async handler({ params, actor }) {
      await store.users.resetCodeFailures(params.code, actor, ctx.clock());
      return { user: view((await store.users.byCode(params.code))!) };
    },
  });

  // ── catalogue ──────────────────────────────────────────────────────────────────────────────
  route(app, {
    method: "GET",
    url: "/admin/catalogue",
    scopes,
    tags: ["admin: catalogue"],
    summary: "The whole catalogue, inactive nodes included",
    responses: { 200: A.adminCatalogue },
    async handler() {
      return { services: await store.catalogue.tree(true) };
    },
  });
  route(app, {
    method: "POST",
    url: "/admin/catalogue",
    scopes,
    tags: ["admin: catalogue"],
    summary: "Add a menu or option (parentId null = main service menu; prompt defaults to 'Para <label>, tecle <key>.')",
    body: A.adminServiceCreate,
    responses: { 201: A.adminServiceResponse, 400: errorBody, 404: errorBody, 409: errorBody },
    async handler({ request, actor, reply }) {
      const service = await store.catalogue.create(request.body, actor, ctx.clock());
      reply.code(201);
      return { service };
    },
  });
  route(app, {
    method: "PATCH",
    url: "/admin/catalogue/:id",
    scopes,
    tags: ["admin: catalogue"],
    summary: "Change a node: key, label, prompt, parent, active",
    params: A.serviceIdParams,
    body: A.adminServiceUpdate,
    responses: { 200: A.adminServiceResponse, 400: errorBody, 404: errorBody, 409: errorBody },
    async handler({ params, request, actor }) {
      return { service: await store.catalogue.update(params.id, request.body, actor, ctx.clock()) };
    },
  });
  route(app, {
    method: "DELETE",
    url: "/admin/catalogue/:id",
    scopes,
    tags: ["admin: catalogue"],
    summary: "Delete a node without children or tickets (others: PATCH active=false)",
    params: A.serviceIdParams,
    responses: { 204: null, 404: errorBody, 409: errorBody },
    async handler({ params, actor, reply }) {
      await store.catalogue.remove(params.id, actor, ctx.clock());
      return reply.code(204).send();
    },
  });

  // ── business hours ─────────────────────────────────────────────────────────────────────────
  route(app, {
    method: "GET",
    url: "/admin/schedule",
    scopes,
    tags: ["admin: business hours"],
    summary: "The weekly schedule (local time; weekday 0 = Sunday)",
    responses: { 200: A.scheduleResponse },
    async handler() {
      return { timeZone: store.timeZone, intervals: await store.hours.schedule() };
    },
  });
  route(app, {
    method: "PUT",
    url: "/admin/schedule",
    scopes,
    tags: ["admin: business hours"],
    summary: "Replace the weekly schedule",
    body: A.adminSchedule,
    responses: { 200: A.scheduleResponse, 400: errorBody },
    async handler({ body, actor }) {
      return { timeZone: store.timeZone, intervals: await store.hours.setSchedule(body.intervals, actor, ctx.clock()) };
    },
  });
  route(app, {
    method: "GET",
    url: "/admin/holidays",
    scopes,
    tags: ["admin: business hours"],
    summary: "Holidays (from a date on, if given)",
    query: A.holidayListQuery,
    responses: { 200: A.holidayList },
    async handler({ query }) {
      return { holidays: await store.hours.holidays(query.from) };
    },
  });
  route(app, {
    method: "PUT",
    url: "/admin/holidays/:date",
    scopes,
    tags: ["admin: business hours"],
    summary: "Add or rename a holiday (local date YYYY-MM-DD)",
    params: A.holidayParams,
    body: A.adminHolidayBody,
    responses: { 201: A.holidayResponse, 200: A.holidayResponse, 400: errorBody },
    async handler({ params, body, actor, reply }) {
      const { holiday, created } = await store.hours.putHoliday(params.date, body.name, actor, ctx.clock());
      reply.code(created ? 201 : 200);
      return { holiday };
    },
  });
  route(app, {
    method: "DELETE",
    url: "/admin/holidays/:date",
    scopes,
    tags: ["admin: business hours"],
    summary: "Remove a holiday",
    params: A.holidayParams,
    responses: { 204: null, 404: errorBody },
    async handler({ params, actor, reply }) {
      await store.hours.deleteHoliday(params.date, actor, ctx.clock());
      return reply.code(204).send();
    },
  });

  // ── tickets ────────────────────────────────────────────────────────────────────────────────
  route(app, {
    method: "GET",
    url: "/admin/tickets",
    scopes,
    tags: ["admin: tickets"],
    summary: "List tickets, newest first (filter by status or requester)",
    query: A.ticketListQuery,
    responses: { 200: A.ticketList },
    async handler({ query }) {
      return store.tickets.list(query);
    },
  });
  route(app, {
    method: "GET",
    url: "/admin/tickets/:protocol",
    scopes,
    tags: ["admin: tickets"],
    summary: "A ticket with its status history",
    params: A.protocolParams,
    responses: { 200: A.ticketDetail, 404: errorBody },
    async handler({ params }) {
      const found = await store.tickets.get(params.protocol);
      if (!found) throw new ApiError(404, "not_found", `no ticket ${params.protocol}`);
      return found;
    },
  });
  route(app, {
    method: "POST",
    url: "/admin/tickets/:protocol/status",
    scopes,
    tags: ["admin: tickets"],
    summary: "Move a ticket along open → in_progress → waiting → resolved → closed (recorded in its history)",
    params: A.protocolParams,
    body: A.adminStatusChange,
    responses: { 200: A.ticketDetail, 400: errorBody, 404: errorBody, 409: errorBody },
    async handler({ params, body, actor }) {
      return store.tickets.changeStatus(params.protocol, body, actor, ctx.clock());
    },
  });

  // ── audit and retention ────────────────────────────────────────────────────────────────────
  route(app, {
    method: "GET",
    url: "/admin/audit",
    scopes,
    tags: ["admin: audit"],
    summary: "The audit log, newest first: which client, from which address, what changed",
    query: A.auditQuery,
    responses: { 200: A.auditList },
    async handler({ query }) {
      return { entries: await store.audit.list(query) };
    },
  });
  route(app, {
    method: "POST",
    url: "/admin/purge",
    scopes,
    tags: ["admin: audit"],
    summary: "Delete call records and audit rows past RETENTION_CALL_DAYS / RETENTION_AUDIT_DAYS (as `ura purge`)",
    responses: { 200: A.purgeReport },
    async handler({ actor }) {
      return store.purge(actor, ctx.clock());
    },
  });
}
