import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Account, KioskToken } from "../../../domain/index.js";
import * as C from "../../console-contract.js";
import { errorBody } from "../../contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ApiError } from "../../errors.js";
import { ADMIN } from "../shared.js";

const view = (a: Account) => ({
  username: a.username,
  name: a.name,
  role: a.role,
  extension: a.extension,
  active: a.active,
  lastSignInAt: a.lastSignInAt,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});
const kioskView = (k: KioskToken) => k;

/** `/admin/accounts`: the console's technicians and admins (as `ura accounts add`). */
export const adminAccountRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;
  const tags = ["admin: console accounts"];

  app.get(
    "/accounts",
    { config: ADMIN, schema: { summary: "Console accounts (search by user name or name)", tags, querystring: C.accountListQuery, response: { 200: C.accountList } } },
    async (request) => ({ accounts: (await store.accounts.list(request.query)).map(view) }),
  );

  app.post(
    "/accounts",
    {
      config: ADMIN,
      schema: { summary: "Create a technician or admin account", tags, body: C.accountCreate, response: { 201: C.accountResponse, 400: errorBody, 409: errorBody } },
    },
    async (request, reply) => reply.code(201).send({ account: view(await store.accounts.create(request.body, actorOf(request), ctx.clock())) }),
  );

  app.patch(
    "/accounts/:username",
    {
      config: ADMIN,
      schema: {
        summary: "Change an account: name, role, extension, password, active (a new password or a deactivation ends its sessions)",
        tags,
        params: C.accountParams,
        body: C.accountPatch,
        response: { 200: C.accountResponse, 400: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => {
      if (request.account?.username === request.params.username && request.body.active === false) {
        throw new ApiError(409, "own_account", "you cannot deactivate the account you are signed in with", "active");
      }
      return { account: view(await store.accounts.update(request.params.username, request.body, actorOf(request), ctx.clock())) };
    },
  );
};

/** `/admin/kiosk-tokens`: the wall TVs' read-only tokens (as `ura kiosk add NAME`). */
export const adminKioskRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;
  const tags = ["admin: kiosk tokens"];

  app.get(
    "/kiosk-tokens",
    { config: ADMIN, schema: { summary: "Kiosk tokens, revoked ones included (the tokens themselves are never shown again)", tags, response: { 200: C.kioskList } } },
    async () => ({ kiosks: (await store.kiosks.list()).map(kioskView) }),
  );

  app.post(
    "/kiosk-tokens",
    {
      config: ADMIN,
      schema: { summary: "Make a kiosk token for a wall TV: the answer is the only time it is shown", tags, body: C.kioskCreate, response: { 201: C.kioskCreated, 400: errorBody } },
    },
    async (request, reply) => {
      const { token, kiosk } = await store.kiosks.create(request.body, actorOf(request), ctx.clock());
      reply.header("cache-control", "no-store");
      return reply.code(201).send({ kiosk: kioskView(kiosk), token });
    },
  );

  app.delete(
    "/kiosk-tokens/:id",
    { config: ADMIN, schema: { summary: "Revoke a kiosk token", tags, params: C.kioskParams, response: { 200: C.kioskResponse, 404: errorBody } } },
    async (request) => ({ kiosk: kioskView(await store.kiosks.revoke(request.params.id, actorOf(request), ctx.clock())) }),
  );
};
