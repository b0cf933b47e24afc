import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody, recordCallRequest, recordCallResponse, recordTransferRequest, recordTransferResponse, surveyRequest, surveyResponse } from "../contract.js";
import { actorOf, type ApiContext } from "../context.js";
import { IVR_ONLY } from "./shared.js";

export const callRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.post(
    "/calls",
    {
      config: IVR_ONLY,
      schema: {
        summary: "Record an IVR call's outcome (upsert by callId: 201 new, 200 updated)",
        tags: ["calls"],
        body: recordCallRequest,
        response: { 201: recordCallResponse, 200: recordCallResponse, 400: errorBody },
      },
    },
    async (request, reply) => {
      const { created } = await ctx.store.calls.record(request.body, actorOf(request), ctx.clock());
      return reply.code(created ? 201 : 200).send({ callId: request.body.callId, created });
    },
  );

  app.post(
    "/transfers",
    {
      config: IVR_ONLY,
      schema: {
        summary: "The IVR hands a call to the technicians' queue: recorded for the screen-pop; answers the caller's name for the desk phones",
        tags: ["calls"],
        body: recordTransferRequest,
        response: { 201: recordTransferResponse, 400: errorBody },
      },
    },
    async (request, reply) => {
      const transfer = await ctx.store.calls.recordTransfer(request.body, actorOf(request), ctx.clock());
      request.log.info({ call: transfer.callId, identified: transfer.user !== null }, "call transferred to the technicians");
      return reply.code(201).send({ callId: transfer.callId, callerName: callerName(transfer.user) });
    },
  );

  app.post(
    "/surveys",
    {
      config: IVR_ONLY,
      schema: {
        summary: "Record a call's satisfaction survey answer, 1 to 5 (one per call: 201 new, 200 replaced)",
        tags: ["calls"],
        body: surveyRequest,
        response: { 201: surveyResponse, 200: surveyResponse, 400: errorBody },
      },
    },
    async (request, reply) => {
      const { created } = await ctx.store.surveys.record(request.body, ctx.clock());
      return reply.code(created ? 201 : 200).send({ callId: request.body.callId, created });
    },
  );
};

/**
 * What the desk phones show (CALLERID(name)): "Ana Souza · 1234", the name and the user code. Kept
 * short and free of characters a SIP header or the dialplan would choke on.
 */
export function callerName(user: { name: string; code: string } | null): string | null {
  if (!user) return null;
  const name = user.name.replace(/["\\\r\n]/g, " ").replace(/\s+/g, " ").trim().slice(0, 40);
  return `${name} · ${user.code}`;
}
