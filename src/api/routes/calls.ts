import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody, recordCallRequest, recordCallResponse } from "../contract.js";
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
};
