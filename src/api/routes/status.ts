import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { heartbeatSchema, partStatusSchema, type LivenessBoard } from "../../domain/index.js";
import type { ApiContext } from "../context.js";
import { IVR_ONLY } from "./shared.js";

const tags = ["status"];
const statusResponse = z.object({ now: z.string(), parts: z.array(partStatusSchema) });

/**
 * Seed 002's centraliser over HTTP: every part posts a heartbeat every 10 s (IVR nodes and the
 * WhatsApp service with an `ivr` token), and `GET /status` is the table `ura status` prints and
 * the console's status page shows.
 */
export const statusRoutes: FastifyPluginAsyncZod<ApiContext & { liveness: LivenessBoard }> = async (app, ctx) => {
  app.post(
    "/heartbeats",
    {
      // Every part, every 10 s: at info level the request log would be mostly heartbeats.
      logLevel: "warn",
      config: IVR_ONLY,
      schema: { summary: "A part reports that it is alive (every 10 s; silent 30 s = OFFLINE)", tags, body: heartbeatSchema, response: { 200: partStatusSchema } },
    },
    async (request) => ctx.liveness.beat(request.body),
  );

  app.get(
    "/status",
    {
      config: { scopes: ["ivr", "web", "admin"] },
      schema: { summary: "Every part of the system: ONLINE or OFFLINE, since when, its version, host and state", tags, response: { 200: statusResponse } },
    },
    async () => ({ now: ctx.clock().toISOString(), parts: ctx.liveness.list() }),
  );
};
