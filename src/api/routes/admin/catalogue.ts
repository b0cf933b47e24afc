import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as A from "../../admin-contract.js";
import { errorBody } from "../../contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ADMIN, noContent } from "../shared.js";

const tags = ["admin: catalogue"];

/** `/admin/catalogue`: the menus and options callers choose from, inactive ones included. */
export const adminCatalogueRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;

  app.get(
    "/catalogue",
    { config: ADMIN, schema: { summary: "The whole catalogue, inactive nodes included", tags, response: { 200: A.adminCatalogue } } },
    async () => ({ services: await store.catalogue.tree(true), ready: await store.catalogue.ready(), glpi: ctx.settings.TICKET_BACKEND === "glpi" }),
  );

  app.post(
    "/catalogue/:id/swap",
    {
      config: ADMIN,
      schema: {
        summary: "Two options of one menu trade keys (and places); default-form sentences follow their new key",
        tags,
        params: A.serviceIdParams,
        body: A.adminServiceSwap,
        response: { 204: noContent, 400: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      await store.catalogue.swapKeys(request.params.id, request.body, actorOf(request), ctx.clock());
      return reply.code(204).send();
    },
  );

  app.post(
    "/catalogue",
    {
      config: ADMIN,
      schema: {
        summary: "Add a menu or option (parentId null = main service menu; prompt defaults to '<label>, <key>.')",
        tags,
        body: A.adminServiceCreate,
        response: { 201: A.adminServiceResponse, 400: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const service = await store.catalogue.create(request.body, actorOf(request), ctx.clock());
      return reply.code(201).send({ service });
    },
  );

  app.patch(
    "/catalogue/:id",
    {
      config: ADMIN,
      schema: {
        summary: "Change a node: key, label, prompt, parent, active",
        tags,
        params: A.serviceIdParams,
        body: A.adminServiceUpdate,
        response: { 200: A.adminServiceResponse, 400: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => ({ service: await store.catalogue.update(request.params.id, request.body, actorOf(request), ctx.clock()) }),
  );

  app.delete(
    "/catalogue/:id",
    {
      config: ADMIN,
      schema: {
        summary: "Delete a node without children or tickets (others: PATCH active=false)",
        tags,
        params: A.serviceIdParams,
        response: { 204: noContent, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      await store.catalogue.remove(request.params.id, actorOf(request), ctx.clock());
      return reply.code(204).send();
    },
  );
};
