import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody, identifyByCallerRequest, identifyByCallerResponse, identifyByCodeRequest, identifyByCodeResponse } from "../contract.js";
import { publicUser, type ApiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { IdentifyLimits } from "../identify-limits.js";
import { IVR_OR_WEB } from "./shared.js";

const tags = ["identify"];

export const identifyRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  // Both routes answer with a person's name: limited per token and per address, audited in aggregate.
  const limits = new IdentifyLimits(ctx, app.log);
  app.addHook("onClose", () => limits.close());
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
      limits.admit(request);
      const user = await ctx.store.users.byCode(request.body.code);
      limits.result(request, Boolean(user?.active));
      if (!user || !user.active) throw new ApiError(404, "unknown_user", "no active user with that code");
      return { user: publicUser(user) };
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
    async (request) => {
      limits.admit(request);
      const { number, internal = false } = request.body;
      const r = await ctx.store.users.byCaller(number);
      limits.result(request, r.match !== "none");
      if (r.match !== "unique") return { match: r.match };
      const identification = await ctx.store.identification.modeFor({ number, internal }, r.user);
      return { match: "unique" as const, user: publicUser(r.user), identification };
    },
  );
};
