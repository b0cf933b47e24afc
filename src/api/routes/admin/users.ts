import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { z } from "zod";
import type { User } from "../../../domain/index.js";
import { maskPhone } from "../../../shared/privacy.js";
import * as A from "../../admin-contract.js";
import { errorBody } from "../../contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ApiError } from "../../errors.js";
import { ADMIN, noContent } from "../shared.js";

const tags = ["admin: users"];

/** `/admin/users`: the people who may call, their mobiles and extensions, CSV import, and unlocking. */
export const adminUserRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;
  /** The users as admins see them; otpLocked: some number that asked for the user's codes is cooling down after wrong ones. */
  const views = async (users: User[]): Promise<z.output<typeof A.adminUser>[]> => {
    const cooling = await store.codes.coolingDownFor(users.map((u) => u.id), ctx.clock());
    return users.map((u) => viewOf(u, cooling.has(u.id)));
  };
  const view = async (u: User) => (await views([u]))[0]!;
  const viewOf = (u: User, otpLocked: boolean): z.output<typeof A.adminUser> => ({
    code: u.code,
    name: u.name,
    phone: u.phone,
    phoneMasked: maskPhone(u.phone),
    department: u.department,
    active: u.active,
    extensions: u.extensions,
    otpFailures: u.otpFailures,
    otpLocked,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  });

  app.get(
    "/users",
    {
      config: ADMIN,
      schema: { summary: "List users (search by name or code, filter by department)", tags, querystring: A.userListQuery, response: { 200: A.adminUserList } },
    },
    async (request) => {
      const { users, total } = await store.users.list(request.query);
      return { users: await views(users), total };
    },
  );

  app.post(
    "/users",
    {
      config: ADMIN,
      schema: {
        summary: "Create a user (mobile normalised to E.164; extensions recognise them by caller id)",
        tags,
        body: A.adminUserCreate,
        response: { 201: A.adminUserResponse, 400: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const user = await store.users.create(request.body, actorOf(request), ctx.clock());
      return reply.code(201).send({ user: await view(user) });
    },
  );

  app.post(
    "/users/import",
    {
      config: ADMIN,
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        summary: "Import users from CSV (header row; good rows kept, bad rows reported by line; re-import updates)",
        tags,
        consumes: ["application/json", "text/csv"],
        body: A.importBody,
        response: { 200: A.importReport, 400: errorBody },
      },
    },
    async (request) => {
      const { body } = request;
      const report = await store.users.importCsv(typeof body === "string" ? body : body.csv, actorOf(request), ctx.clock());
      request.log.info({ rows: report.rows, created: report.created, updated: report.updated, rejected: report.rejected.length }, "users imported");
      return report;
    },
  );

  app.get(
    "/users/:code",
    { config: ADMIN, schema: { summary: "One user", tags, params: A.userCodeParams, response: { 200: A.adminUserResponse, 404: errorBody } } },
    async (request) => {
      const user = await store.users.byCode(request.params.code);
      if (!user) throw new ApiError(404, "unknown_user", `no user with code ${request.params.code}`);
      return { user: await view(user) };
    },
  );

  app.patch(
    "/users/:code",
    {
      config: ADMIN,
      schema: {
        summary: "Change a user (only the fields given; extensions replaces the list)",
        tags,
        params: A.userCodeParams,
        body: A.adminUserPatch,
        response: { 200: A.adminUserResponse, 400: errorBody, 404: errorBody },
      },
    },
    async (request) => ({ user: await view(await store.users.update(request.params.code, request.body, actorOf(request), ctx.clock())) }),
  );

  app.delete(
    "/users/:code",
    {
      config: ADMIN,
      schema: {
        summary: "Delete a user who has no tickets (others: PATCH active=false)",
        tags,
        params: A.userCodeParams,
        response: { 204: noContent, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      await store.users.remove(request.params.code, actorOf(request), ctx.clock());
      return reply.code(204).send();
    },
  );

  app.post(
    "/users/:code/otp-reset",
    {
      config: ADMIN,
      schema: {
        summary: "Unlock a user locked out by wrong one-time codes",
        tags,
        params: A.userCodeParams,
        response: { 200: A.adminUserResponse, 404: errorBody },
      },
    },
    async (request) => {
      await store.users.resetCodeFailures(request.params.code, actorOf(request), ctx.clock());
      return { user: await view((await store.users.byCode(request.params.code))!) };
    },
  );
};
