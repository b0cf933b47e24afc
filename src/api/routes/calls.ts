import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody, recordCallRequest, recordCallResponse, recordTransferRequest, recordTransferResponse, surveyRequest, surveyResponse } from "../contract.js";
import { callerOf, type IvrRouteContext } from "../context.js";
import { IVR_ONLY } from "./shared.js";

export const callRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
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
      const { created } = await ops.recordCall(request.body, callerOf(request));
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
      return reply.code(201).send(await ops.recordTransfer(request.body, callerOf(request)));
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
      const { created } = await ops.recordSurvey(request.body);
      return reply.code(created ? 201 : 200).send({ callId: request.body.callId, created });
    },
  );
};

