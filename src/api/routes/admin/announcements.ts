import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { announcementCreateSchema, announcementSchema, announcementUpdateSchema } from "../../../domain/index.js";
import { errorBody } from "../../contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ADMIN, noContent } from "../shared.js";

const tags = ["admin: announcements"];
const params = z.object({ id: z.coerce.number().int().positive() });
const one = z.object({ announcement: announcementSchema });
const listQuery = z.object({ current: z.enum(["yes", "no"]).default("no").describe("yes: only those playing or scheduled") });

/**
 * `/admin/announcements`: what callers hear before the main menu, with a start and an end. Each
 * write is audited and synthesised before it answers, so the next caller hears it without a wait.
 */
export const adminAnnouncementRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;

  app.get(
    "/announcements",
    { config: ADMIN, schema: { summary: "Every announcement, newest first, with its state (playing, scheduled, ended)", tags, querystring: listQuery, response: { 200: z.object({ announcements: z.array(announcementSchema) }) } } },
    async (request) => ({ announcements: await store.announcements.list(ctx.clock(), { current: request.query.current === "yes" }) }),
  );

  app.post(
    "/announcements",
    {
      config: ADMIN,
      schema: {
        summary: "Add an announcement (startsAt defaults to now, endsAt to 'until ended')",
        tags,
        body: announcementCreateSchema,
        response: { 201: one, 400: errorBody },
      },
    },
    async (request, reply) => reply.code(201).send({ announcement: await store.announcements.create(request.body, actorOf(request), ctx.clock()) }),
  );

  app.patch(
    "/announcements/:id",
    { config: ADMIN, schema: { summary: "Change an announcement's text, start or end", tags, params, body: announcementUpdateSchema, response: { 200: one, 400: errorBody, 404: errorBody } } },
    async (request) => ({ announcement: await store.announcements.update(request.params.id, request.body, actorOf(request), ctx.clock()) }),
  );

  app.post(
    "/announcements/:id/end",
    { config: ADMIN, schema: { summary: "End an announcement now: the next caller no longer hears it", tags, params, response: { 200: one, 404: errorBody } } },
    async (request) => ({ announcement: await store.announcements.end(request.params.id, actorOf(request), ctx.clock()) }),
  );

  app.delete(
    "/announcements/:id",
    { config: ADMIN, schema: { summary: "Delete an announcement (ending it keeps it in the list)", tags, params, response: { 204: noContent, 404: errorBody } } },
    async (request, reply) => {
      await store.announcements.remove(request.params.id, actorOf(request), ctx.clock());
      return reply.code(204).send();
    },
  );
};
