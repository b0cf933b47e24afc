import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorBody, openTicketRequest, openTicketResponse, protocol, ticketStatusQuery, ticketStatusResponse } from "../contract.js";
import type { ApiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { route } from "../route.js";

export async function ticketRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  route(app, {
    method: "POST",
    url: "/tickets",
    scopes: ["ivr", "web"],
    tags: ["tickets"],
    summary: "Open a ticket (idempotent on callId: 201 new, 200 the call's existing ticket)",
    body: openTicketRequest,
    responses: { 201: openTicketResponse, 200: openTicketResponse, 400: errorBody, 404: errorBody, 409: errorBody },
    async handler({ body, actor, reply, request }) {
      const result = await ctx.store.tickets.open(body, actor, ctx.clock());
      if (result.created) request.log.info({ protocol: result.ticket.protocol, call: body.callId }, "ticket opened");
      reply.code(result.created ? 201 : 200);
      return result;
    },
  });

  route(app, {
    method: "GET",
    url: "/tickets/:protocol",
    scopes: ["ivr", "web"],
    tags: ["tickets"],
    summary: "A ticket's status, for its own requester only (anyone else gets the same 404 as an unknown protocol)",
    params: z.object({ protocol }),
    query: ticketStatusQuery,
    responses: { 200: ticketStatusResponse, 404: errorBody },
    async handler({ params, query }) {
      const ticket = await ctx.store.tickets.forRequester(params.protocol, query.userCode);
      if (!ticket) throw new ApiError(404, "not_found", "no such ticket for this user");
      return { ticket };
    },
  });
}
