import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { announcementsResponse, callbackRequest, callbackResponse, errorBody, informationResponse } from "../contract.js";
import { callerOf, type IvrRouteContext } from "../context.js";
import { IVR_ONLY, IVR_OR_WEB } from "./shared.js";

/** `/announcements`: what callers hear before the main menu now, and what starts later. */
export const announcementRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
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
    async () => ops.announcements(),
  );
};

/** `/information`: the information menu's content (opening hours and guidance texts). */
export const informationRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
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
    async () => ops.information(),
  );
};

/** `/callbacks`: a caller asked to be called back about the ticket their call opened. */
export const callbackRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
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
      const { created } = await ops.requestCallback(request.body, callerOf(request));
      return reply.code(created ? 201 : 200).send({ callId: request.body.callId, created });
    },
  );
};
