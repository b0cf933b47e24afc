import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody, identifyByCallerRequest, identifyByCallerResponse, identifyByCodeRequest, identifyByCodeResponse } from "../contract.js";
import { callerOf, type IvrRouteContext } from "../context.js";
import { ApiError } from "../errors.js";
import { IVR_OR_WEB } from "./shared.js";

const tags = ["identify"];

/** Both answer with a person's name: limited per token and per address, audited in aggregate (IvrOperations). */
export const identifyRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
  app.post(
    "/identify/code",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Find an active user by their numeric user code",
        tags,
        body: identifyByCodeRequest,
        response: { 200: identifyByCodeResponse, 404: errorBody, 429: errorBody },
      },
    },
    async (request) => {
      const user = await ops.identifyByCode(request.body, callerOf(request));
      if (!user) throw new ApiError(404, "unknown_user", "no active user with that code");
      return { user };
    },
  );

  app.post(
    "/identify/caller",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Recognise a caller by the number/extension they call from (unique, shared or none)",
        tags,
        body: identifyByCallerRequest,
        response: { 200: identifyByCallerResponse, 429: errorBody },
      },
    },
    async (request) => ops.identifyByCaller(request.body, callerOf(request)),
  );
};
