import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody, openTicketRequest, openTicketResponse, protocol, ticketStatusQuery, ticketStatusResponse } from "../contract.js";
import { actorOf, type ApiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { IVR_OR_WEB } from "./shared.js";

const tags = ["tickets"];

export const ticketRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.post(
    "/tickets",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Open a ticket (idempotent on callId: 201 new, 200 the call's existing ticket)",
        tags,
        body: openTicketRequest,
        response: { 201: openTicketResponse, 200: openTicketResponse, 400: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const result = await ctx.store.tickets.open(request.body, actorOf(request), ctx.clock());
      if (result.created) request.log.info({ protocol: result.ticket.protocol, call: request.body.callId }, "ticket opened");
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.get(
    "/tickets/:protocol",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "A ticket's status, for its own requester only (anyone else gets the same 404 as an unknown protocol)",
        tags,
        params: z.object({ protocol }),
        querystring: ticketStatusQuery,
        response: { 200: ticketStatusResponse, 404: errorBody },
      },
    },
    async (request) => {
      const ticket = await ctx.store.tickets.forRequester(request.params.protocol, request.query.userCode);
      if (!ticket) throw new ApiError(404, "not_found", "no such ticket for this user");
      return { ticket };
    },
  );
};
