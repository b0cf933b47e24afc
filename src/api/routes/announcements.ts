import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { announcementsResponse, callbackRequest, callbackResponse, errorBody, informationResponse } from "../contract.js";
import { actorOf, type ApiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { IVR_ONLY, IVR_OR_WEB } from "./shared.js";

/** `/announcements`: what callers hear before the main menu now, and what starts later. */
export const announcementRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/announcements",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Announcements playing now (oldest first), and those scheduled to start later (for synthesis ahead of the calls)",
        tags: ["announcements"],
        response: { 200: announcementsResponse },
      },
    },
    async () => {
      const { playing, scheduled } = await ctx.store.announcements.forCallers(ctx.clock());
      return { playing: playing.map((a) => ({ id: a.id, text: a.text })), scheduled: scheduled.map((a) => ({ id: a.id, text: a.text, startsAt: a.startsAt })) };
    },
  );
};

/** `/information`: the information menu's content (opening hours and guidance texts). */
export const informationRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/information",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "The information menu: the weekly schedule (URA_TIMEZONE) and the active guidance texts by key",
        tags: ["information"],
        response: { 200: informationResponse },
      },
    },
    async () => {
      const [schedule, guidance] = await Promise.all([ctx.store.hours.schedule(), ctx.store.guidance.list()]);
      return { schedule, guidance: guidance.map((g) => ({ key: g.key, title: g.title, prompt: g.prompt, text: g.text })) };
    },
  );
};

/** `/callbacks`: a caller asked to be called back about the ticket their call opened. */
export const callbackRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.post(
    "/callbacks",
    {
      config: IVR_ONLY,
      schema: {
        summary: "Record a callback request on a ticket, with the number to call (one per call: 201 new, 200 replaced)",
        tags: ["calls"],
        body: callbackRequest,
        response: { 201: callbackResponse, 200: callbackResponse, 400: errorBody, 404: errorBody },
      },
    },
    async (request, reply) => {
      if (!(await ctx.store.tickets.get(request.body.ticketProtocol))) throw new ApiError(404, "not_found", `no ticket ${request.body.ticketProtocol}`, "ticketProtocol");
      const { created } = await ctx.store.callbacks.request(request.body, actorOf(request), ctx.clock());
      return reply.code(created ? 201 : 200).send({ callId: request.body.callId, created });
    },
  );
};
