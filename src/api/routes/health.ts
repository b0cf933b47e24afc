import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { withDeadline } from "../../shared/deadline.js";
import type { ApiContext } from "../context.js";

const tags = ["health"];
const readiness = z.object({ status: z.enum(["ok", "unavailable"]), database: z.string(), error: z.literal("database_unreachable").optional() });

/** `/ping` and `/health` at the root: no token (the allow-list still applies). */
export const healthRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get("/ping", { schema: { summary: "Liveness: the process answers", tags, response: { 200: z.object({ pong: z.literal(true) }) } } }, async () => ({
    pong: true as const,
  }));

  app.get(
    "/health",
    { schema: { summary: "Readiness: 200 when the database answers, else 503", tags, response: { 200: readiness, 503: readiness } } },
    async (_request, reply) => {
      try {
        await withDeadline(2000, () => ctx.store.ping());
        return { status: "ok" as const, database: ctx.store.dialect };
      } catch {
        return reply.code(503).send({ status: "unavailable", database: ctx.store.dialect, error: "database_unreachable" });
      }
    },
  );
};
