import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody, spokenNamesQuery, spokenNamesResponse } from "../contract.js";
import type { ApiContext } from "../context.js";
import { IVR_ONLY } from "./shared.js";

/**
 * The names an IVR node on its own host synthesises before its calls need them (issue 13: no
 * synthesis inside a call). Only the IVR's token: a list of every active user's name is more than
 * a web form needs (docs/security.md).
 */
export const spokenNamesRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/spoken-names",
    {
      config: IVR_ONLY,
      schema: {
        summary: "The active users' names, a page at a time, for an IVR node to synthesise ahead of its calls (names only)",
        tags: ["speech"],
        querystring: spokenNamesQuery,
        response: { 200: spokenNamesResponse, 400: errorBody },
      },
    },
    async (request) => ctx.store.users.spokenNames(request.query.after ?? null, request.query.limit),
  );
};
