import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { hoursResponse } from "../contract.js";
import type { ApiContext } from "../context.js";
import { IVR_OR_WEB } from "./shared.js";

export const hoursRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/hours",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Is the help desk open now (weekly schedule + holidays, URA_TIMEZONE), and when it opens next",
        tags: ["business hours"],
        response: { 200: hoursResponse },
      },
    },
    async () => ctx.store.hours.at(ctx.clock()),
  );
};
