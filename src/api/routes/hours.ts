import type { FastifyInstance } from "fastify";
import { hoursResponse } from "../contract.js";
import type { ApiContext } from "../context.js";
import { route } from "../route.js";

export async function hoursRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  route(app, {
    method: "GET",
    url: "/hours",
    scopes: ["ivr", "web"],
    tags: ["business hours"],
    summary: "Is the help desk open now (weekly schedule + holidays, URA_TIMEZONE), and when it opens next",
    responses: { 200: hoursResponse },
    async handler() {
      return ctx.store.hours.at(ctx.clock());
    },
  });
}
