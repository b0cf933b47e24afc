import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_ATTACHMENT_BYTES } from "../../domain/index.js";
import {
  BUDGET_HEADER,
  errorBody,
  openTicketHeaders,
  openTicketRequest,
  openTicketResponse,
  protocol,
  ticketStatusQuery,
  ticketStatusResponse,
  voiceDescriptionBody,
  voiceDescriptionQuery,
  voiceDescriptionResponse,
} from "../contract.js";
import { callerOf, type IvrRouteContext } from "../context.js";
import { ApiError } from "../errors.js";
import { IVR_ONLY, IVR_OR_WEB } from "./shared.js";

const tags = ["tickets"];

export const ticketRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
  app.post(
    "/tickets",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Open a ticket (idempotent on callId: 201 new, 200 the call's existing ticket)",
        tags,
        body: openTicketRequest,
        headers: openTicketHeaders,
        response: { 201: openTicketResponse, 200: openTicketResponse, 400: errorBody, 404: errorBody, 409: errorBody, 503: errorBody },
      },
    },
    async (request, reply) => {
      // The client's budget counts from when its request is read here: a request held up before
      // (a paused process) is found again by call id; one held up by the database is not committed.
      const budget = (request.headers as Record<string, unknown>)[BUDGET_HEADER];
      const result = await ops.openTicket(request.body, callerOf(request), budget === undefined ? undefined : Number(budget));
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  // The body of a voice description is the WAV itself, as Asterisk wrote it (this plugin's routes only).
  app.addContentTypeParser(["audio/wav", "audio/x-wav", "audio/wave"], { parseAs: "buffer", bodyLimit: MAX_ATTACHMENT_BYTES }, (_request, body, done) => done(null, body));
  app.put(
    "/tickets/:protocol/voice-description",
    {
      config: IVR_ONLY,
      bodyLimit: MAX_ATTACHMENT_BYTES,
      schema: {
        summary: "Attach the caller's voice description (the WAV as the body, Content-Type audio/wav) to the ticket this call opened: 201 stored, 200 already there",
        tags,
        params: z.object({ protocol }),
        querystring: voiceDescriptionQuery,
        consumes: ["audio/wav"],
        body: voiceDescriptionBody,
        response: { 201: voiceDescriptionResponse, 200: voiceDescriptionResponse, 400: errorBody, 404: errorBody, 415: errorBody },
      },
    },
    async (request, reply) => {
      const result = await ops.attachVoiceDescription({ protocol: request.params.protocol, callId: request.query.callId, audio: new Uint8Array(request.body) }, callerOf(request));
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
      const ticket = await ops.ticketStatus(request.params.protocol, request.query);
      if (!ticket) throw new ApiError(404, "not_found", "no such ticket for this user");
      return { ticket };
    },
  );
};
