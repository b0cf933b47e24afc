import { z } from "zod";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as A from "../../admin-contract.js";
import { errorBody, fileBytes } from "../../contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ApiError } from "../../errors.js";
import { ADMIN } from "../shared.js";

const tags = ["admin: tickets"];

/** `/admin/tickets`: the queue, a ticket's history, and moving it along. */
export const adminTicketRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;

  app.get(
    "/tickets",
    {
      config: ADMIN,
      schema: { summary: "List tickets, newest first (filter by status or requester)", tags, querystring: A.ticketListQuery, response: { 200: A.ticketList } },
    },
    async (request) => store.tickets.list(request.query),
  );

  app.get(
    "/tickets/:protocol",
    {
      config: ADMIN,
      schema: { summary: "A ticket with its status history", tags, params: A.protocolParams, response: { 200: A.ticketDetail, 404: errorBody } },
    },
    async (request) => {
      const found = await store.tickets.get(request.params.protocol);
      if (!found) throw new ApiError(404, "not_found", `no ticket ${request.params.protocol}`);
      const callback = (await store.callbacks.forTickets([found.ticket.protocol])).get(found.ticket.protocol) ?? null;
      return { ...found, ticket: { ...found.ticket, callback } };
    },
  );

  app.get(
    "/tickets/:protocol/attachments/:id",
    {
      config: ADMIN,
      schema: {
        summary: "One attachment's bytes, e.g. the caller's voice description (audio/wav)",
        tags,
        params: A.protocolParams.extend({ id: z.string().regex(/^[0-9]{1,18}$/) }),
        response: { 200: fileBytes, 404: errorBody },
      },
    },
    async (request, reply) => {
      const found = await store.tickets.readAttachment(request.params.protocol, request.params.id);
      if (!found) throw new ApiError(404, "not_found", `no attachment ${request.params.id} on ticket ${request.params.protocol}`);
      return reply
        .header("content-type", found.attachment.contentType)
        .header("content-disposition", `inline; filename="${found.attachment.name.replace(/[^\w.-]/g, "_")}"`)
        .header("cache-control", "private, no-store")
        .send(Buffer.from(found.data));
    },
  );

  app.post(
    "/tickets/:protocol/status",
    {
      config: ADMIN,
      schema: {
        summary: "Move a ticket along open → in_progress → waiting → resolved → closed (recorded in its history)",
        tags,
        params: A.protocolParams,
        body: A.adminStatusChange,
        response: { 200: A.ticketDetail, 400: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => store.tickets.changeStatus(request.params.protocol, request.body, actorOf(request), ctx.clock()),
  );
};
