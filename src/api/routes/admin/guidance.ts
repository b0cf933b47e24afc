import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { guidanceCreateSchema, guidanceSchema, guidanceUpdateSchema } from "../../../domain/index.js";
import { errorBody } from "../../contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ADMIN, noContent } from "../shared.js";

const tags = ["admin: guidance"];
const params = z.object({ id: z.coerce.number().int().positive() });
const one = z.object({ guidance: guidanceSchema });

/** `/admin/guidance`: the information menu's guidance texts; each write is audited and synthesised before it answers. */
export const adminGuidanceRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;

  app.get(
    "/guidance",
    { config: ADMIN, schema: { summary: "Every guidance text of the information menu, inactive ones included, by key", tags, response: { 200: z.object({ guidance: z.array(guidanceSchema) }) } } },
    async () => ({ guidance: await store.guidance.list(true) }),
  );

  app.post(
    "/guidance",
    { config: ADMIN, schema: { summary: "Add a guidance text { key 1..9, title, text, active? }", tags, body: guidanceCreateSchema, response: { 201: one, 400: errorBody, 409: errorBody } } },
    async (request, reply) => reply.code(201).send({ guidance: await store.guidance.create(request.body, actorOf(request), ctx.clock()) }),
  );

  app.patch(
    "/guidance/:id",
    { config: ADMIN, schema: { summary: "Change a guidance text's key, title, text or active", tags, params, body: guidanceUpdateSchema, response: { 200: one, 400: errorBody, 404: errorBody, 409: errorBody } } },
    async (request) => ({ guidance: await store.guidance.update(request.params.id, request.body, actorOf(request), ctx.clock()) }),
  );

  app.delete(
    "/guidance/:id",
    { config: ADMIN, schema: { summary: "Delete a guidance text", tags, params, response: { 204: noContent, 404: errorBody } } },
    async (request, reply) => {
      await store.guidance.remove(request.params.id, actorOf(request), ctx.clock());
      return reply.code(204).send();
    },
  );
};
