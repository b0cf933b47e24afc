import type { FastifyInstance } from "fastify";
import { errorBody, recordCallRequest, recordCallResponse } from "../contract.js";
import type { ApiContext } from "../context.js";
import { route } from "../route.js";

export async function callRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  route(app, {
    method: "POST",
    url: "/calls",
    scopes: ["ivr"],
    tags: ["calls"],
    summary: "Record an IVR call's outcome (upsert by callId: 201 new, 200 updated)",
    body: recordCallRequest,
    responses: { 201: recordCallResponse, 200: recordCallResponse, 400: errorBody },
    async handler({ body, actor, reply }) {
      const { created } = await ctx.store.calls.record(body, actor, ctx.clock());
      reply.code(created ? 201 : 200);
      return { callId: body.callId, created };
    },
  });
}
