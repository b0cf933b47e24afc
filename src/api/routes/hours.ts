import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { hoursResponse } from "../contract.js";
import type { IvrRouteContext } from "../context.js";
import { IVR_OR_WEB } from "./shared.js";

export const hoursRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
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
    async () => ops.hours(),
  );
};
