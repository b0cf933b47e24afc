import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { catalogueResponse } from "../contract.js";
import type { IvrRouteContext } from "../context.js";
import { IVR_OR_WEB } from "./shared.js";

export const catalogueRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
  app.get(
    "/catalogue",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "The active service catalogue: menus with their DTMF keys and prompts; tickets open on leaves",
        tags: ["catalogue"],
        response: { 200: catalogueResponse },
      },
    },
    async () => ({ services: await ops.catalogue() }),
  );
};
